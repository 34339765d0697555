"""Submission and review, free of any front end.

Staff submit their organisation's report once no error remains; the supervisors nearest above
the organisation are told and get the Word document; a supervisor approves, or returns it with
a comment that goes to the organisation's staff. Supervisors also look over every organisation
in their scope (`overview`) and roll up the approved reports below them (`summary`).

`ReviewDesk` is the one door the front ends use. It works like `ReportChat`: each call opens
its own session and returns a `DeskResult`, the turn for the member who acted plus
`Notification`s for other members, which the front end delivers. The work is done by its
parts: `Submission` (bot/chat/submission.py), `ReviewDecisions` (bot/chat/review_decisions.py),
`Overview` and `ScopeAnalysis` (the supervisor's queries). Buttons (bot/chat/desk_actions.py)
name the report they act on and the version the member was shown, and every press is checked
against the database and the member's scope as it is now, so a stale or forged button can
neither show nor change another organisation's report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat.clock import today_in_settings_zone
from bot.chat.desk_actions import (
    APPROVE,
    CANCEL_RETURN,
    KEEP,
    LIST,
    OPEN,
    RECEIVED,
    RETURN,
    SUBMIT,
    parse_action,
)
from bot.chat.desk_results import STALE, DeskResult, Refusal, said
from bot.chat.desk_views import PAGE_SIZE, overview_turn
from bot.chat.documents import Document
from bot.chat.overview import OrgLine, Overview, OverviewPage, Selection
from bot.chat.review_decisions import MAX_COMMENT_CHARS, ReviewDecisions
from bot.chat.scope_analysis import MAX_CHANGES, CellChange, FigureRow, ScopeAnalysis
from bot.chat.service import ReportChat
from bot.chat.state import Reply
from bot.chat.submission import Submission
from bot.chat.turn import Turn
from bot.core.calendar import report_year_for
from bot.core.checks import Finding
from bot.core.copied import CopiedSection
from bot.core.rollup import Rollup, RollupError, summary_text
from storage import access, inbox, reports
from storage.db import begin_write, session_scope, write_transaction
from storage.errors import StorageError
from storage.models import Member
from storage.overview import EventRow, can_review, report_events

UNRECOGNISED = "无法识别该按钮，请重新发送相应命令（如 /review、/submit）。"


class ReviewDesk:
    """Submission, review, overview and roll-up over the database."""

    def __init__(self, engine: Engine, *, today: Callable[[], date] = today_in_settings_zone):
        self.engine = engine
        self.today = today
        self._chat = ReportChat(engine, today=today)
        self._overview = Overview(engine, today)
        self._submission = Submission(self._chat, today)
        self._decisions = ReviewDecisions(self._chat)
        self._analysis = ScopeAnalysis(engine)

    # Staff -------------------------------------------------------------------------------

    def submit(self, member: Member) -> DeskResult:
        """/submit: check the member's current report and ask to confirm the submission."""
        with session_scope(self.engine) as session:
            try:
                return self._submission.start(session, access.current(session, member))
            except StorageError as exc:
                return said(str(exc))

    # Supervisors ---------------------------------------------------------------------------

    def review(self, member: Member) -> DeskResult:
        """/review: the submitted reports the member may review."""
        with session_scope(self.engine) as session:
            try:
                return self._decisions.waiting_list(session, member)
            except StorageError as exc:
                return said(str(exc))

    def overview(self, member: Member, *, year: int | None = None, page: int = 0) -> DeskResult:
        """/overview: every organisation in scope, most urgent first, a page at a time."""
        year = year or report_year_for(self.today())
        page = max(page, 0)
        try:
            found = self.overview_page(
                member, year=year, selection=Selection(offset=page * PAGE_SIZE, limit=PAGE_SIZE)
            )
            if not found.lines and found.totals.scope:  # past the last page: show the last
                page = (found.totals.scope - 1) // PAGE_SIZE
                found = self.overview_page(
                    member,
                    year=year,
                    selection=Selection(offset=page * PAGE_SIZE, limit=PAGE_SIZE),
                )
        except StorageError as exc:
            return said(str(exc))
        return DeskResult(overview_turn(found, year, page))

    def overview_page(self, member: Member, *, year: int, selection: Selection) -> OverviewPage:
        """The organisations in scope `selection` asks for, with the scope's name and totals
        (raises `StorageError` for staff or a year without a format)."""
        return self._overview.page(member, year=year, selection=selection)

    def overview_stream(
        self, member: Member, *, year: int, selection: Selection
    ) -> tuple[str, Iterator[OrgLine]]:
        """The scope's name and every organisation the filters keep, read as consumed."""
        return self._overview.stream(member, year=year, selection=selection)

    # Decisions taken on a page (the web): the same checks and notifications as the buttons.

    def submit_report(self, member: Member, report_id: int, version: int) -> DeskResult:
        """Submit the report at the version the member was shown."""
        return self._decide(member, lambda s, a: self._submission.confirm(s, a, report_id, version))

    def approve(self, member: Member, report_id: int, version: int) -> DeskResult:
        return self._decide(member, lambda s, a: self._decisions.approve(s, a, report_id, version))

    def return_report(
        self, member: Member, report_id: int, version: int, comment: str
    ) -> DeskResult:
        """Return the report with `comment`, which goes to its staff as typed."""
        comment = comment.strip()
        if not comment:
            return said("请填写退回意见，说明需要修改的内容。")
        if len(comment) > MAX_COMMENT_CHARS:
            return said(
                f"退回意见共 {len(comment)} 字，请精简到 {MAX_COMMENT_CHARS} 字以内后重新提交。"
            )

        def send_back(session: Session, actor: Member) -> DeskResult:
            report = self._decisions.for_review(session, actor, report_id)
            if report.version != version:
                return said("报告内容已有变更，退回未执行，请重新审核。")
            return self._decisions.send_back(session, actor, report, comment)

        return self._decide(member, send_back)

    def review_record(self, member: Member, report_id: int) -> tuple[list[EventRow], bool]:
        """A readable report's status changes (oldest first) and whether `member` may
        approve or return it now."""
        with session_scope(self.engine) as session:
            actor = access.current(session, member)
            events = report_events(session, actor=actor, report_id=report_id)
            report = reports.get_report(session, actor=actor, report_id=report_id)
            return events, report.status == "submitted" and can_review(session, actor, report)

    def _decide(self, member: Member, step: Callable[[Session, Member], DeskResult]) -> DeskResult:
        with session_scope(self.engine) as session:
            try:
                return step(session, access.current(session, member))
            except Refusal as refusal:
                return said(str(refusal), notice=STALE)
            except StorageError as exc:
                return said(str(exc), notice=str(exc)[:200])

    def summary(self, member: Member, *, year: int | None = None) -> DeskResult:
        """/summary: the approved reports below the member's organisation, summed."""
        year = year or report_year_for(self.today())
        try:
            rollup = self.rollup(member, year=year)
        except (StorageError, RollupError) as exc:
            return said(str(exc))
        document = Document(
            rollup.filename,
            rollup.render(),
            f"{rollup.agency}{year}年度报告汇总表（文字部分待撰写）",
        )
        return DeskResult(Turn((Reply(summary_text(rollup)),), document=document))

    # The supervisor's queries (bot/chat/scope_analysis.py) -----------------------------------

    def cell_changes(
        self, member: Member, report_id: int, *, limit: int = MAX_CHANGES
    ) -> list[CellChange]:
        """Who changed which cell of a readable report, and when: the newest `limit`."""
        return self._analysis.cell_changes(member, report_id, limit=limit)

    def figures(self, member: Member, *, year: int) -> list[FigureRow]:
        """Every report begun in the member's scope with its figures and last year's."""
        return self._analysis.figures(member, year=year)

    def copied_text(self, member: Member, *, year: int) -> list[CopiedSection]:
        """Narrative sections of the scope's reports for `year` that repeat another unit's."""
        return self._analysis.copied_text(member, year=year)

    def applications_by_year(
        self, member: Member, *, year: int, years: int = 5
    ) -> list[tuple[int, int, int]]:
        """(year, applications newly received, reports) for the `years` up to `year`."""
        return self._analysis.applications_by_year(member, year=year, years=years)

    def parent_check(self, member: Member, *, year: int) -> list[Finding] | None:
        """The member's own report checked against the sum of the approved ones below."""
        return self._analysis.parent_check(member, year=year)

    def rollup(self, member: Member, *, year: int) -> Rollup:
        """The approved reports below the member's organisation, summed (raises
        `StorageError` for staff, `RollupError` if nothing can be summed)."""
        return self._analysis.rollup(member, year=year)

    # Buttons and the return comment --------------------------------------------------------

    def press(self, member: Member, data: str) -> DeskResult:
        """A desk button; stale, foreign or forged ones are refused with a notice."""
        parsed = parse_action(data)
        if parsed is None:
            return said(UNRECOGNISED, notice=STALE)
        code, args = parsed
        with session_scope(self.engine) as session:
            try:
                actor = access.current(session, member)
                if code == SUBMIT:
                    return self._submission.confirm(session, actor, *args)
                if code == KEEP:
                    return said("好的，暂不提交。报告仍可继续修改，准备好后发送 /submit 提交。")
                if code == OPEN:
                    report = self._decisions.for_review(session, actor, args[0])
                    return self._decisions.view(session, actor, report)
                if code == RECEIVED:
                    # The notice carried this version's document: not sent again unless changed.
                    report = self._decisions.for_review(session, actor, args[0])
                    resend = report.version != args[1]
                    return self._decisions.view(session, actor, report, send_document=resend)
                if code == APPROVE:
                    return self._decisions.approve(session, actor, *args)
                if code == RETURN:
                    return self._decisions.ask_comment(session, actor, *args)
                if code == CANCEL_RETURN:
                    self._decisions.set_pending(session, actor, None)
                    return said("已取消退回，报告仍在待审核状态。")
                if code == LIST:
                    return self._decisions.waiting_list(session, actor)
                year, page = args
                return self.overview(actor, year=year, page=page)
            except Refusal as refusal:
                return said(str(refusal), notice=STALE)
            except StorageError as exc:
                return said(str(exc), notice=str(exc)[:200])

    def pending_comment(self, member: Member) -> int | None:
        """The report the member is about to return (their next text is the comment)."""
        with session_scope(self.engine) as session:
            return self._decisions.pending(session, member)[0]

    def receive_text(
        self,
        telegram_user_id: int,
        text: str,
        *,
        update_id: int | None = None,
        replayed: bool = False,
    ) -> DeskResult | None:
        """A member's text message: the return comment they were asked for, if one is
        pending, else an answer in the walkthrough; None: not a member."""
        with session_scope(self.engine) as session:
            begin_write(session)  # an answer reads and writes in one transaction
            member = self._chat.sender(session, telegram_user_id)
            if member is None:
                return None
            report_id, version = self._decisions.pending(session, member)
            if report_id is None:
                answer = self._chat.answer(session, member, text, update_id, replayed=replayed)
                return DeskResult(answer)
            # The return takes transactions of its own, as a button press does.
            session.commit()
            result = self._decisions.comment_received(session, member, report_id, version, text)
            if update_id is not None:
                # Replayed after a crash, the comment is answered from here (the pending
                # return is gone: it would otherwise be taken as an answer).
                with write_transaction(session):
                    inbox.stage_turn(session, update_id=update_id, turn=result.turn.to_json())
            return result
