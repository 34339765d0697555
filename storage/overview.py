"""What supervisors look over: the organisations in their scope with this year's reports, the
review history of a report, who reviews whom, and the approved reports a roll-up sums.

Scope is always derived from the acting member as the database has it now (`access.current`),
so a supervisor moved or removed sees nothing more on their next request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from bot.core.form import form_for_year, load_form
from bot.core.rollup import Rollup, Source, roll_up
from storage import access
from storage.deadlines import deadline_for
from storage.errors import PermissionDenied, StorageError
from storage.models import (
    REPORTING_ROLES,
    SUPERVISING_ROLES,
    Answer,
    Member,
    Organisation,
    ReminderLog,
    Report,
    ReportEvent,
)
from storage.orgs import ancestors, get_org, subtree_ids
from storage.reports import get_report
from storage.values import from_json

REVIEW_ROLES = (*SUPERVISING_ROLES, "admin")


@dataclass(frozen=True)
class OrgReport:
    """One organisation in scope, its report for the year (if begun) and last year's values."""

    org: Organisation
    report: Report | None
    values: dict[str, Any]
    previous: dict[str, Any] | None
    previous_kind: str | None
    due: date
    reminders: int = 0  # deadline and overdue reminders sent to its staff for the year

    @property
    def last_activity(self) -> datetime | None:
        return self.report.updated_at if self.report is not None else None


@dataclass(frozen=True)
class EventRow:
    event: ReportEvent
    member_name: str | None


def require_reviewer(session: Session, actor: Member, what: str) -> Member:
    """The actor, fresh; staff are refused with a message naming `what` they asked for."""
    actor = access.current(session, actor)
    if actor.role not in REVIEW_ROLES:
        raise PermissionDenied(f"{what}仅供上级单位的督导人员和管理员使用")
    return actor


def check_year(year: int) -> None:
    try:
        form_for_year(year)
    except LookupError as exc:
        raise StorageError(f"{year}年度没有适用的报告格式") from exc


def _orgs(session: Session, ids: Iterable[int] | None) -> list[Organisation]:
    """The organisations with the given ids (None: all), by id."""
    query = select(Organisation).order_by(Organisation.id)  # type: ignore[arg-type]
    if ids is not None:
        query = query.where(Organisation.id.in_(list(ids)))  # type: ignore[union-attr]
    return list(session.exec(query).all())


def scope_orgs(session: Session, actor: Member) -> list[Organisation]:
    """The organisations whose reports the actor may read (admin: all), by id."""
    return _orgs(session, access.readable_org_ids(session, actor))


def _reports_by_org(session: Session, org_ids: Iterable[int], year: int) -> dict[int, Report]:
    ids = list(org_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Report).where(Report.year == year, Report.org_id.in_(ids))  # type: ignore[attr-defined]
    ).all()
    return {report.org_id: report for report in rows}


def _values_by_report(session: Session, reports: Iterable[Report]) -> dict[int, dict[str, Any]]:
    """Every answer of the given reports in one query, typed as `storage.reports` types them."""
    by_id = {report.id: report for report in reports if report.id is not None}
    values: dict[int, dict[str, Any]] = {report_id: {} for report_id in by_id}
    if not by_id:
        return values
    rows = session.exec(
        select(Answer.report_id, Answer.field_id, Answer.value)
        .where(Answer.report_id.in_(list(by_id)))  # type: ignore[attr-defined]
        .order_by(Answer.id)  # type: ignore[arg-type]
    ).all()
    for report_id, field_id, value in rows:
        form = load_form(by_id[report_id].kind)
        values[report_id][field_id] = from_json(form.fields.get(field_id), value)
    return values


_LATER_PART = re.compile(r":p\d+$")


def reminders_sent(session: Session, org_ids: Iterable[int], year: int) -> dict[int, int]:
    """How many deadline and overdue reminders for `year` were sent to each organisation's
    members (a long reminder split into several messages counts once)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Member.org_id, ReminderLog.key)
        .join(Member, ReminderLog.member_id == Member.id)  # type: ignore[arg-type]
        .where(
            ReminderLog.status == "sent",
            Member.org_id.in_(ids),  # type: ignore[attr-defined]
            ReminderLog.key.like(f"deadline:{year}:%")  # type: ignore[attr-defined]
            | ReminderLog.key.like(f"overdue:{year}:%"),  # type: ignore[attr-defined]
        )
    ).all()
    counts: dict[int, int] = {}
    for org_id, key in rows:
        if not _LATER_PART.search(key):
            counts[org_id] = counts.get(org_id, 0) + 1
    return counts


def _org_reports(session: Session, orgs: list[Organisation], year: int) -> list[OrgReport]:
    ids = [org.id for org in orgs if org.id is not None]
    current = _reports_by_org(session, ids, year)
    reminded = reminders_sent(session, ids, year)
    previous = _reports_by_org(session, ids, year - 1)
    values = _values_by_report(session, [*current.values(), *previous.values()])
    rows = []
    for org in orgs:
        report = current.get(org.id) if org.id is not None else None
        last = previous.get(org.id) if org.id is not None else None
        rows.append(
            OrgReport(
                org=org,
                report=report,
                values=values[report.id] if report is not None and report.id else {},
                previous=values[last.id] if last is not None and last.id else None,
                previous_kind=last.kind if last is not None else None,
                due=deadline_for(session, org=org, year=year),
                reminders=reminded.get(org.id, 0) if org.id is not None else 0,
            )
        )
    return rows


def scope_reports(session: Session, *, actor: Member, year: int) -> list[OrgReport]:
    """Every organisation in the actor's scope with its report for `year` (None if not begun)
    and the answers of it and of last year's: for the figures and the copied-text pages,
    which read the answers themselves (the overview reads `storage.overview_rows`)."""
    actor = require_reviewer(session, actor, "填报总览")
    check_year(year)
    return _org_reports(session, scope_orgs(session, actor), year)


def report_events(session: Session, *, actor: Member, report_id: int) -> list[EventRow]:
    """The status changes of a report, oldest first, with the acting member's name."""
    get_report(session, actor=actor, report_id=report_id)
    rows = session.exec(
        select(ReportEvent, Member.name)
        .join(Member, ReportEvent.member_id == Member.id, isouter=True)  # type: ignore[arg-type]
        .where(ReportEvent.report_id == report_id)
        .order_by(ReportEvent.id)  # type: ignore[arg-type]
    ).all()
    return [EventRow(event, name) for event, name in rows]


def can_review(session: Session, actor: Member, report: Report) -> bool:
    """Whether `actor` may approve or return `report` (the rule `set_status` enforces)."""
    return access.may_review(session, actor, report)


def submitted_for_review(session: Session, *, actor: Member) -> list[Report]:
    """Submitted reports the actor may review, oldest first."""
    actor = require_reviewer(session, actor, "审核")
    query = select(Report).where(Report.status == "submitted")
    allowed = access.readable_org_ids(session, actor)
    if allowed is not None:
        allowed.discard(actor.org_id)
        query = query.where(Report.org_id.in_(allowed))  # type: ignore[attr-defined]
    query = query.order_by(Report.updated_at, Report.id)  # type: ignore[arg-type]
    return list(session.exec(query).all())


def _active_members(session: Session, org_id: int, roles: tuple[str, ...]) -> list[Member]:
    return list(
        session.exec(
            select(Member)
            .where(Member.org_id == org_id, Member.role.in_(roles), Member.active)  # type: ignore[attr-defined]
            .order_by(Member.id)  # type: ignore[arg-type]
        ).all()
    )


def reviewers_for(session: Session, *, org_id: int) -> list[Member]:
    """The active supervisors nearest above the organisation: all of them at that level."""
    org = get_org(session, org_id=org_id)
    for above in ancestors(session, org=org)[1:]:
        found = _active_members(session, above.id, SUPERVISING_ROLES)  # type: ignore[arg-type]
        if found:
            return found
    return []


def staff_of(session: Session, *, org_id: int) -> list[Member]:
    """The organisation's active staff, who hear about their report's review."""
    return _active_members(session, org_id, REPORTING_ROLES)


@dataclass(frozen=True)
class RollupInput:
    org: Organisation
    own: Report | None
    approved: list[OrgReport]
    left_out: list[OrgReport]


def rollup_input(
    session: Session, *, org_id: int, year: int, actor: Member | None = None
) -> RollupInput:
    """What a roll-up for `org_id` sums: the approved reports below it (not its own).

    `actor` None is the system (the admin command line); a supervisor may roll up only their
    own organisation, an administrator any.
    """
    if actor is not None:
        actor = require_reviewer(session, actor, "汇总")
        if actor.role != "admin" and actor.org_id != org_id:
            raise PermissionDenied("您只能汇总本单位所辖单位的报告")
    check_year(year)
    org = get_org(session, org_id=org_id)
    below = [o for o in _orgs(session, subtree_ids(session, org_id=org_id)) if o.id != org_id]
    rows = _org_reports(session, below, year)
    approved = [r for r in rows if r.report is not None and r.report.status == "approved"]
    left_out = [r for r in rows if r.report is None or r.report.status != "approved"]
    own = _reports_by_org(session, [org_id], year).get(org_id)
    return RollupInput(org, own, approved, left_out)


def build_rollup(
    session: Session, *, org_id: int, year: int, actor: Member | None = None
) -> Rollup:
    """The roll-up of the approved reports below `org_id` (raises `RollupError` if none)."""
    data = rollup_input(session, org_id=org_id, year=year, actor=actor)
    sources = [
        Source(
            agency=row.org.name,
            kind=row.report.kind,
            values=row.values,
            previous=row.previous,
            previous_kind=row.previous_kind,
        )
        for row in data.approved
        if row.report is not None
    ]
    return roll_up(
        sources,
        agency=data.org.name,
        year=year,
        target_kind=data.own.kind if data.own is not None else None,
        left_out=[row.org.name for row in data.left_out],
    )
