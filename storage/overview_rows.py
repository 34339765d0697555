"""The supervisors' overview as SQL: every organisation in the actor's scope (a recursive
query down the tree) beside its report of the year, the report's stored standing
(`storage.standing`), its due date and the reminders its staff were sent; filtered, sorted
and cut into pages by the database, so a page of 10,000 organisations reads one page of rows.

A due date follows `storage.deadlines`: the nearest organisation override up the tree
(carried down by the recursive query), else the organisation type's date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storage.deadlines import deadlines_of_year
from storage.models import Member, Organisation, ReminderLog, Report
from storage.org_search import name_matches
from storage.orgs import ancestors, get_org
from storage.overview import check_year, require_reviewer
from storage.standing import LAST_YEAR, LAST_YEAR_OF, STALE, refresh

# An organisation's status before its report is begun.
NOT_BEGUN = "none"
# The order the 状态 sort puts statuses in.
STATUS_ORDER = ("draft", "submitted", "returned", "approved", NOT_BEGUN)
# Status filters beyond the statuses: past the deadline and not yet submitted.
OVERDUE = "overdue"
LOCKED = ("submitted", "approved")
SORTS = (
    "urgency",
    "name",
    "status",
    "progress",
    "errors",
    "warnings",
    "activity",
    "deadline",
    "reminders",
)


@dataclass(frozen=True)
class OverviewRow:
    """One organisation: its report's standing as stored (None where not begun)."""

    org_id: int
    name: str
    report_id: int | None
    status: str
    answered: int | None
    questions: int | None
    errors: int | None
    warnings: int | None
    last_activity: datetime | None
    due: date
    reminders: int


@dataclass(frozen=True)
class Selection:
    """What the overview asks for: filters, an order, and a slice (limit None: all)."""

    status: str = ""  # a status, NOT_BEGUN, OVERDUE, or "" for all
    name: str = ""  # part of the organisation's name
    sort: str = "urgency"
    descending: bool = False
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class Totals:
    scope: int  # organisations in scope
    selected: int  # of which the filters keep
    by_status: dict[str, int]  # per status and NOT_BEGUN, and OVERDUE


def _scope_tree(session: Session, actor: Member, overrides: dict[int, date]) -> sa.CTE:
    """(id, holder): the organisations in scope, each with the nearest organisation at or
    above it that has a due-date override (None: none has)."""
    org = aliased(Organisation)
    if actor.role == "admin":
        anchor = sa.select(
            org.id.label("id"),  # type: ignore[union-attr]
            sa.cast(_holder(org.id, overrides, sa.null()), sa.Integer).label("holder"),
        ).where(org.parent_id.is_(None))  # type: ignore[union-attr]
    else:
        chain = ancestors(session, org=get_org(session, org_id=actor.org_id))
        held = next((node.id for node in chain if node.id in overrides), None)
        anchor = sa.select(
            org.id.label("id"),  # type: ignore[union-attr]
            sa.cast(sa.literal(held), sa.Integer).label("holder"),
        ).where(org.id == actor.org_id)
    tree = anchor.cte("scope_tree", recursive=True)
    child = aliased(Organisation)
    return tree.union_all(
        sa.select(
            child.id,
            sa.cast(_holder(child.id, overrides, tree.c.holder), sa.Integer),
        ).where(child.parent_id == tree.c.id)
    )


def _holder(org_id: Any, overrides: dict[int, date], otherwise: Any) -> Any:
    if not overrides:
        return otherwise
    return sa.case((org_id.in_(list(overrides)), org_id), else_=otherwise)


def _due(tree: sa.CTE, by_org: dict[int, date], by_type: dict[str, date]) -> Any:
    typed = sa.case(
        *((Organisation.org_type == t, sa.literal(d, sa.Date)) for t, d in by_type.items())
    )
    if not by_org:
        return sa.type_coerce(typed, sa.Date)
    held = sa.case(
        *((tree.c.holder == org_id, sa.literal(d, sa.Date)) for org_id, d in by_org.items()),
        else_=typed,
    )
    return sa.type_coerce(held, sa.Date)


def _reminders_sent(year: int) -> sa.Subquery:
    """Deadline and overdue reminders sent for `year`, per organisation of the members they
    went to; a message sent in parts counts once (a later part's key ends in `:p<k>`)."""
    kinds = [f"deadline:{year}:", f"overdue:{year}:"]
    return (
        sa.select(Member.org_id, sa.func.count().label("sent"))
        .select_from(ReminderLog)
        .join(Member, ReminderLog.member_id == Member.id)  # type: ignore[arg-type]
        .where(
            ReminderLog.status == "sent",
            sa.or_(*(ReminderLog.key.startswith(k) for k in kinds)),  # type: ignore[attr-defined]
            # A first part is <kind>:<year>:m<member>:<step or date>; a later part adds :p<k>.
            sa.not_(sa.or_(*(ReminderLog.key.like(f"{k}%:%:p%") for k in kinds))),  # type: ignore[attr-defined]
        )
        .group_by(Member.org_id)
        .subquery("sent")
    )


class _Overview:
    """The overview's columns over the actor's scope for one year, and its expressions."""

    def __init__(self, session: Session, actor: Member, year: int, today: date) -> None:
        rules = deadlines_of_year(session, year=year)
        self.tree = _scope_tree(session, actor, rules.by_org)
        self.due = _due(self.tree, rules.by_org, rules.by_type).label("due")
        sent = _reminders_sent(year)
        self.status = sa.func.coalesce(Report.status, NOT_BEGUN)
        self.reminders = sa.func.coalesce(sent.c.sent, 0)
        self.percent = sa.case(
            (Report.questions > 0, Report.answered * 100 / Report.questions), else_=0
        )
        self.overdue = sa.and_(self.due < today, self.status.not_in(LOCKED))
        name: Any = Organisation.name
        if session.get_bind().dialect.name == "postgresql":
            name = name.collate("C")  # code-point order, as on SQLite (and in Python)
        self.name = name
        # What the totals count (with last year's report, to tell stale standings) …
        self.counted = (
            sa.select(Organisation.id)
            .select_from(self.tree)
            .join(Organisation, Organisation.id == self.tree.c.id)  # type: ignore[arg-type]
            .outerjoin(Report, sa.and_(Report.org_id == Organisation.id, Report.year == year))
            .outerjoin(LAST_YEAR, LAST_YEAR_OF)
        )
        self.stale = sa.and_(Report.id.is_not(None), STALE)  # type: ignore[union-attr]
        # … and what the rows show besides.
        self.base = self.counted.outerjoin(sent, sent.c.org_id == Organisation.id)

    def filtered(self, query: sa.Select, selection: Selection) -> sa.Select:
        if selection.name:
            query = query.where(name_matches(selection.name))
        if selection.status == OVERDUE:
            query = query.where(self.overdue)
        elif selection.status:
            query = query.where(self.status == selection.status)
        return query

    def order(self, sort: str, descending: bool) -> list[Any]:
        urgency = sa.case(
            (Report.status == "submitted", 1), (Report.status == "approved", 2), else_=0
        )
        status = sa.case(*((self.status == s, i) for i, s in enumerate(STATUS_ORDER)))
        keys: dict[str, list[Any]] = {
            # Reports still being written first (overdue, then fewest days left, then least
            # progress); then those awaiting review; approved ones last.
            "urgency": [urgency, self.due, self.percent],
            "name": [],
            "status": [status],
            "progress": [self.percent],
            "errors": [sa.func.coalesce(Report.open_errors, -1)],
            "warnings": [sa.func.coalesce(Report.open_warnings, -1)],
            "activity": [Report.updated_at.is_not(None), Report.updated_at],  # type: ignore[union-attr]
            "deadline": [self.due],
            "reminders": [self.reminders],
        }
        ordered = [*keys[sort], self.name, Organisation.id]
        return [key.desc() for key in ordered] if descending else ordered


def _columns(view: _Overview) -> sa.Select:
    return view.base.with_only_columns(
        Organisation.id,
        Organisation.name,
        Report.id,
        view.status,
        Report.answered,
        Report.questions,
        Report.open_errors,
        Report.open_warnings,
        Report.updated_at,
        view.due,
        view.reminders,
    )


def _prepared(session: Session, actor: Member, year: int, today: date) -> _Overview:
    actor = require_reviewer(session, actor, "填报总览")
    check_year(year)
    return _Overview(session, actor, year, today)


def _refresh(session: Session, view: _Overview, year: int) -> None:
    refresh(session, year=year, org_ids=sa.select(view.tree.c.id))


def overview_rows(
    session: Session, *, actor: Member, year: int, today: date, selection: Selection
) -> tuple[list[OverviewRow], Totals]:
    """The rows `selection` asks for, with the scope's totals (stale standings recomputed
    first). Raises `PermissionDenied` for staff, `StorageError` for a year without a format.

    Two statements when every standing is current: the totals (which count the stale rows
    too), and the page (with how many rows the filters keep, as a window count)."""
    view = _prepared(session, actor, year, today)
    totals, stale = _totals(session, view)
    if stale:
        _refresh(session, view, year)
        totals, _ = _totals(session, view)
    query = view.filtered(_columns(view).add_columns(sa.func.count().over()), selection)
    query = query.order_by(*view.order(selection.sort, selection.descending))
    query = query.offset(selection.offset).limit(selection.limit)
    found = session.execute(query).all()
    rows = [OverviewRow(*row[:-1]) for row in found]
    if found:
        selected = found[0][-1]
    elif selection.name or selection.status:  # past the last page: count apart
        count = view.filtered(view.base.with_only_columns(sa.func.count()), selection)
        selected = session.execute(count).scalar_one()
    else:
        selected = totals.scope
    return rows, replace(totals, selected=selected)


def stream_overview_rows(
    session: Session, *, actor: Member, year: int, today: date, selection: Selection
) -> Iterator[OverviewRow]:
    """Every row the filters keep, in order, read from the database in batches."""
    view = _prepared(session, actor, year, today)
    _refresh(session, view, year)
    query = view.filtered(_columns(view), selection)
    query = query.order_by(*view.order(selection.sort, selection.descending))
    for row in session.execute(query.execution_options(yield_per=500)):
        yield OverviewRow(*row)


def _totals(session: Session, view: _Overview) -> tuple[Totals, int]:
    """The scope's totals (`selected`: all of it), and how many standings are stale."""

    def count(condition: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    statuses = [*STATUS_ORDER]
    counting = view.counted.with_only_columns(
        sa.func.count(),
        *(count(view.status == s) for s in statuses),
        count(view.overdue),
        count(view.stale),
    )
    total, *per_status, overdue, stale = session.execute(counting).one()
    by_status = {**dict(zip(statuses, per_status, strict=True)), OVERDUE: overdue}
    return Totals(scope=total, selected=total, by_status=by_status), stale
