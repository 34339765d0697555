"""The walkthrough over the database: what every front end calls, one event at a time.

Each call opens its own session, reads the member's report and position, runs one event
through the walkthrough and commits the answers together with the new position, in one
transaction. Calls are synchronous; the Telegram front end runs them in a worker thread (see
docs/storage.md). What a call returns is a `Turn` (bot.chat.turn); where the member's report
and position are kept is `bot.chat.member_state`; /generate is `bot.chat.generating`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat import walkthrough
from bot.chat.clock import today_in_settings_zone
from bot.chat.desk_actions import LIST, PAGE, action, parse_year_argument
from bot.chat.documents import PdfConvert, default_pdf_converter
from bot.chat.drafts import NOT_A_TEXT_SECTION, accept_draft, drafts_for
from bot.chat.generating import generate_turn, pdf_after, with_pdf
from bot.chat.help import help_text
from bot.chat.member_state import (
    LOCKED_STATUSES,
    PENDING_RETURN_KEYS,
    SEEN_VERSION,
    active_report,
    current_report,
    load_state,
    position_state,
    position_write,
    reload_report,
    save_position,
    saved_position,
)
from bot.chat.prompts import GENERATE, ask, first_unanswered, start
from bot.chat.state import Button, Reply, ReportState
from bot.chat.turn import OPEN_REPORT, Turn, decode_button, report_turn
from bot.chat.views import jump_buttons, status_text, table_view
from bot.config import get_settings
from bot.core.calendar import report_year_for
from bot.core.narrative.drafting import DraftParagraph
from storage import inbox, members, positions, reports, web_accounts
from storage.db import begin_write, session_scope
from storage.errors import StorageError, VersionConflict
from storage.models import (
    ROLE_LABELS,
    STATUS_LABELS,
    Member,
    Organisation,
    Report,
)

# Actions that act on the question they were shown for; a stale one must not touch another.
RELATIVE_ACTIONS = frozenset("bszZudcpra")
RETURN_CANCELLED = (
    "退回未执行：您已转到填写本单位报告，之前的退回操作已取消。"
    "如仍需退回，请在待审报告中重新点击“退回”。"
)


class ReportChat:
    """The conversation for members, backed by storage."""

    def __init__(
        self,
        engine: Engine,
        *,
        today: Callable[[], date] = today_in_settings_zone,
        pdf: PdfConvert | Literal["settings"] | None = "settings",
    ):
        self.engine = engine
        self.today = today
        # How /generate makes the PDF beside the Word report; None: Word only.
        self.pdf = default_pdf_converter() if pdf == "settings" else pdf
        # A front end on an event loop sets this and calls `pdf_after` on threads of its own
        # once the Word report is sent: a conversion (seconds, up to the timeout) then holds
        # no database worker thread, and the Word report does not wait for it.
        self.defer_pdf = False

    def member(self, telegram_user_id: int) -> Member | None:
        with session_scope(self.engine) as session:
            return members.get_member(session, telegram_user_id=telegram_user_id)

    def join(self, *, telegram_user_id: int, name: str, chat_id: int, code: str) -> Turn:
        with session_scope(self.engine) as session:
            try:
                member = members.redeem_invite(
                    session,
                    code=code,
                    telegram_user_id=telegram_user_id,
                    name=name,
                    chat_id=chat_id,
                )
            except StorageError as exc:
                return Turn((Reply(f"登记未成功：{exc}"),))
            org = session.get(Organisation, member.org_id)
        role = ROLE_LABELS.get(member.role, member.role)
        welcome = f"登记成功！您已作为“{org.name if org else ''}”的{role}加入。"
        return Turn(
            (Reply(f"{welcome}\n\n{help_text(member)}", buttons=self._start_buttons(member)),)
        )

    def greet(self, member: Member, *, again: bool = False) -> Turn:
        """/start from a registered member: who they are here, what they can do."""
        with session_scope(self.engine) as session:
            org = session.get(Organisation, member.org_id)
        role = ROLE_LABELS.get(member.role, member.role)
        first = "您已登记，无需再次使用邀请码。" if again else f"您好，{member.name}！"
        text = f"{first}您是“{org.name if org else ''}”的{role}。\n\n{help_text(member)}"
        return Turn((Reply(text, buttons=self._start_buttons(member)),))

    def _start_buttons(self, member: Member) -> tuple[tuple[Button, ...], ...]:
        """Where a member starts: their report, and for a supervisor the review desk."""
        rows: list[tuple[Button, ...]] = []
        if member.reports or member.role == "admin":
            rows.append((Button("开始填写", OPEN_REPORT),))
        if member.supervises or member.role == "admin":
            year = report_year_for(self.today())
            rows.append(
                (Button("待审报告", action(LIST)), Button("填报总览", action(PAGE, year, 0)))
            )
        return tuple(rows)

    def open(self, member: Member, *, year: int | None = None) -> Turn:
        """/report [year]: the report the member is on (or of `year`), created or resumed
        where they left off; which year it is, and the others open, are said."""
        current = report_year_for(self.today())
        if not member.reports and member.role != "admin":
            text = (
                "您是督导人员，负责审核、汇总所辖单位的报告，不填报本单位报告。"
                "发送 /review 查看待审报告，/overview 查看填报总览。"
            )
            return Turn((Reply(text, buttons=self._start_buttons(member)),))
        if year is not None and year > current:
            return Turn((Reply(f"{year}年度尚未结束，目前可填写{current}年度及以前的报告。"),))
        cancelled = self._cancel_pending_return(member)
        with session_scope(self.engine) as session:
            saved = saved_position(session, member)
            was_on = saved.report_id if saved is not None else None  # the row changes below
            try:
                report = current_report(session, member, today=self.today, year=year, switch=True)
            except StorageError as exc:
                return Turn((Reply(str(exc)),))
            state = load_state(session, member, report)
            resume = first_unanswered(state)
            if was_on != report.id and resume is not None:
                # Back from another year: the place in this one was not kept; go on from its
                # first empty question rather than from the top.
                state = replace(state, position=resume)
            outcome = start(state)
            save_position(session, member, report, outcome.position, active=True)
            others = self._open_years(session, member, report, current)
        replies = (*cancelled, *outcome.replies)
        if others:
            years = "、".join(str(y) for y in sorted({report.year, *others}, reverse=True))
            switch = "、".join(f"“/report {y}”" for y in others)
            note = (
                f"本单位 {years} 年度的报告均可填写，当前为 {report.year} 年度；"
                f"发送{switch}可切换。"
            )
            replies = (Reply(note), *replies)
        if report.status in LOCKED_STATUSES:
            status = STATUS_LABELS[report.status]
            replies = (
                Reply(
                    f"本报告当前状态为「{status}」，只能查看，不能修改；如需修改，请联系审核人员退回。"
                ),
                *replies,
            )
        return report_turn(report, replies, outcome.position)

    def open_command(self, member: Member, args: Sequence[str]) -> Turn:
        """/report [year] as typed: a year chooses which report when more than one is open."""
        try:
            year = parse_year_argument(args)
        except ValueError:
            return Turn((Reply("年度请用四位数字，如“/report 2025”；不写年度时继续当前报告。"),))
        current = report_year_for(self.today())
        fills = member.reports or member.role == "admin"  # a supervisor hears why not below
        if fills and year is not None and year < current - 1 and not self._has_report(member, year):
            # A typo (/report 2021) would leave a stray draft named in every /report after.
            return Turn(
                (
                    Reply(
                        f"本单位没有{year}年度的报告。可填写{current}年度或{current - 1}年度的"
                        "报告；更早年度的报告请联系管理员导入。"
                    ),
                )
            )
        return self.open(member, year=year)

    def _open_years(
        self, session: Session, member: Member, report: Report, current: int
    ) -> list[int]:
        """Other years of the member's organisation still open for writing (a draft or a
        returned report, and the current year's even if not begun)."""
        years = {
            r.year
            for r in reports.list_reports(session, actor=member)
            if r.org_id == report.org_id and r.status not in LOCKED_STATUSES
        }
        if member.reports:
            years.add(current)
        years.discard(report.year)
        return sorted(years, reverse=True)

    def text(
        self, member: Member, text: str, *, update_id: int | None = None, replayed: bool = False
    ) -> Turn:
        """An answer. `update_id`: the Telegram update it came in; `replayed`: handled again
        after a crash (see `_answered_before`)."""
        with session_scope(self.engine) as session:
            begin_write(session)
            return self.answer(session, member, text, update_id, replayed=replayed)

    def sender(self, session: Session, telegram_user_id: int) -> Member | None:
        """The member behind a message, read with their saved position (one statement: every
        message needs both; `ReviewDesk.receive_text` calls it in its write transaction)."""
        found = members.get_member_and_position(session, telegram_user_id=telegram_user_id)
        if found is None:
            return None
        member, session.info["position"] = found
        return member

    def answer(
        self,
        session: Session,
        member: Member,
        text: str,
        update_id: int | None,
        *,
        replayed: bool = False,
    ) -> Turn:
        """`text` in the caller's write transaction (`begin_write`): every answer writes
        (answers, or at least the position), so reading under the report's lock spares a
        second transaction."""
        answered = self._answered_before(session, update_id, replayed)
        if answered is not None:
            return answered
        report = active_report(session, member)
        if report is None:
            return Turn((Reply("发送 /report 开始或继续填写年度报告，/help 查看说明。"),))
        state = load_state(session, member, report)
        return self._run(session, member, report, state, walkthrough.handle_text, text, update_id)

    def _answered_before(
        self, session: Session, update_id: int | None, replayed: bool
    ) -> Turn | None:
        """An update replayed from the Telegram inbox after a crash, whose answer was
        committed already: the reply committed with it, so that it is answered again but not
        applied twice (storage.inbox). Only a replayed update can have one: a fresh one is
        not looked up."""
        if update_id is None or not replayed:
            return None
        answered = inbox.answered_turn(session, update_id=update_id)
        return None if answered is None else Turn.from_json(answered)

    def _has_report(self, member: Member, year: int) -> bool:
        with session_scope(self.engine) as session:
            found = reports.list_reports(session, actor=member, year=year)
            return any(r.org_id == member.org_id for r in found)

    def _cancel_pending_return(self, member: Member) -> tuple[Reply, ...]:
        """Filling in the report (a member holding both roles) cancels a return awaiting its
        comment, so that the next text is an answer and never becomes the comment."""
        with session_scope(self.engine) as session:
            position = saved_position(session, member)
            if position is None or not any(k in position.state for k in PENDING_RETURN_KEYS):
                return ()
            positions.update_state(session, member_id=member.id, drop=PENDING_RETURN_KEYS)
        return (Reply(RETURN_CANCELLED),)

    def press(
        self, member: Member, data: str, *, update_id: int | None = None, replayed: bool = False
    ) -> Turn:
        """A button press; stale or foreign buttons get a notice and the current prompt."""
        decoded = decode_button(data)
        if decoded is not None and decoded[2] == OPEN_REPORT:
            return self.open(member)
        cancelled = self._cancel_pending_return(member) if decoded is not None else ()
        turn = self._press(member, decoded, update_id=update_id, replayed=replayed)
        if cancelled:
            turn = replace(turn, replies=(*cancelled, *turn.replies))
        return turn if self.defer_pdf else self.with_pdf(turn)

    def _press(
        self,
        member: Member,
        decoded: tuple[int, int, str] | None,
        *,
        update_id: int | None,
        replayed: bool,
    ) -> Turn:
        with session_scope(self.engine) as session:
            answered = self._answered_before(session, update_id, replayed)
            if answered is not None:
                return answered
            report = active_report(session, member, wake=True)
            if decoded is None or report is None or decoded[0] != report.id:
                if report is None:
                    return Turn((), notice="该按钮已失效，请发送 /report 继续填写。")
                state = load_state(session, member, report)
                return _prompt_again(report, state, "该按钮已失效，已显示当前问题。")
            _, question, action = decoded
            state = load_state(session, member, report)
            if action in RELATIVE_ACTIONS and question != state.position.question:
                return _prompt_again(report, state, "该按钮已过期，已显示当前问题。")
            if action == GENERATE:
                return generate_turn(session, member, report, state)
            # The answer, its position and its reply in the inbox commit together.
            begin_write(session)
            try:
                return self._run(
                    session, member, report, state, walkthrough.handle_action, action, update_id
                )
            except walkthrough.UnknownAction:
                return _prompt_again(report, state, "无法识别该按钮，已显示当前问题。")

    def status(self, member: Member) -> Turn:
        with session_scope(self.engine) as session:
            report = current_report(session, member, today=self.today)
            state = load_state(session, member, report)
            findings = state.findings()
            text = status_text(state, findings)
            status = STATUS_LABELS.get(report.status, report.status)
            text = f"{text}\n报告状态：{status}"
            buttons = tuple(jump_buttons(state, [f for f in findings if f.severity == "error"]))
            return report_turn(report, (Reply(text, buttons=buttons),), state.position)

    def drafts(self, member: Member) -> list[DraftParagraph]:
        """The paragraphs drafted from the tables of the member's current report, for a front
        end that shows them beside the text sections (each names its text field)."""
        with session_scope(self.engine) as session:
            report = current_report(session, member, today=self.today)
            state = load_state(session, member, report)
            return [d for f in state.form.text_fields for d in drafts_for(state, f)]

    def insert_draft(self, member: Member, field_id: str) -> Turn:
        """Accept the drafted paragraphs of one text section: they replace the ones drafted
        before, or are added at the end; saved like an answer."""
        with session_scope(self.engine) as session:
            report = current_report(session, member, today=self.today)
            state = load_state(session, member, report)
            if field_id not in state.form.text_fields:
                return report_turn(report, (), state.position, NOT_A_TEXT_SECTION)
            return self._run(session, member, report, state, accept_draft, field_id)

    def preview(self, member: Member) -> Turn:
        with session_scope(self.engine) as session:
            report = current_report(session, member, today=self.today)
            state = load_state(session, member, report)
            replies = tuple(
                Reply(
                    f"{section.table}（{section.title}）",
                    pre=table_view(state.form, section, state.values),
                )
                for section in state.form.sections
                if section.layout != "text"
            )
            return report_turn(report, replies, state.position)

    def generate(self, member: Member) -> Turn:
        with session_scope(self.engine) as session:
            report = current_report(session, member, today=self.today)
            state = load_state(session, member, report)
            turn = generate_turn(session, member, report, state)
        return turn if self.defer_pdf else self.with_pdf(turn)

    def cancel(self, member: Member) -> Turn:
        with session_scope(self.engine) as session:
            position = saved_position(session, member)
            if position is not None and position.report_id is not None:
                positions.update_state(session, member_id=member.id, changes={"active": False})
        return Turn((Reply("已暂停填写，已填写的内容均已保存。发送 /report 可随时从原处继续。"),))

    def web_link(self, member: Member) -> Turn:
        """/web: a one-time link that signs the member in on the web front end."""
        base = get_settings().web_url
        if not base:
            return Turn((Reply("本单位尚未开通网页版，请联系管理员。"),))
        assert member.id is not None
        with session_scope(self.engine) as session:
            token = web_accounts.create_login_link(session, member_id=member.id)
        link = f"{base.rstrip('/')}/link/{token}"
        minutes = int(web_accounts.LINK_TTL.total_seconds() // 60)
        return Turn(
            (
                Reply(
                    f"网页版登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{link}\n"
                    "登录后可在“账号”页设置登录名和密码，以后直接登录。"
                ),
            )
        )

    def with_pdf(self, turn: Turn) -> Turn:
        """The turn's Word report with its PDF beside it, made once the database session has
        closed: no transaction (nor, on SQLite, the one worker thread's next write) waits for
        LibreOffice."""
        return with_pdf(turn, self.pdf)

    def pdf_after(self, turn: Turn) -> Turn | None:
        """The PDF of a turn's Word report as a turn of its own, to follow the Word report
        (see `with_pdf`)."""
        return pdf_after(turn, self.pdf)

    def _run(
        self,
        session: Session,
        member: Member,
        report: Report,
        state: ReportState,
        handler: Callable[[ReportState, str], Any],
        event: str,
        update_id: int | None = None,
    ) -> Turn:
        """One event in the caller's write transaction; the reply to an update from the
        Telegram inbox commits with its answer (see `_answered_before`)."""
        saved = position_state(session, member)
        outcome = handler(state, event)
        turn = report_turn(report, outcome.replies, outcome.position)
        if update_id is not None:
            inbox.stage_turn(session, update_id=update_id, turn=turn.to_json())
        extra: dict[str, Any] = {"active": True}
        if not outcome.changes:
            extra[SEEN_VERSION] = report.version  # this call's prompt shows that version
            save_position(session, member, report, outcome.position, **extra)
            return turn
        try:
            reports.save_answers(
                session,
                actor=member,
                report_id=report.id,
                values=dict(outcome.changes),
                raw=dict(outcome.raw) or None,
                expected_version=saved.get(SEEN_VERSION, report.version),
                position=position_write(member, report, outcome.position, saved, extra),
            )
        except VersionConflict as exc:
            report = reload_report(session, member, report)
            fresh = load_state(session, member, report)
            save_position(session, member, report, fresh.position, **{SEEN_VERSION: report.version})
            return report_turn(report, (Reply(str(exc)), ask(fresh)), fresh.position)
        except StorageError as exc:
            return report_turn(report, (Reply(str(exc)),), state.position)
        session.info.pop("position", None)
        return turn

    # The review desk reads the member's place and report through the chat (one session).
    saved_position = staticmethod(saved_position)
    load_state = staticmethod(load_state)


def _prompt_again(report: Report, state: ReportState, notice: str) -> Turn:
    """The current question shown again, with a notice saying why the button did nothing."""
    return report_turn(report, (ask(state),), state.position, notice)
