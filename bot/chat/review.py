"""Submission and review, free of any front end.

Staff submit their organisation's report once no error remains; the supervisors nearest above
the organisation are told and get the Word document; a supervisor approves, or returns it with
a comment that goes to the organisation's staff. Supervisors also look over every organisation
in their scope (`overview`) and roll up the approved reports below them (`summary`).

`ReviewDesk` works like `ReportChat`: each call opens its own session and returns a
`DeskResult`, the turn for the member who acted plus `Notification`s for other members, which
the front end delivers. Buttons carry actions beginning with "V" (the walkthrough uses none);
each names the report it acts on (and the version the member was shown), and every press is
checked against the database and the member's scope as it is now, so a stale or forged button
can neither show nor change another organisation's report.

A supervisor's pending return comment lives in their chat position (`PENDING_KEY`), so it
survives a restart: the next text message is the comment, unless the member (holding both
roles) turns to their own report first, which cancels it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.chat.clock import today_in_settings_zone
from bot.chat.documents import Document, document_filename
from bot.chat.member_state import PENDING_RETURN_KEYS
from bot.chat.overview import (
    STATUS_FILTERS,
    OrgLine,
    Overview,
    OverviewPage,
    Selection,
)
from bot.chat.service import ReportChat
from bot.chat.state import Button, Reply, ReportState
from bot.chat.turn import OPEN_REPORT, Turn
from bot.chat.views import blocked_reply, findings_text, progress
from bot.config import get_settings
from bot.core.calendar import report_year_for
from bot.core.checks import Finding, has_errors
from bot.core.copied import CopiedSection, copied_sections
from bot.core.draft_marks import draft_options
from bot.core.figures import Figures, figures_of
from bot.core.form import load_form
from bot.core.render import render_report
from bot.core.rollup import Rollup, RollupError, sum_values, summary_text
from bot.core.rollup_check import differences
from storage import access, audit, clock, inbox, positions, reports
from storage.db import begin_write, session_scope, write_transaction
from storage.errors import NotFound, PermissionDenied, StorageError
from storage.models import STATUS_LABELS, Member, Report
from storage.orgs import get_org
from storage.overview import (
    EventRow,
    build_rollup,
    can_review,
    report_events,
    require_reviewer,
    reviewers_for,
    rollup_input,
    scope_reports,
    staff_of,
    submitted_for_review,
)

logger = logging.getLogger(__name__)

# Button actions: a letter after "V", then numbers separated by dots.
SUBMIT = "s"  # Vs<report>.<version>: confirm submission
KEEP = "n"  # Vn: not now
OPEN = "o"  # Vo<report>: show a submitted report for review
RECEIVED = "r"  # Vr<report>.<version>: review what the submission notice already delivered
APPROVE = "a"  # Va<report>.<version>
RETURN = "t"  # Vt<report>.<version>: ask for the return comment
CANCEL_RETURN = "q"  # Vq
LIST = "l"  # Vl: the reports awaiting review
PAGE = "p"  # Vp<year>.<page>: a page of the overview
_ARITY = {
    SUBMIT: 2,
    KEEP: 0,
    OPEN: 1,
    RECEIVED: 2,
    APPROVE: 2,
    RETURN: 2,
    CANCEL_RETURN: 0,
    LIST: 0,
    PAGE: 2,
}
_ACTION = re.compile(r"^V([a-z])(\d{1,12}(?:\.\d{1,12})*)?$")

# Callback data of the desk's buttons (`encode_button(report, question, action)`).
CALLBACK_PATTERN = r"^\d+:\d+:V[a-z]"

PENDING_KEY, PENDING_VERSION_KEY = PENDING_RETURN_KEYS

PAGE_SIZE = 10
MAX_LISTED = 30
MAX_COMMENT_CHARS = 1000

UNAVAILABLE = "该报告不存在或您无权查看。"
STALE = "该按钮已失效。"
UNRECOGNISED = "无法识别该按钮，请重新发送相应命令（如 /review、/submit）。"
CHANGED = "报告内容已有变更，已显示最新内容，请重新审核。"


def action(code: str, *numbers: int) -> str:
    return "V" + code + ".".join(str(n) for n in numbers)


def parse_action(data: str) -> tuple[str, tuple[int, ...]] | None:
    """The desk's action in callback data ("report:question:V…"), or None if not one."""
    parts = data.split(":", 2)
    if len(parts) != 3:
        return None
    match = _ACTION.match(parts[2])
    if match is None:
        return None
    code, numbers = match.group(1), match.group(2)
    args = tuple(int(n) for n in numbers.split(".")) if numbers else ()
    if _ARITY.get(code) != len(args):
        return None
    return code, args


def parse_year_argument(args: Sequence[str]) -> int | None:
    """`/overview 2025`: the year given, None if none; ValueError if it is not a year."""
    if not args:
        return None
    text = args[0].strip().removesuffix("年度").removesuffix("年")
    if len(args) > 1 or not text.isdigit() or len(text) != 4:
        raise ValueError(args[0])
    return int(text)


@dataclass(frozen=True)
class Notification:
    """A turn for another member's private chat."""

    chat_id: int
    turn: Turn
    member_id: int | None = None


@dataclass(frozen=True)
class DeskResult:
    turn: Turn
    notifications: tuple[Notification, ...] = ()


class _Refusal(Exception):
    """A button the member may not use (any more); `str(exc)` says why, in Chinese."""


def _said(text: str, notice: str | None = None, buttons: tuple = ()) -> DeskResult:
    return DeskResult(Turn((Reply(text, buttons=buttons),), notice=notice))


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def _title(report: Report) -> str:
    return f"{report.agency}{report.year}年度报告"


def _names(people: Iterable[Member]) -> str:
    return "、".join(p.name for p in people)


def _notify(people: Iterable[Member], turn: Turn) -> list[Notification]:
    return [Notification(p.chat_id, turn, p.id) for p in people if p.chat_id is not None]


def _audit(session: Session, actor: Member, action_name: str, **detail: object) -> None:
    """Administrators' actions through the bot go to the audit log like CLI actions do."""
    if actor.role == "admin":
        audit.record(
            session,
            actor=f"telegram:{actor.telegram_user_id}",
            action=action_name,
            detail={"member_id": actor.id, **detail},
        )
        session.commit()


MAX_CHANGES = 200


@dataclass(frozen=True)
class FigureRow:
    name: str
    status: str
    figures: Figures
    previous: Figures | None  # last year's report's, if in the database


@dataclass(frozen=True)
class CellChange:
    """One change of one cell, as the review page lists it."""

    at: datetime
    who: str
    cell: str
    old: str
    new: str


def _shown_value(value: object) -> str:
    if value is None:
        return "（空）"
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


class ReviewDesk:
    """Submission, review, overview and roll-up over the database."""

    def __init__(self, engine: Engine, *, today: Callable[[], date] = today_in_settings_zone):
        self.engine = engine
        self.today = today
        self._chat = ReportChat(engine, today=today)
        self._overview = Overview(engine, today)

    # Staff -------------------------------------------------------------------------------

    def submit(self, member: Member) -> DeskResult:
        """/submit: check the member's current report and ask to confirm the submission."""
        with session_scope(self.engine) as session:
            try:
                actor = access.current(session, member)
                if actor.role != "admin" and not actor.reports:
                    return _said(
                        "督导人员负责审核下级单位的报告，不能提交报告；"
                        "本单位的报告由本单位填报人员提交。"
                    )
                report = self._own_report(session, actor)
                if report is None:
                    year = report_year_for(self.today())
                    return _said(f"本单位尚未开始填写{year}年度报告，请发送 /report 开始填写。")
                return self._submit_view(session, actor, report)
            except StorageError as exc:
                return _said(str(exc))

    # Supervisors ---------------------------------------------------------------------------

    def review(self, member: Member) -> DeskResult:
        """/review: the submitted reports the member may review."""
        with session_scope(self.engine) as session:
            try:
                return self._review_list(session, member)
            except StorageError as exc:
                return _said(str(exc))

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
            return _said(str(exc))
        return DeskResult(_overview_turn(found, year, page))

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
        return self._decide(member, lambda s, a: self._confirm_submit(s, a, report_id, version))

    def approve(self, member: Member, report_id: int, version: int) -> DeskResult:
        return self._decide(member, lambda s, a: self._approve(s, a, report_id, version))

    def return_report(
        self, member: Member, report_id: int, version: int, comment: str
    ) -> DeskResult:
        """Return the report with `comment`, which goes to its staff as typed."""
        comment = comment.strip()
        if not comment:
            return _said("请填写退回意见，说明需要修改的内容。")
        if len(comment) > MAX_COMMENT_CHARS:
            return _said(
                f"退回意见共 {len(comment)} 字，请精简到 {MAX_COMMENT_CHARS} 字以内后重新提交。"
            )

        def send_back(session: Session, actor: Member) -> DeskResult:
            report = self._for_review(session, actor, report_id)
            if report.version != version:
                return _said("报告内容已有变更，退回未执行，请重新审核。")
            return self._return(session, actor, report, comment)

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
            except _Refusal as refusal:
                return _said(str(refusal), notice=STALE)
            except StorageError as exc:
                return _said(str(exc), notice=str(exc)[:200])

    def summary(self, member: Member, *, year: int | None = None) -> DeskResult:
        """/summary: the approved reports below the member's organisation, summed."""
        year = year or report_year_for(self.today())
        try:
            rollup = self.rollup(member, year=year)
        except (StorageError, RollupError) as exc:
            return _said(str(exc))
        document = Document(
            rollup.filename,
            rollup.render(),
            f"{rollup.agency}{year}年度报告汇总表（文字部分待撰写）",
        )
        return DeskResult(Turn((Reply(summary_text(rollup)),), document=document))

    def cell_changes(
        self, member: Member, report_id: int, *, limit: int = MAX_CHANGES
    ) -> list[CellChange]:
        """Who changed which cell of a readable report, and when: the newest `limit`."""
        with session_scope(self.engine) as session:
            actor = access.current(session, member)
            report = reports.get_report(session, actor=actor, report_id=report_id)
            rows = reports.answer_history(session, actor=actor, report_id=report_id)[-limit:]
            ids = {row.member_id for row in rows if row.member_id is not None}
            names = dict(
                session.exec(
                    select(Member.id, Member.name).where(Member.id.in_(ids))  # type: ignore[union-attr]
                ).all()
            )
        form = load_form(report.kind)
        return [
            CellChange(
                at=row.changed_at,
                who=names.get(row.member_id, "管理员（导入）"),
                cell=form.field(row.field_id).label
                if row.field_id in form.fields
                else row.field_id,
                old=_shown_value(row.old_value),
                new=_shown_value(row.new_value),
            )
            for row in reversed(rows)
        ]

    def figures(self, member: Member, *, year: int) -> list[FigureRow]:
        """Every report begun in the member's scope: its organisation, status, figures
        (实质公开率, 其他处理 share, 纠错率, applications) and last year's, in the overview's
        order of organisations."""
        with session_scope(self.engine) as session:
            rows = scope_reports(session, actor=access.current(session, member), year=year)
        return [
            FigureRow(
                row.org.name,
                row.report.status,
                figures_of(load_form(row.report.kind), row.values),
                figures_of(load_form(row.previous_kind), row.previous)
                if row.previous is not None and row.previous_kind is not None
                else None,
            )
            for row in rows
            if row.report is not None
        ]

    def copied_text(self, member: Member, *, year: int) -> list[CopiedSection]:
        """Narrative sections of the scope's reports for `year` that repeat another unit's."""
        with session_scope(self.engine) as session:
            rows = scope_reports(session, actor=access.current(session, member), year=year)
        by_kind: dict[str, list[tuple[str, dict]]] = {}
        for row in rows:
            if row.report is not None:
                by_kind.setdefault(row.report.kind, []).append((row.org.name, row.values))
        found = [
            c for kind, units in by_kind.items() for c in copied_sections(load_form(kind), units)
        ]
        return sorted(found, key=lambda c: -c.shared_chars)

    def applications_by_year(
        self, member: Member, *, year: int, years: int = 5
    ) -> list[tuple[int, int, int]]:
        """For each of the `years` up to `year` that has a national format: the year, the
        applications newly received across the scope's reports, and how many reports."""
        found = []
        for each in range(year - years + 1, year + 1):
            try:
                rows = self.figures(member, year=each)
            except StorageError:
                continue  # no format for that year (before 2019)
            found.append((each, sum(r.figures.applications for r in rows), len(rows)))
        return found

    def parent_check(self, member: Member, *, year: int) -> list[Finding] | None:
        """The member's organisation's own report, if begun and of the roll-up's format,
        checked cell by cell against the sum of the approved reports below (None: nothing
        to compare)."""
        with session_scope(self.engine) as session:
            actor = require_reviewer(session, member, "汇总")
            data = rollup_input(session, org_id=actor.org_id, year=year, actor=actor)
            if data.own is None or data.own.id is None:
                return None
            parent = reports.report_values(session, actor=actor, report_id=data.own.id)
        sources = [(row.org.name, row.values) for row in data.approved]
        kinds = {row.report.kind for row in data.approved if row.report is not None}
        if not sources or kinds != {data.own.kind}:
            return None
        form = load_form(data.own.kind)
        summed = sum_values(form, [values for _, values in sources])
        return differences(form, parent, summed, sources)

    def rollup(self, member: Member, *, year: int) -> Rollup:
        """The approved reports below the member's organisation, summed (raises
        `StorageError` for staff, `RollupError` if nothing can be summed)."""
        with session_scope(self.engine) as session:
            actor = require_reviewer(session, member, "汇总")
            rollup = build_rollup(session, org_id=actor.org_id, year=year, actor=actor)
            _audit(session, actor, "report.summary", org_id=actor.org_id, year=year)
        return rollup

    # Buttons and the return comment --------------------------------------------------------

    def press(self, member: Member, data: str) -> DeskResult:
        """A desk button; stale, foreign or forged ones are refused with a notice."""
        parsed = parse_action(data)
        if parsed is None:
            return _said(UNRECOGNISED, notice=STALE)
        code, args = parsed
        with session_scope(self.engine) as session:
            try:
                actor = access.current(session, member)
                if code == SUBMIT:
                    return self._confirm_submit(session, actor, *args)
                if code == KEEP:
                    return _said("好的，暂不提交。报告仍可继续修改，准备好后发送 /submit 提交。")
                if code == OPEN:
                    report = self._for_review(session, actor, args[0])
                    return self._review_view(session, actor, report)
                if code == RECEIVED:
                    # The notice carried this version's document: not sent again unless changed.
                    report = self._for_review(session, actor, args[0])
                    resend = report.version != args[1]
                    return self._review_view(session, actor, report, send_document=resend)
                if code == APPROVE:
                    return self._approve(session, actor, *args)
                if code == RETURN:
                    return self._ask_comment(session, actor, *args)
                if code == CANCEL_RETURN:
                    self._set_pending(session, actor, None)
                    return _said("已取消退回，报告仍在待审核状态。")
                if code == LIST:
                    return self._review_list(session, actor)
                year, page = args
                return self.overview(actor, year=year, page=page)
            except _Refusal as refusal:
                return _said(str(refusal), notice=STALE)
            except StorageError as exc:
                return _said(str(exc), notice=str(exc)[:200])

    def pending_comment(self, member: Member) -> int | None:
        """The report the member is about to return (their next text is the comment)."""
        with session_scope(self.engine) as session:
            return self._pending(session, member)[0]

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
            report_id, version = self._pending(session, member)
            if report_id is None:
                answer = self._chat.answer(session, member, text, update_id, replayed=replayed)
                return DeskResult(answer)
            # The return takes transactions of its own, as a button press does.
            session.commit()
            result = self._comment_received(session, member, report_id, version, text)
            if update_id is not None:
                # Replayed after a crash, the comment is answered from here (the pending
                # return is gone: it would otherwise be taken as an answer).
                with write_transaction(session):
                    inbox.stage_turn(session, update_id=update_id, turn=result.turn.to_json())
            return result

    def _comment_received(
        self, session: Session, member: Member, report_id: int, version: int | None, text: str
    ) -> DeskResult:
        """The return comment a reviewer was asked for: the report is returned with it."""
        comment = text.strip()
        if not comment:
            return _said("请发送退回意见（文字）。")
        if len(comment) > MAX_COMMENT_CHARS:
            return _said(
                f"退回意见共 {len(comment)} 字，请精简到 {MAX_COMMENT_CHARS} 字以内后重新发送。",
                buttons=((Button("取消退回", action(CANCEL_RETURN)),),),
            )
        try:
            actor = access.current(session, member)
            self._set_pending(session, actor, None)
            report = self._for_review(session, actor, report_id)
            if report.version != version:
                return self._review_view(
                    session, actor, report, heading="报告内容已有变更，退回未执行，请重新审核。"
                )
            return self._return(session, actor, report, comment)
        except _Refusal as refusal:
            return _said(f"退回未执行：{refusal}")
        except StorageError as exc:
            return _said(f"退回未执行：{exc}")

    # Submission ----------------------------------------------------------------------------

    def _own_report(self, session: Session, actor: Member) -> Report | None:
        """The report the member is working on: the walkthrough's, else this year's."""
        position = positions.get_position(session, member_id=actor.id)
        if position is not None and position.report_id is not None:
            try:
                report = reports.get_report(session, actor=actor, report_id=position.report_id)
            except StorageError:
                report = None
            if report is not None and report.org_id == actor.org_id:
                return report
        year = report_year_for(self.today())
        return session.exec(
            select(Report).where(Report.org_id == actor.org_id, Report.year == year)
        ).first()

    def _state(self, session: Session, actor: Member, report: Report) -> ReportState:
        """The report as the walkthrough sees it (the member's position, last year's values)."""
        return self._chat.load_state(session, actor, report)

    def _check(self, state: ReportState) -> list[Finding]:
        return state.findings()

    def _submit_view(
        self, session: Session, actor: Member, report: Report, notice: str | None = None
    ) -> DeskResult:
        if report.status == "submitted":
            return _said(
                f"{_title(report)}已提交，正在等待上级审核；审核期间报告已锁定，不能修改。",
                notice,
            )
        if report.status == "approved":
            return _said(f"{_title(report)}已审核通过，不能再修改或重新提交。", notice)
        state = self._state(session, actor, report)
        findings = self._check(state)
        if has_errors(findings):
            reply = blocked_reply(state, findings, doing="提交")
            return DeskResult(Turn((reply,), report.id, state.position.question, notice=notice))
        reviewers = reviewers_for(session, org_id=report.org_id)
        if reviewers:
            unit = get_org(session, org_id=reviewers[0].org_id).name
            who = f"提交后将送{unit}审核人员（{_names(reviewers)}）审核。"
        else:
            who = "上级单位尚无审核人员登记，提交后请联系管理员安排审核。"
        done, total = progress(state)
        lines = [
            f"{_title(report)}校验通过（填写进度 {done}/{total}），可以提交。",
            who,
            "提交后报告将锁定，不能再修改；如需修改，须由审核人员退回。",
        ]
        warnings = [f for f in findings if f.severity == "warning"]
        if warnings:
            lines.append(findings_text(warnings, title="以下提示请核对后再提交："))
        lines.append("确认提交吗？")
        buttons = (
            (
                Button("确认提交", action(SUBMIT, report.id, report.version)),
                Button("暂不提交", action(KEEP)),
            ),
        )
        reply = Reply("\n".join(lines), buttons=buttons)
        return DeskResult(Turn((reply,), report.id, state.position.question, notice=notice))

    def _confirm_submit(
        self, session: Session, actor: Member, report_id: int, version: int
    ) -> DeskResult:
        report = self._readable(session, actor, report_id)
        if report.org_id != actor.org_id and actor.role != "admin":
            raise _Refusal(UNAVAILABLE)
        if report.status not in access.WRITABLE_STATUSES:
            return self._submit_view(session, actor, report, notice=STALE)
        if report.version != version:
            return self._submit_view(
                session, actor, report, notice="报告内容已有变更，请重新核对后再提交。"
            )
        state = self._state(session, actor, report)
        if any(f.severity == "error" for f in self._check(state)):
            return self._submit_view(session, actor, report, notice="尚有错误，暂不能提交。")
        report = reports.set_status(
            session, actor=actor, report_id=report.id, to_status="submitted"
        )
        _audit(session, actor, "report.submit", report_id=report.id)
        reviewers = reviewers_for(session, org_id=report.org_id)
        org = get_org(session, org_id=report.org_id)
        # What was locked, read after the transition (a save may have landed just before it).
        values = reports.report_values(session, actor=actor, report_id=report.id)
        content = render_report(state.form, agency=report.agency, year=report.year, values=values)
        document = Document(
            document_filename(state.form, agency=report.agency, year=report.year),
            content,
            f"{_title(report)}（待审核）",
        )
        to_reviewers = Turn(
            (
                Reply(
                    f"{org.name}的{actor.name}于{_local(clock.utcnow())}提交了"
                    f"{_title(report)}，请审核。报告 Word 文档见下。",
                    buttons=((Button("开始审核", action(RECEIVED, report.id, report.version)),),),
                ),
            ),
            document=document,
        )
        colleagues = [m for m in staff_of(session, org_id=report.org_id) if m.id != actor.id]
        to_colleagues = Turn(
            (
                Reply(
                    f"{actor.name}已提交本单位{report.year}年度报告，"
                    "报告已锁定，审核期间不能修改；审核结果将通过本助手通知。"
                ),
            )
        )
        if reviewers:
            unit = get_org(session, org_id=reviewers[0].org_id).name
            sent = f"已通知{unit}审核人员（{_names(reviewers)}）审核。"
        else:
            sent = "上级单位尚无审核人员登记，请联系管理员安排审核。"
        reply = Reply(
            f"已提交{_title(report)}。{sent}\n"
            "报告已锁定，审核期间不能修改；审核结果将通过本助手通知您。"
        )
        return DeskResult(
            Turn((reply,), report.id),
            (*_notify(reviewers, to_reviewers), *_notify(colleagues, to_colleagues)),
        )

    # Review --------------------------------------------------------------------------------

    def _readable(self, session: Session, actor: Member, report_id: int) -> Report:
        """The report if the actor may read it; the same refusal whether absent or foreign."""
        try:
            return reports.get_report(session, actor=actor, report_id=report_id)
        except (NotFound, PermissionDenied) as exc:
            raise _Refusal(UNAVAILABLE) from exc

    def _for_review(self, session: Session, actor: Member, report_id: int) -> Report:
        report = self._readable(session, actor, report_id)
        if not can_review(session, actor, report):
            if actor.supervises and report.org_id == actor.org_id:
                raise _Refusal("本单位的报告应由上级单位的审核人员审核。")
            raise _Refusal("只有上级单位的审核人员可以审核该报告。")
        if report.status != "submitted":
            label = STATUS_LABELS.get(report.status, report.status)
            raise _Refusal(f"{_title(report)}当前状态为「{label}」，不在待审核状态。")
        return report

    def _review_list(self, session: Session, actor: Member) -> DeskResult:
        waiting = submitted_for_review(session, actor=actor)
        if not waiting:
            return _said("目前没有待审核的报告。发送 /overview 可查看所辖单位的填报情况。")
        submitted = self._submitted_at(session, actor, waiting[:MAX_LISTED])
        lines = [f"待审核的报告共 {len(waiting)} 份（按提交先后排列），点击按钮查看并审核："]
        buttons = []
        for number, report in enumerate(waiting[:MAX_LISTED], start=1):
            when, who = submitted.get(report.id, (None, None))
            by = f"，{who}于{_local(when)}提交" if when is not None else ""
            lines.append(f"{number}. {_title(report)}{by}")
            buttons.append((Button(f"{number}. {report.agency}", action(OPEN, report.id)),))
        if len(waiting) > MAX_LISTED:
            lines.append(f"仅列出最早提交的 {MAX_LISTED} 份，审核后发送 /review 查看其余报告。")
        return DeskResult(Turn((Reply("\n".join(lines), buttons=tuple(buttons)),)))

    def _submitted_at(
        self, session: Session, actor: Member, waiting: list[Report]
    ) -> dict[int, tuple[datetime, str | None]]:
        found: dict[int, tuple[datetime, str | None]] = {}
        for report in waiting:
            events = [
                row
                for row in report_events(session, actor=actor, report_id=report.id)
                if row.event.to_status == "submitted"
            ]
            if events:
                found[report.id] = (events[-1].event.at, events[-1].member_name)
        return found

    def _review_view(
        self,
        session: Session,
        actor: Member,
        report: Report,
        heading: str | None = None,
        *,
        send_document: bool = True,
    ) -> DeskResult:
        """The report's checks and history, then its Word document with 通过/退回 under it
        (the decision comes after reading); without the document the buttons go with the
        text."""
        state = self._state(session, actor, report)
        findings = self._check(state)
        errors = [f for f in findings if f.severity == "error"]
        warnings = [f for f in findings if f.severity == "warning"]
        events = report_events(session, actor=actor, report_id=report.id)
        done, total = progress(state)
        lines = [heading] if heading else []
        lines.append(f"【审核】{_title(report)}")
        submits = [e for e in events if e.event.to_status == "submitted"]
        if submits:
            last = submits[-1]
            lines.append(
                f"报告状态：已提交（{last.member_name or '管理员'}，{_local(last.event.at)}）"
            )
        lines.append(f"填写进度：{done}/{total}")
        if not findings:
            lines.append("校验结果：未发现错误和提示。")
        else:
            lines.append(
                findings_text(
                    findings, title=f"校验结果：错误 {len(errors)} 项、提示 {len(warnings)} 项。"
                )
            )
        if len(events) > 1:
            lines.append("审核记录：")
            lines.extend(_history_lines(events))
        if errors:
            lines.append("报告尚有错误，不能审核通过，请退回修改。")
            decision: tuple[Button, ...] = (
                Button("退回", action(RETURN, report.id, report.version)),
            )
        else:
            where = "下方" if send_document else "已收到的"
            lines.append(f"请审阅{where} Word 文档后选择“通过”或“退回”。")
            decision = (
                Button("通过", action(APPROVE, report.id, report.version)),
                Button("退回", action(RETURN, report.id, report.version)),
            )
        buttons = (decision, (Button("返回待审列表", action(LIST)),))
        if not send_document:
            return DeskResult(Turn((Reply("\n".join(lines), buttons=buttons),), report.id))
        content = render_report(
            state.form,
            agency=report.agency,
            year=report.year,
            values=state.values,
            **draft_options(errors),
        )
        document = Document(
            document_filename(state.form, agency=report.agency, year=report.year),
            content,
            f"{_title(report)}（待审核）",
            buttons=buttons,
        )
        return DeskResult(Turn((Reply("\n".join(lines)),), report.id, document=document))

    def _approve(self, session: Session, actor: Member, report_id: int, version: int) -> DeskResult:
        report = self._for_review(session, actor, report_id)
        if report.version != version:
            return self._review_view(session, actor, report, heading=CHANGED)
        state = self._state(session, actor, report)
        if any(f.severity == "error" for f in self._check(state)):
            return self._review_view(session, actor, report, heading="报告尚有错误，不能审核通过。")
        report = reports.set_status(session, actor=actor, report_id=report_id, to_status="approved")
        _audit(session, actor, "report.approve", report_id=report_id)
        staff = staff_of(session, org_id=report.org_id)
        reviewer_org = get_org(session, org_id=actor.org_id).name
        notice = Turn(
            (
                Reply(
                    f"本单位{report.year}年度报告已审核通过。\n"
                    f"审核人：{reviewer_org} {actor.name}，{_local(clock.utcnow())}。\n"
                    "可发送 /generate 生成正式 Word 文档，并按规定时限公开发布。"
                ),
            )
        )
        remaining = len(submitted_for_review(session, actor=actor))
        lines = [f"已审核通过：{_title(report)}。"]
        lines.append(
            f"已通知填报人员（{_names(staff)}）。" if staff else "该单位暂无登记的填报人员。"
        )
        buttons: tuple[tuple[Button, ...], ...] = ()
        if remaining:
            lines.append(f"尚有 {remaining} 份报告待审核。")
            buttons = ((Button("查看待审列表", action(LIST)),),)
        return DeskResult(
            Turn((Reply("\n".join(lines), buttons=buttons),), report.id),
            tuple(_notify(staff, notice)),
        )

    def _ask_comment(
        self, session: Session, actor: Member, report_id: int, version: int
    ) -> DeskResult:
        report = self._for_review(session, actor, report_id)
        if report.version != version:
            return self._review_view(session, actor, report, heading=CHANGED)
        self._set_pending(session, actor, report)
        return _said(
            f"请发送退回{_title(report)}的意见：您发送的下一条文字消息将作为退回意见，"
            "原样转给该单位填报人员，报告随即退回修改。",
            buttons=((Button("取消退回", action(CANCEL_RETURN)),),),
        )

    def _return(self, session: Session, actor: Member, report: Report, comment: str) -> DeskResult:
        report = reports.set_status(
            session,
            actor=actor,
            report_id=report.id,
            to_status="returned",
            comment=comment,
        )
        _audit(session, actor, "report.return", report_id=report.id)
        staff = staff_of(session, org_id=report.org_id)
        reviewer_org = get_org(session, org_id=actor.org_id).name
        notice = Turn(
            (
                Reply(
                    f"本单位{report.year}年度报告已被退回修改。\n"
                    f"退回意见（{reviewer_org} {actor.name}）：\n{comment}\n\n"
                    "报告已解锁，可以修改。修改完成后请发送 /submit 重新提交。",
                    buttons=((Button("修改报告", OPEN_REPORT),),),
                ),
            ),
            report.id,
        )
        lines = [f"已退回{_title(report)}。"]
        lines.append(
            f"退回意见已转给填报人员（{_names(staff)}）。"
            if staff
            else "该单位暂无登记的填报人员。"
        )
        return DeskResult(
            Turn((Reply("\n".join(lines)),), report.id), tuple(_notify(staff, notice))
        )

    def _pending(self, session: Session, member: Member) -> tuple[int | None, int | None]:
        position = self._chat.saved_position(session, member)
        state = position.state if position is not None else {}
        report_id, version = state.get(PENDING_KEY), state.get(PENDING_VERSION_KEY)
        if not isinstance(report_id, int) or not isinstance(version, int):
            return None, None
        return report_id, version

    def _set_pending(self, session: Session, member: Member, report: Report | None) -> None:
        """Remember (or forget) the report awaiting a return comment, keeping the rest."""
        if report is None:
            positions.update_state(
                session, member_id=member.id, drop=(PENDING_KEY, PENDING_VERSION_KEY)
            )
        else:
            positions.update_state(
                session,
                member_id=member.id,
                changes={PENDING_KEY: report.id, PENDING_VERSION_KEY: report.version},
            )


def _history_lines(events: list[EventRow]) -> list[str]:
    verbs = {"submitted": "提交", "returned": "退回", "approved": "审核通过"}
    lines = []
    for row in events:
        who = row.member_name or "管理员"
        verb = verbs.get(row.event.to_status, STATUS_LABELS.get(row.event.to_status, ""))
        line = f"· {_local(row.event.at)} {who} {verb}"
        if row.event.comment:
            line += f"：{row.event.comment}"
        lines.append(line)
    return lines


def _overview_turn(found: OverviewPage, year: int, page: int) -> Turn:
    totals, scope = found.totals, found.scope
    if not totals.scope:
        return Turn((Reply(f"{scope}尚无单位。"),))
    pages = (totals.scope + PAGE_SIZE - 1) // PAGE_SIZE
    text = [
        f"{year}年度报告填报总览：{scope}，共 {totals.scope} 个单位",
        "｜".join(f"{label} {totals.by_status[key]}" for key, label in STATUS_FILTERS.items()),
        "按紧迫程度排列：逾期未提交的在前，其次为剩余天数少、进度低的单位；已提交和已通过的在后。",
    ]
    if pages > 1:
        text.append(f"第 {page + 1}/{pages} 页")
    text.append("")
    for number, line in enumerate(found.lines, start=page * PAGE_SIZE + 1):
        text.append(line.text(number))
    row: list[Button] = []
    if page > 0:
        row.append(Button("上一页", action(PAGE, year, page - 1)))
    if page < pages - 1:
        row.append(Button("下一页", action(PAGE, year, page + 1)))
    buttons = (tuple(row),) if row else ()
    return Turn((Reply("\n".join(text), buttons=buttons),))
