"""When each organisation's report is due.

The law (条例第四十九条, as recorded in the form definitions): departments and townships
publish by 31 January, county and city governments by 31 March, of the year after the report
year. Administrators may override per organisation (inherited down the tree), per
organisation type, or for everyone; the most specific override wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from bot.core.form import form_for_year
from storage import audit
from storage.db import write_transaction
from storage.errors import StorageError
from storage.models import ORG_TYPE_LABELS, Deadline, Organisation, check_code
from storage.orgs import ancestors, get_org

# Which legal deadline of the form definition applies to which kind of organisation.
LEGAL_DEADLINE_KEY = {
    "department": "department_publish",
    "township": "department_publish",
    "county_gov": "government_publish",
    "city_gov": "government_publish",
}


def set_deadline(
    session: Session,
    *,
    year: int,
    due: date,
    org_id: int | None = None,
    org_type: str | None = None,
    actor: str,
) -> Deadline:
    """Set (or replace) an override for one organisation, one type, or everyone. Commits."""
    if org_id is not None and org_type is not None:
        raise StorageError("截止日期只能按单位或按单位类型设置，不能同时指定")
    if org_type is not None:
        check_code(org_type, ORG_TYPE_LABELS, "单位类型")
    with write_transaction(session):
        if org_id is not None:
            get_org(session, org_id=org_id)
        deadline = session.exec(
            select(Deadline).where(
                Deadline.year == year,
                Deadline.org_id.is_not_distinct_from(org_id),  # type: ignore[union-attr]
                Deadline.org_type.is_not_distinct_from(org_type),  # type: ignore[union-attr]
            )
        ).first() or Deadline(year=year, org_id=org_id, org_type=org_type, due=due)
        deadline.due = due
        session.add(deadline)
        audit.record(
            session,
            actor=actor,
            action="deadline.set",
            detail={"year": year, "due": due.isoformat(), "org_id": org_id, "org_type": org_type},
        )
    return deadline


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
    rules = deadlines_of_year(session, year=year)
    for node in ancestors(session, org=org):
        if node.id in rules.by_org:
            return rules.by_org[node.id]
    return rules.by_type[org.org_type]
