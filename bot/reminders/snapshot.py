"""The whole tree read at once for a sweep: organisations, this year's reports, the members
who get reminders and every deadline.

Ten thousand organisations cost a handful of queries: subtrees and deadlines are resolved in
memory with the same rules as `storage.orgs.subtree_ids` and `storage.deadlines.deadline_for`
(tests compare them organisation by organisation).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from bot.chat.member_state import LOCKED_STATUSES
from storage.deadlines import deadlines_of_year
from storage.models import (
    REPORTING_ROLES,
    SUPERVISING_ROLES,
    Member,
    Organisation,
    Report,
)

# A report staff can no longer change (submitted or approved) needs no reminder.
DONE_STATUSES = frozenset(LOCKED_STATUSES)


@dataclass(frozen=True)
class OrgRow:
    id: int
    name: str
    org_type: str
    parent_id: int | None


@dataclass(frozen=True)
class ReportRow:
    id: int
    org_id: int
    status: str
    kind: str
    agency: str


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    role: str
    org_id: int
    chat_id: int | None
    blocked: bool

    @property
    def reachable(self) -> bool:
        return self.chat_id is not None and not self.blocked


@dataclass
class Snapshot:
    """The organisation tree, this year's reports, the members and every deadline."""

    year: int
    orgs: dict[int, OrgRow]
    reports: dict[int, ReportRow]  # by organisation
    members: list[MemberRow]
    deadlines: dict[int, date]  # by organisation
    children: dict[int | None, list[int]] = field(init=False)
    _subtrees: dict[int, tuple[int, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        children: dict[int | None, list[int]] = defaultdict(list)
        for org in self.orgs.values():
            children[org.parent_id].append(org.id)
        self.children = dict(children)

    def subtree(self, org_id: int) -> tuple[int, ...]:
        """`org_id` and everything below it (what `storage.orgs.subtree_ids` returns)."""
        if org_id not in self._subtrees:
            found: list[int] = []
            seen: set[int] = set()
            stack = [org_id]
            while stack:
                current = stack.pop()
                if current in seen or current not in self.orgs:
                    continue
                seen.add(current)
                found.append(current)
                stack.extend(self.children.get(current, ()))
            self._subtrees[org_id] = tuple(sorted(found))
        return self._subtrees[org_id]

    def done(self, org_id: int) -> bool:
        report = self.reports.get(org_id)
        return report is not None and report.status in DONE_STATUSES


def deadlines_for(session: Session, orgs: dict[int, OrgRow], year: int) -> dict[int, date]:
    """Every organisation's deadline by `storage.deadlines`' rules (`deadlines_of_year`), the
    tree walked once: an override set on the organisation or its nearest ancestor, else its
    type's date."""
    rules = deadlines_of_year(session, year=year)
    inherited: dict[int, date | None] = {}

    def from_tree(org_id: int) -> date | None:
        chain: list[int] = []
        found: date | None = None
        current: int | None = org_id
        seen: set[int] = set()
        while current is not None and current in orgs and current not in seen:
            if current in inherited:
                found = inherited[current]
                break
            seen.add(current)
            chain.append(current)
            if current in rules.by_org:
                found = rules.by_org[current]
                break
            current = orgs[current].parent_id
        for node in chain:
            inherited[node] = found
        return found

    return {org.id: from_tree(org.id) or rules.by_type[org.org_type] for org in orgs.values()}


def load_snapshot(session: Session, year: int) -> Snapshot:
    orgs = {
        row[0]: OrgRow(*row)
        for row in session.execute(
            sa.select(
                Organisation.id, Organisation.name, Organisation.org_type, Organisation.parent_id
            )
        )
    }
    reports = {
        row[1]: ReportRow(*row)
        for row in session.execute(
            sa.select(Report.id, Report.org_id, Report.status, Report.kind, Report.agency).where(
                Report.year == year
            )
        )
    }
    members = [
        MemberRow(row[0], row[1], row[2], row[3], row[4], row[5] is not None)
        for row in session.execute(
            sa.select(
                Member.id,
                Member.name,
                Member.role,
                Member.org_id,
                Member.chat_id,
                Member.blocked_at,
            )
            .where(Member.active, Member.role.in_((*REPORTING_ROLES, *SUPERVISING_ROLES)))  # type: ignore[attr-defined]
            .order_by(Member.id)  # type: ignore[arg-type]
        )
    ]
    return Snapshot(year, orgs, reports, members, deadlines_for(session, orgs, year))
