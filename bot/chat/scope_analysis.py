"""What a supervisor reads across the reports in their scope: each report's figures and last
year's, narrative text copied between units, applications year by year, who changed which
cell, and the roll-up of the approved reports below them checked against their own report.

Every query opens its own session and reads with the member's rights as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.chat.desk_results import record_admin_action
from bot.core.checks import Finding
from bot.core.copied import CopiedSection, copied_sections
from bot.core.figures import Figures, figures_of
from bot.core.form import load_form
from bot.core.rollup import Rollup, sum_values
from bot.core.rollup_check import differences
from storage import access, reports
from storage.db import session_scope
from storage.errors import StorageError
from storage.models import Member
from storage.overview import build_rollup, require_reviewer, rollup_input, scope_reports

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


class ScopeAnalysis:
    """The supervisor's queries over the reports in their scope."""

    def __init__(self, engine: Engine):
        self.engine = engine

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
            record_admin_action(session, actor, "report.summary", org_id=actor.org_id, year=year)
        return rollup
