"""Each report's standing (questions answered, open errors and warnings: `bot.core.standing`)
kept in its row, so the supervisors' overview sorts, filters and counts in SQL.

Every change of a report's answers writes its standing in the same statement that bumps its
version (`storage.reports`), stamped with that version and the version of the
organisation's report of the year before, whose figures some checks compare with. The counts
are current exactly while both stamps match; they do not when last year's report changed
since, when the row predates the columns (migration 0006) or was written by a bulk insert.
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
    *,
    kind: str,
    year: int,
    values: Mapping[str, Any],
    version: int,
    previous: Mapping[str, Any] | None,
    previous_version: int | None,
) -> dict[str, int | None]:
    """A report row's standing columns for `values` at `version`, checked against last
    year's answers (`previous`, at `previous_version`; None: no report that year)."""
    found = standing_of(load_form(kind), values, previous=previous, year=year)
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
    stale = _stale(session.connection(), year=year, org_ids=org_ids)
    if session.in_transaction():
        session.commit()  # end the read before the writes: SQLite would refuse its snapshot
    for start in range(0, len(stale), BATCH):
        rows = _recomputed(session.connection(), stale[start : start + BATCH])
        session.commit()
        with write_transaction(session):
            session.connection().execute(_SET_STANDING, rows)
    return len(stale)


def backfill(connection: sa.Connection) -> int:
    """Compute every report's standing on `connection`, in the caller's transaction (the
    migration that adds the columns); how many reports."""
    stale = _stale(connection)
    for start in range(0, len(stale), BATCH):
        connection.execute(_SET_STANDING, _recomputed(connection, stale[start : start + BATCH]))
    return len(stale)


def _stale(
    connection: sa.Connection, *, year: int | None = None, org_ids: sa.Select | None = None
) -> list[tuple[int, int | None]]:
    """(report, last year's report) of every report whose standing is missing or stale."""
    query = (
        sa.select(Report.id, LAST_YEAR.id)
        .outerjoin(LAST_YEAR, LAST_YEAR_OF)
        .where(STALE)
        .order_by(Report.id)  # type: ignore[arg-type]
    )
    if year is not None:
        query = query.where(Report.year == year)
    if org_ids is not None:
        query = query.where(Report.org_id.in_(org_ids))  # type: ignore[attr-defined]
    return [(report_id, previous_id) for report_id, previous_id in connection.execute(query)]


def _recomputed(
    connection: sa.Connection, pairs: Sequence[tuple[int, int | None]]
) -> list[dict[str, Any]]:
    """The standing of each (report, last year's report) pair, from their answers and
    versions read in one statement (columns named one by one: the migration runs this on
    the schema as it is then)."""
    ids = {r for r, _ in pairs} | {p for _, p in pairs if p is not None}
    rows = connection.execute(
        sa.select(
            Report.id, Report.kind, Report.year, Report.version, Answer.field_id, Answer.value
        )
        .select_from(Report)
        .outerjoin(Answer, Answer.report_id == Report.id)  # type: ignore[arg-type]
        .where(Report.id.in_(ids))  # type: ignore[union-attr]
        .order_by(Answer.id)  # type: ignore[arg-type]
    ).all()
    values: dict[int, dict[str, Any]] = {report_id: {} for report_id in ids}
    read: dict[int, tuple[str, int, int]] = {}
    for report_id, kind, year, version, field_id, value in rows:
        read[report_id] = (kind, year, version)
        if field_id is not None:
            field = load_form(kind).fields.get(field_id)
            values[report_id][field_id] = from_json(field, value)
    found = []
    for report_id, previous_id in pairs:
        kind, year, version = read[report_id]
        columns = standing_columns(
            kind=kind,
            year=year,
            values=values[report_id],
            version=version,
            previous=None if previous_id is None else values[previous_id],
            previous_version=None if previous_id is None else read[previous_id][2],
        )
        found.append({"report_id": report_id, "read_version": version, **as_parameters(columns)})
    return found
