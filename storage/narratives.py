"""Other organisations' narrative texts of a year, for the copied-text check.

A system read: the check shows only the other organisation's name and the share of repeated
text, never the text, so no member's read access is needed.

The texts are kept per process and year in a `PeerIndex` (by 8-character run), brought up to
date on every use from the reports' versions: every save that changes a report's answers
bumps `Report.version` in its own transaction, so one light statement (id, version, org and
agency of each report of the year; no text) tells which reports changed since the index last
saw them, whichever process wrote them, and only those are read again. What one transaction
has changed but not committed is never put in the shared index (it could still roll back);
its own report is the one its check leaves out anyway.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.form import load_form
from bot.core.narrative.peer_index import OtherOffices, PeerIndex
from bot.core.narrative.similarity import PeerText
from storage.models import Answer, Report
from storage.reports import changed_reports

# Reports read again per statement (SQLite allows 32,766 bound parameters).
_CHUNK = 500
_YEAR_REPORTS = sa.select(
    Report.id, Report.created_at, Report.version, Report.org_id, Report.agency, Report.kind
).where(Report.year == sa.bindparam("year"))

# (report id, creation time): a report deleted and another created under its id differ.
_ReportKey = tuple[int, datetime]
# What the index saw of a report: its version, organisation and agency.
_Seen = tuple[int, int, str]


class _Year:
    def __init__(self) -> None:
        self.index = PeerIndex()
        self.seen: dict[_ReportKey, _Seen] = {}
        self.lock = threading.Lock()


_years: weakref.WeakKeyDictionary[Engine, dict[int, _Year]] = weakref.WeakKeyDictionary()
_years_lock = threading.Lock()


def other_offices(session: Session, *, year: int, exclude_org_id: int) -> OtherOffices:
    """Every other organisation's texts of `year`, indexed, as of this session's reading."""
    engine = session.get_bind().engine
    with _years_lock:
        cached = _years.setdefault(engine, {}).get(year)
        if cached is None:
            cached = _years[engine][year] = _Year()
    with cached.lock:
        _bring_up_to_date(session, year, cached)
    return OtherOffices(cached.index, exclude=exclude_org_id)


def _bring_up_to_date(session: Session, year: int, cached: _Year) -> None:
    rows = session.execute(_YEAR_REPORTS, {"year": year}).all()
    uncommitted = changed_reports(session)
    current = {(r.id, r.created_at): (r.version, r.org_id, r.agency) for r in rows}
    for key in set(cached.seen) - set(current):
        cached.index.drop(cached.seen.pop(key)[1])
    stale = [
        r
        for r in rows
        if cached.seen.get((r.id, r.created_at)) != current[(r.id, r.created_at)]
        and r.id not in uncommitted
    ]
    for chunk in _chunks(stale):
        for key, seen, peer in _read(session, chunk):
            cached.seen[key] = seen
            cached.index.put(seen[1], peer)


def _chunks(rows: list[sa.Row]) -> Iterator[list[sa.Row]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


def _read(session: Session, rows: list[sa.Row]) -> Iterator[tuple[_ReportKey, _Seen, PeerText]]:
    """The reports' text sections with the version they belong to, read in one statement
    (under PostgreSQL's read committed, two statements could see two different commits)."""
    text_fields = {r.id: set(load_form(r.kind).text_fields) for r in rows}
    answers = session.execute(
        sa.select(
            Report.id,
            Report.created_at,
            Report.version,
            Report.org_id,
            Report.agency,
            Answer.field_id,
            Answer.value,
        )
        .select_from(Report)
        .outerjoin(Answer, Answer.report_id == Report.id)  # type: ignore[arg-type]
        .where(Report.id.in_(list(text_fields)))  # type: ignore[union-attr]
        .order_by(Report.id, Answer.id)
    ).all()
    reports: dict[int, tuple[_ReportKey, _Seen]] = {}
    texts: dict[int, dict[str, str]] = {}
    for report_id, created_at, version, org_id, agency, field_id, value in answers:
        reports[report_id] = ((report_id, created_at), (version, org_id, agency))
        written = texts.setdefault(report_id, {})
        if field_id in text_fields[report_id] and isinstance(value, str) and value.strip():
            written[field_id] = value
    for report_id, (key, seen) in reports.items():
        yield key, seen, PeerText(seen[2], texts[report_id])
