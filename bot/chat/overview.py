"""The supervisors' overview, free of any front end: every organisation in scope with its
status, progress, open errors and warnings, last activity, deadline and reminders sent.

The database filters, sorts and pages (`storage.overview_rows`), so one page of a scope of
10,000 organisations reads one page of rows; the chat pages by ten, the web by fifty, and the
web's CSV streams every row the filters keep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat.member_state import LOCKED_STATUSES
from bot.config import get_settings
from bot.core.form import form_for_year
from storage.db import session_scope
from storage.models import STATUS_LABELS, Member
from storage.orgs import get_org
from storage.overview import check_year, require_reviewer
from storage.overview_rows import (
    NOT_BEGUN,
    OVERDUE,
    OverviewRow,
    Selection,
    Totals,
    overview_rows,
    stream_overview_rows,
)

OVERVIEW_LABELS = {**STATUS_LABELS, NOT_BEGUN: "未开始"}
# What the 状态 filter offers: every status, and those past the deadline not yet submitted.
STATUS_FILTERS = {**OVERVIEW_LABELS, OVERDUE: "逾期未提交"}

__all__ = ["NOT_BEGUN", "OVERDUE", "OVERVIEW_LABELS", "STATUS_FILTERS", "Selection"]


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class OrgLine:
    """One organisation in the overview."""

    name: str
    status: str  # a report status, or NOT_BEGUN
    done: int
    total: int
    errors: int | None
    last_activity: datetime | None
    due: date
    days_left: int
    warnings: int | None = None
    org_id: int | None = None
    report_id: int | None = None
    reminders: int = 0

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0

    @property
    def overdue(self) -> bool:
        """Past the deadline and not yet submitted."""
        return self.days_left < 0 and self.status not in LOCKED_STATUSES

    def deadline_text(self) -> str:
        if self.days_left < 0:
            return f"已逾期 {-self.days_left} 天"
        if self.days_left == 0:
            return "今天截止"
        return f"距截止 {self.days_left} 天"

    def text(self, number: int) -> str:
        errors = "—" if self.errors is None else f"{self.errors} 项"
        last = _local(self.last_activity)[5:] if self.last_activity else "—"
        return (
            f"{number}. {self.name}（{OVERVIEW_LABELS[self.status]}）\n"
            f"    进度 {self.percent}%｜错误 {errors}｜{self.deadline_text()}"
            f"（{self.due.month}月{self.due.day}日）｜最近更新 {last}"
        )


@dataclass(frozen=True)
class OverviewPage:
    scope: str  # 全部单位, or the actor's organisation and those below
    lines: list[OrgLine]
    totals: Totals


class Overview:
    """The overview over the database, as of `today` (which decides days left)."""

    def __init__(self, engine: Engine, today: Callable[[], date]) -> None:
        self.engine = engine
        self.today = today

    def page(self, member: Member, *, year: int, selection: Selection) -> OverviewPage:
        """The lines `selection` asks for, with the scope's name and totals (raises
        `StorageError` for staff or a year without a format)."""
        today = self.today()
        with session_scope(self.engine) as session:
            actor = require_reviewer(session, member, "填报总览")
            check_year(year)
            scope = _scope_name(session, actor)
            rows, totals = overview_rows(
                session, actor=actor, year=year, today=today, selection=selection
            )
        return OverviewPage(scope, [_line(row, year, today) for row in rows], totals)

    def stream(
        self, member: Member, *, year: int, selection: Selection
    ) -> tuple[str, Iterator[OrgLine]]:
        """The scope's name, and every line the filters keep in order, read as they are
        consumed (the right to read is checked before this returns)."""
        with session_scope(self.engine) as session:
            actor = require_reviewer(session, member, "填报总览")
            check_year(year)
            scope = _scope_name(session, actor)
        return scope, self._lines(actor, year, selection)

    def _lines(self, actor: Member, year: int, selection: Selection) -> Iterator[OrgLine]:
        today = self.today()
        with session_scope(self.engine) as session:
            rows = stream_overview_rows(
                session, actor=actor, year=year, today=today, selection=selection
            )
            for row in rows:
                yield _line(row, year, today)


def _scope_name(session: Session, actor: Member) -> str:
    if actor.role == "admin":
        return "全部单位"
    return f"{get_org(session, org_id=actor.org_id).name}及所辖单位"


def _line(row: OverviewRow, year: int, today: date) -> OrgLine:
    counted = row.questions is not None
    return OrgLine(
        name=row.name,
        status=row.status,
        done=row.answered or 0,
        total=row.questions if counted else len(form_for_year(year).questions),  # type: ignore[arg-type]
        errors=row.errors,
        last_activity=row.last_activity,
        due=row.due,
        days_left=(row.due - today).days,
        warnings=row.warnings,
        org_id=row.org_id,
        report_id=row.report_id,
        reminders=row.reminders,
    )
