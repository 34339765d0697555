"""The walkthrough in a terminal: same service, same checks, same messages as in Telegram.

Buttons are printed as ``[#1 完成]``; typing ``#1`` (or ``#完成``) presses one. Commands are
the bot's: /report [年度], /status, /preview, /generate, /cancel, /help; /quit (or end of
input) leaves. Lines pasted together (a table copied from a spreadsheet) are one message, as
in Telegram: `typed_messages` joins the lines already waiting when one is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.chat.help import HELP_TEXT, help_text
from bot.chat.service import ReportChat
from bot.chat.state import Button
from bot.chat.turn import Turn
from storage import members, orgs
from storage.db import session_scope
from storage.errors import NotFound
from storage.models import Member

Output = Callable[[str], None]


def terminal_member(engine: Engine, *, agency: str, org_type: str = "department") -> Member:
    """The terminal's member for `agency`, creating the organisation and joining it if needed.

    Telegram user ids are positive, so the terminal uses the organisation's id negated.
    """
    with session_scope(engine) as session:
        try:
            org = orgs.find_org(session, name_or_id=agency)
        except NotFound:
            org = orgs.create_org(session, name=agency, org_type=org_type)
        local_id = -int(org.id or 0)
        member = members.get_member(session, telegram_user_id=local_id)
        if member is not None:
            return member
        _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="terminal")
        return members.redeem_invite(
            session, code=code, telegram_user_id=local_id, name=f"{agency}（终端）"
        )


def typed_messages(first: Callable[[], str], waiting: Callable[[], str | None]) -> Iterator[str]:
    """The member's messages: a line read with `first` (which waits for Enter), joined with
    the lines `waiting` returns (lines already typed or pasted; None when there are none)."""
    while True:
        lines = [first()]
        while (line := waiting()) is not None:
            lines.append(line.rstrip("\n"))
        yield "\n".join(lines)


class TerminalChat:
    def __init__(
        self, chat: ReportChat, member: Member, *, output_dir: Path, write: Output = print
    ) -> None:
        self.chat = chat
        self.member = member
        self.output_dir = output_dir
        self.write = write
        self.buttons: list[tuple[str, str]] = []
        self.documents: list[Path] = []

    def open(self, *, year: int | None = None) -> None:
        self.show(self.chat.open(self.member, year=year))

    def handle(self, line: str) -> bool:
        """One line typed by the member; False when they leave."""
        text = line.rstrip("\n")
        command = text.strip()
        if command in ("/quit", "/exit"):
            return False
        if command.startswith("#"):
            data = self._button(command[1:].strip())
            if data is None:
                self.write("（没有这个按钮，请输入 # 加按钮编号或按钮文字）")
            else:
                self.show(self.chat.press(self.member, data))
            return True
        if command.startswith("/report "):
            self.show(self.chat.open_command(self.member, command.split()[1:]))
            return True
        commands: dict[str, Callable[[], Turn]] = {
            "/report": lambda: self.chat.open(self.member),
            "/status": lambda: self.chat.status(self.member),
            "/preview": lambda: self.chat.preview(self.member),
            "/generate": lambda: self.chat.generate(self.member),
            "/cancel": lambda: self.chat.cancel(self.member),
        }
        if command == "/help":
            self.write(help_text(self.member))
        elif command in commands:
            self.show(commands[command]())
        elif command.startswith("/"):
            self.write(f"无法识别该命令。\n{HELP_TEXT}")
        else:
            self.show(self.chat.text(self.member, text))
        return True

    def run(self, lines: Iterable[str], *, echo: bool = False) -> None:
        for line in lines:
            if echo:
                self.write(f"\n>>> {line.rstrip()}")
            if not self.handle(line):
                break

    def _button(self, choice: str) -> str | None:
        if choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            return self.buttons[int(choice) - 1][1]
        for text, data in self.buttons:
            if text == choice:
                return data
        return None

    def show(self, turn: Turn) -> None:
        if turn.notice:
            self.write(f"（{turn.notice}）")
        self.buttons = []
        for reply in turn.replies:
            self.write(reply.text)
            if reply.pre:
                self.write("\n".join("    " + line for line in reply.pre.splitlines()))
            self._show_buttons(turn, reply.buttons)
        files = (turn.document, *turn.attachments) if turn.document is not None else ()
        for document in files:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            path = self.output_dir / document.filename
            path.write_bytes(document.content)
            self.documents.append(path)
            self.write(f"📄 已生成：{path.resolve()}")
        if turn.document is not None:
            self._show_buttons(turn, turn.document.buttons)

    def _show_buttons(self, turn: Turn, rows: tuple[tuple[Button, ...], ...]) -> None:
        labels = []
        for row in rows:
            for button in row:
                self.buttons.append((button.text, turn.callback_data(button.action)))
                labels.append(f"[#{len(self.buttons)} {button.text}]")
        if labels:
            self.write(" ".join(labels))
