"""A whole report as the member sees it in Telegram, with the count of what they receive.

    python bench/transcript.py [--paste] [--output docs/transcripts/rows.md]

A new member joins with an invite, fills in a published report (淮安市洪泽区人民政府 2024, from
tests/fixtures/samples) and generates the Word document. Every reply of the chat service is
composed into Telegram messages exactly as the bot sends them (`bot.telegram.replies.compose`),
so the count of messages and characters is what arrives on the member's phone; a document
counts as one message (its caption as its characters).

Without `--paste` the member types one table row per message, as the walkthrough asks; with
`--paste` each table is pasted in one message as copied from a spreadsheet (tab-separated, the
label column included), which the chat takes since issue 23.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.chat.service import ReportChat  # noqa: E402
from bot.chat.turn import Turn  # noqa: E402
from bot.core.answers import load_answers, parse_answers  # noqa: E402
from bot.core.form import ReportForm, Section  # noqa: E402
from bot.core.values import Value, format_value  # noqa: E402
from bot.telegram.replies import compose  # noqa: E402
from storage import members, orgs  # noqa: E402
from storage.db import make_engine, session_scope, upgrade_database  # noqa: E402
from storage.models import Member  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "hongze-qzf-2024.yaml"
# February 2025: the 2024 report is being prepared.
TODAY = date(2025, 2, 10)
_TAG = re.compile(r"<[^>]+>")


def visible(message_html: str) -> str:
    """What the member reads of a message sent with parse_mode HTML."""
    return html.unescape(_TAG.sub("", message_html))


@dataclass
class Transcript:
    """The conversation as markdown, and the count of what the member received."""

    lines: list[str] = field(default_factory=list)
    messages: int = 0
    characters: int = 0
    turns: int = 0

    def sent(self, what: str) -> None:
        self.lines += ["", f"**» {what}**"]

    def received(self, turn: Turn) -> None:
        self.turns += 1
        for text, markup in compose(turn):
            shown = visible(text)
            self.messages += 1
            self.characters += len(shown)
            self.lines += ["", "```", shown]
            if markup is not None:
                self.lines.append(
                    " ".join(f"[{b.text}]" for row in markup.inline_keyboard for b in row)
                )
            self.lines.append("```")
        if turn.document is not None:
            self.messages += 1
            self.characters += len(turn.document.caption)
            self.lines += ["", f"📄 {turn.document.filename}（{turn.document.caption}）"]


class Member_:
    """Drives the chat service as a member does, recording every turn."""

    def __init__(self, chat: ReportChat, member: Member, transcript: Transcript) -> None:
        self.chat = chat
        self.member = member
        self.transcript = transcript
        self.last: Turn | None = None

    def _record(self, what: str, call: Callable[[], Turn]) -> Turn:
        self.transcript.sent(what)
        turn = call()
        self.transcript.received(turn)
        self.last = turn
        return turn

    def text(self, text: str) -> Turn:
        shown = text if "\n" not in text else text.replace("\t", " ⇥ ").replace("\n", " ⏎ ")
        return self._record(shown, lambda: self.chat.text(self.member, text))

    def tap(self, label: str) -> Turn:
        assert self.last is not None
        for reply in reversed(self.last.replies):
            for row in reply.buttons:
                for button in row:
                    if button.text == label:
                        data = self.last.callback_data(button.action)
                        return self._record(
                            f"[{label}]", partial(self.chat.press, self.member, data)
                        )
        raise LookupError(f"no button {label!r} in the last turn")

    def command(self, name: str, call: Callable[[], Turn]) -> Turn:
        return self._record(f"/{name}", call)


def row_text(form: ReportForm, fields: tuple[str, ...], values: dict[str, Value]) -> str:
    cells = [values.get(f) for f in fields]
    if len(cells) > 1 and all(c == 0 for c in cells):
        return "0"
    return " ".join(format_value(c, form.field(f).type) for c, f in zip(cells, fields, strict=True))


def table_paste(form: ReportForm, section: Section, values: dict[str, Value]) -> str:
    """The table as copied from a spreadsheet: label column, then the cells, tab-separated."""
    lines = []
    for question in section.questions:
        cells = [format_value(values[f], form.field(f).type) for f in question.fields]
        lines.append("\t".join([question.label, *cells]))
    return "\n".join(lines)


def run(*, paste: bool) -> Transcript:
    answers = load_answers(SAMPLE)
    form = answers.form
    values = parse_answers(answers).values
    transcript = Transcript()
    with tempfile.TemporaryDirectory(prefix="nianbao-transcript-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'transcript.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        try:
            with session_scope(engine) as session:
                org = orgs.create_org(session, name=answers.agency, org_type="county_gov")
                _, code = members.create_invite(
                    session, org_id=org.id, role="staff", created_by="transcript"
                )
            chat = ReportChat(engine, today=lambda: TODAY)
            transcript.sent("/start 邀请码")  # the code is random: kept out of the transcript
            joined = chat.join(telegram_user_id=1001, name="王芳", chat_id=1001, code=code)
            transcript.received(joined)
            member = chat.member(1001)
            assert member is not None
            person = Member_(chat, member, transcript)
            person.last = joined
            person.tap("开始填写")
            for section in form.sections:
                if section.layout == "text":
                    text = str(values.get(section.text_field or "") or "")
                    for paragraph in (p for p in text.split("\n") if p.strip()):
                        person.text(paragraph)
                    person.tap("完成")
                elif paste:
                    person.text(table_paste(form, section, values))
                else:
                    for question in section.questions:
                        person.text(row_text(form, question.fields, values))
            person.command("generate", lambda: chat.generate(member))
        finally:
            engine.dispose()
    return transcript


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paste", action="store_true", help="paste each table in one message")
    parser.add_argument("--output", type=Path, help="write the transcript (markdown) here")
    args = parser.parse_args()
    transcript = run(paste=args.paste)
    summary = (
        f"{transcript.turns} 次操作，收到 {transcript.messages} 条消息、"
        f"{transcript.characters} 个字符"
    )
    if args.output:
        args.output.write_text("\n".join([f"# {summary}", *transcript.lines, ""]), "utf-8")
    print(summary)


if __name__ == "__main__":
    main()
