"""Each report's standing (questions answered, open errors and warnings: `bot.core.standing`)
kept in its row, so the supervisors' overview sorts, filters and counts in SQL.

Every change of a report's answers writes its standing in the same statement that bumps its
version (`storage.reports`), stamped with that version and the version of the
organisation's report of the year before, whose figures some checks compare with. The counts
are current exactly while both stamps match; they do not when last year's report changed
since, when the row predates the columns (migration 0005) or was written by a bulk insert.
`refresh` recomputes such rows before the overview reads them, each update guarded by the
version it computed from, so it never overwrites a newer save's counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.core.form import load_form
from bot.core.standing import standing_of
from storage.db import write_transaction
from storage.models import Answer, Report
from storage.values import from_json

LAST_YEAR = aliased(Report, name="last_year")
# The organisation's report of the year before, beside a report.
LAST_YEAR_OF = sa.and_(LAST_YEAR.org_id == Report.org_id, LAST_YEAR.year == Report.year - 1)
STALE = sa.or_(
    Report.checked_version.is_(None),  # type: ignore[union-attr]
    Report.checked_version != Report.version,
    Report.checked_previous.is_distinct_from(LAST_YEAR.version),  # type: ignore[union-attr]
)
BATCH = 200


def standing_columns(
    report: Report,
    values: Mapping[str, Any],
    *,
    version: int,
    previous: Mapping[str, Any] | None,
    previous_version: int | None,
) -> dict[str, int | None]:
    """The report row's standing columns for `values` at `version`, checked against last
    year's answers (`previous`, at `previous_version`; None: no report that year)."""
    found = standing_of(load_form(report.kind), values, previous=previous, year=report.year)
    return {
        "answered": found.answered,
        "questions": found.questions,
        "open_errors": found.errors,
        "open_warnings": found.warnings,
        "checked_version": version,
        "checked_previous": previous_version,
    }


_REPORTS = Report.__table__  # type: ignore[attr-defined]
STANDING_COLUMNS = (
    "answered",
    "questions",
    "open_errors",
    "open_warnings",
    "checked_version",
    "checked_previous",
)
# Parameters named apart from the columns they set (SQLAlchemy reserves the columns' names).
_SET_STANDING = (
    sa.update(_REPORTS)
    .where(_REPORTS.c.id == sa.bindparam("report_id"))
    .where(_REPORTS.c.version == sa.bindparam("read_version"))
    .values({name: sa.bindparam(f"new_{name}") for name in STANDING_COLUMNS})
)


def as_parameters(columns: Mapping[str, int | None]) -> dict[str, int | None]:
    """`standing_columns` as parameters of a statement that sets them."""
    return {f"new_{name}": value for name, value in columns.items()}


def refresh(session: Session, *, year: int, org_ids: sa.Select | None = None) -> int:
    """Recompute the stale standings of the `year` reports of the organisations `org_ids`
    selects (None: all), a batch per write transaction; how many were recomputed."""
    query = (
        sa.select(Report.id, LAST_YEAR.id)
        .outerjoin(LAST_YEAR, LAST_YEAR_OF)
        .where(Report.year == year, STALE)
        .order_by(Report.id)  # type: ignore[arg-type]
    )
    if org_ids is not None:
        query = query.where(Report.org_id.in_(org_ids))  # type: ignore[attr-defined]
    stale = session.execute(query).all()
    if session.in_transaction():
        session.commit()  # end the read before the writes: SQLite would refuse its snapshot
    for start in range(0, len(stale), BATCH):
        batch = stale[start : start + BATCH]
        rows = _recomputed(session, [(r, p) for r, p in batch])
        with write_transaction(session):
            session.connection().execute(_SET_STANDING, rows)
    return len(stale)


def _recomputed(session: Session, pairs: Sequence[tuple[int, int | None]]) -> list[dict[str, Any]]:
    """The standing of each (report, last year's report) pair, from their answers and
    versions read in one statement."""
    ids = {r for r, _ in pairs} | {p for _, p in pairs if p is not None}
    reports = {
        report.id: report
        for report in session.execute(
            sa.select(Report).where(Report.id.in_(ids))  # type: ignore[union-attr]
        ).scalars()
    }
    values: dict[int, dict[str, Any]] = {report_id: {} for report_id in ids}
    versions: dict[int, int] = {}
    rows = session.execute(
        sa.select(Report.id, Report.version, Answer.field_id, Answer.value)
        .select_from(Report)
        .outerjoin(Answer, Answer.report_id == Report.id)  # type: ignore[arg-type]
        .where(Report.id.in_(ids))  # type: ignore[union-attr]
        .order_by(Answer.id)  # type: ignore[arg-type]
    ).all()
    for report_id, version, field_id, value in rows:
        versions[report_id] = version
        if field_id is not None:
            form = load_form(reports[report_id].kind)
            values[report_id][field_id] = from_json(form.fields.get(field_id), value)
    if session.in_transaction():
        session.commit()
    found = []
    for report_id, previous_id in pairs:
        columns = standing_columns(
            reports[report_id],
            values[report_id],
            version=versions[report_id],
            previous=values[previous_id] if previous_id is not None else None,
            previous_version=versions.get(previous_id) if previous_id is not None else None,
        )
        found.append(
            {"report_id": report_id, "read_version": versions[report_id], **as_parameters(columns)}
        )
    return found
