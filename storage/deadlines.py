"""When each organisation's report is due.

The law (条例第四十九条, as recorded in the form definitions): departments and townships
publish by 31 January, county and city governments by 31 March, of the year after the report
year. Administrators may override per organisation (inherited down the tree), per
organisation type, or for everyone; the most specific override wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from bot.core.form import form_for_year
from storage import access, audit
from storage.db import write_transaction
from storage.errors import StorageError
from storage.models import ORG_TYPE_LABELS, Deadline, Member, Organisation, check_code
from storage.orgs import ancestors, get_org

# Which legal deadline of the form definition applies to which kind of organisation.
LEGAL_DEADLINE_KEY = {
    "department": "department_publish",
    "township": "department_publish",
    "county_gov": "government_publish",
    "city_gov": "government_publish",
}


def parse_due(text: str) -> date:
    """A date as administrators type it (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise StorageError(f"日期「{text}」格式有误，请按“年-月-日”填写，如 2026-01-31") from None


def set_deadline(
    session: Session,
    *,
    year: int,
    due: date,
    org_id: int | None = None,
    org_type: str | None = None,
    actor: Member | str,
) -> Deadline:
    """Set (or replace) an override for one organisation, one type, or everyone; `actor`: an
    admin member or the command line (`access.check_admin`). Commits."""
    if org_id is not None and org_type is not None:
        raise StorageError("截止日期只能按单位或按单位类型设置，不能同时指定")
    if org_type is not None:
        check_code(org_type, ORG_TYPE_LABELS, "单位类型")
    with write_transaction(session):
        by = access.check_admin(session, actor)
        if org_id is not None:
            get_org(session, org_id=org_id)
        deadline = _override(session, year=year, org_id=org_id, org_type=org_type) or Deadline(
            year=year, org_id=org_id, org_type=org_type, due=due
        )
        deadline.due = due
        session.add(deadline)
        audit.record(
            session,
            actor=by,
            action="deadline.set",
            detail={"year": year, "due": due.isoformat(), "org_id": org_id, "org_type": org_type},
        )
    return deadline


def clear_org_deadline(
    session: Session, *, year: int, org_id: int, actor: Member | str
) -> Deadline | None:
    """Drop one organisation's own override: it follows its parents, its type or the law
    again. Returns the override removed (None: there was none). Commits."""
    with write_transaction(session):
        by = access.check_admin(session, actor)
        get_org(session, org_id=org_id)
        deadline = _override(session, year=year, org_id=org_id, org_type=None)
        if deadline is not None:
            session.delete(deadline)
            audit.record(
                session,
                actor=by,
                action="deadline.clear",
                detail={"year": year, "org_id": org_id, "due": deadline.due.isoformat()},
            )
    return deadline


def _override(
    session: Session, *, year: int, org_id: int | None, org_type: str | None
) -> Deadline | None:
    return session.exec(
        select(Deadline).where(
            Deadline.year == year,
            Deadline.org_id.is_not_distinct_from(org_id),  # type: ignore[union-attr]
            Deadline.org_type.is_not_distinct_from(org_type),  # type: ignore[union-attr]
        )
    ).first()


def org_overrides(session: Session, *, year: int) -> dict[int, date]:
    """The organisations with a date of their own for `year` (an administrator's page marks
    them)."""
    rows = session.exec(
        select(Deadline).where(Deadline.year == year, Deadline.org_id.is_not(None))  # type: ignore[union-attr]
    ).all()
    return {d.org_id: d.due for d in rows if d.org_id is not None}


def legal_deadline(org_type: str, year: int) -> date:
    """The statutory date for a report year, read from the form definition."""
    text = form_for_year(year).deadlines[LEGAL_DEADLINE_KEY[org_type]]
    month, day = text.split()[0].split("-")
    return date(year + 1, int(month), int(day))


@dataclass(frozen=True)
class YearDeadlines:
    """A year's due dates: the per-organisation overrides (each inherited down the tree from
    the organisation that has it) and, for every organisation type, the date that applies
    where no organisation override does."""

    by_org: dict[int, date]
    by_type: dict[str, date]

    def due(self, chain: Sequence[Organisation]) -> date:
        """The date for the first of `chain` (itself, then up the tree to the root)."""
        for node in chain:
            if node.id in self.by_org:
                return self.by_org[node.id]
        return self.by_type[chain[0].org_type]


def deadlines_of_year(session: Session, *, year: int) -> YearDeadlines:
    """What `deadline_for` decides, for every organisation at once."""
    overrides = session.exec(select(Deadline).where(Deadline.year == year)).all()
    everyone = next((d.due for d in overrides if d.org_id is None and d.org_type is None), None)
    by_type = {}
    for org_type in ORG_TYPE_LABELS:
        typed = [d.due for d in overrides if d.org_id is None and d.org_type == org_type]
        by_type[org_type] = typed[0] if typed else everyone or legal_deadline(org_type, year)
    return YearDeadlines({d.org_id: d.due for d in overrides if d.org_id is not None}, by_type)


def deadline_for(session: Session, *, org: Organisation, year: int) -> date:
    """The date `org`'s report for `year` is due."""
    return deadlines_of_year(session, year=year).due(ancestors(session, org=org))


def deadlines_for(
    session: Session, *, orgs: Sequence[Organisation], year: int
) -> dict[int | None, date]:
    """`deadline_for` of every organisation of a whole tree (`orgs` holds each one's
    parents), in one query."""
    rules = deadlines_of_year(session, year=year)
    by_id = {org.id: org for org in orgs}

    def chain(org: Organisation) -> list[Organisation]:
        nodes = [org]
        while nodes[-1].parent_id in by_id and len(nodes) <= len(by_id):
            nodes.append(by_id[nodes[-1].parent_id])
        return nodes

    return {org.id: rules.due(chain(org)) for org in orgs}
