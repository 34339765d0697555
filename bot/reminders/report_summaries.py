"""What each undone report has left to do, for the reminders that mention it: its progress
for every message, and the errors a staff reminder quotes.

A first sweep reads every report's answers, so they are read as one JSON object per report
(aggregated by the database) and form definitions are parsed once per kind (`Forms`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.chat.state import ReportState
from bot.chat.views import progress
from bot.core.checks import check_values
from bot.core.form import ReportForm, load_form
from bot.reminders.chunks import chunks
from bot.reminders.messages import COVERED_BY_PROGRESS, ReportSummary
from bot.reminders.snapshot import ReportRow, Snapshot
from storage.models import Answer, Report, ReportEvent
from storage.values import from_json


class Forms:
    """Form definitions by kind, parsed once (load_form reads YAML every call)."""

    def __init__(self) -> None:
        self._by_kind: dict[str, ReportForm] = {}
        self._checks: dict[str, set[str]] = {}
        self._previous_fields: dict[str, list[str]] = {}
        self._amounts: dict[str, frozenset[str]] = {}

    def kind(self, kind: str) -> ReportForm:
        if kind not in self._by_kind:
            self._by_kind[kind] = load_form(kind)
        return self._by_kind[kind]

    def error_checks(self, kind: str) -> set[str]:
        """The checks a reminder quotes: all but blanks, which the sections left already say."""
        if kind not in self._checks:
            form = self.kind(kind)
            ids = {r.check for r in form.relations} | set(form.content_checks)
            self._checks[kind] = ids - COVERED_BY_PROGRESS
        return self._checks[kind]

    def amount_fields(self, kind: str) -> frozenset[str]:
        """Fields stored as a string that reads back as a Decimal (storage.values)."""
        if kind not in self._amounts:
            form = self.kind(kind)
            self._amounts[kind] = frozenset(
                f for f, d in form.fields.items() if d.type.kind == "amount"
            )
        return self._amounts[kind]

    def previous_fields(self, kind: str) -> list[str]:
        """Fields of last year's report the checks of `kind` read: carried-over figures (the
        relations' previous terms) and the narratives."""
        if kind not in self._previous_fields:
            form = self.kind(kind)
            fields = {t.field for r in form.relations for t in (*r.left, *r.right) if t.previous}
            self._previous_fields[kind] = sorted(fields | set(form.text_fields))
        return self._previous_fields[kind]


class SummaryReader:
    """Reads reports' answers, last year's and return comments into `ReportSummary`s."""

    def __init__(self, session: Session, forms: Forms):
        self.session = session
        self.forms = forms

    def read(
        self, snapshot: Snapshot, *, needed: set[int], checked: set[int]
    ) -> dict[int, ReportSummary]:
        """Progress of the undone reports of the `needed` organisations, by organisation;
        with the errors for the `checked` ones."""
        summaries: dict[int, ReportSummary] = {}
        reports = [
            snapshot.reports[org_id]
            for org_id in sorted(needed)
            if org_id in snapshot.reports and not snapshot.done(org_id)
        ]
        if not reports:
            return summaries
        values = self._values(reports)
        previous = self._previous_values(snapshot, [r for r in reports if r.org_id in checked])
        comments = self._returned_comments([r.id for r in reports if r.status == "returned"])
        for report in reports:
            form = self.forms.kind(report.kind)
            state = ReportState(
                form,
                report.agency,
                snapshot.year,
                values.get(report.id, {}),
                previous=previous.get(report.org_id),
            )
            errors: tuple[Any, ...] = ()
            if report.org_id in checked:
                findings = check_values(
                    form,
                    state.values,
                    previous=state.previous,
                    checks=self.forms.error_checks(report.kind),
                )
                errors = tuple(f for f in findings if f.severity == "error")
            summaries[report.org_id] = ReportSummary(
                report.status, state, errors, comments.get(report.id), progress(state)
            )
        return summaries

    def _values(
        self, reports: Sequence[ReportRow], fields: Sequence[str] | None = None
    ) -> dict[int, dict[str, Any]]:
        """Each report's answers, read as one JSON object per report (aggregated by the
        database) and decoded once: a first sweep reads a million answers, and a row and a
        JSON decode per answer cost more than the checks run on them."""
        kinds = {r.id: r.kind for r in reports}
        values: dict[int, dict[str, Any]] = defaultdict(dict)
        answers_object = _answers_object(self.session.get_bind().dialect.name)
        for chunk in chunks(list(kinds)):
            query = (
                sa.select(Answer.report_id, answers_object)
                .where(Answer.report_id.in_(chunk))  # type: ignore[attr-defined]
                .group_by(Answer.report_id)
            )
            if fields is not None:
                query = query.where(Answer.field_id.in_(fields))  # type: ignore[attr-defined]
            for report_id, document in self.session.execute(query):
                answers = json.loads(document)
                form = self.forms.kind(kinds[report_id])
                for field_id in self.forms.amount_fields(form.kind) & answers.keys():
                    answers[field_id] = from_json(form.fields[field_id], answers[field_id])
                values[report_id] = answers
        return values

    def _previous_values(
        self, snapshot: Snapshot, reports: Sequence[ReportRow]
    ) -> dict[int, dict[str, Any]]:
        """Last year's answers by organisation (the checks compare carried-over figures)."""
        org_ids = [r.org_id for r in reports]
        previous: list[ReportRow] = []
        for chunk in chunks(org_ids):
            for row in self.session.execute(
                sa.select(
                    Report.id, Report.org_id, Report.status, Report.kind, Report.agency
                ).where(Report.year == snapshot.year - 1, Report.org_id.in_(chunk))  # type: ignore[attr-defined]
            ):
                previous.append(ReportRow(*row))
        fields = sorted({f for r in reports for f in self.forms.previous_fields(r.kind)})
        values = self._values(previous, fields)
        return {r.org_id: values.get(r.id, {}) for r in previous}

    def _returned_comments(self, report_ids: Sequence[int]) -> dict[int, str]:
        comments: dict[int, str] = {}
        for chunk in chunks(list(report_ids)):
            for report_id, comment in self.session.execute(
                sa.select(ReportEvent.report_id, ReportEvent.comment)
                .where(
                    ReportEvent.report_id.in_(chunk),  # type: ignore[attr-defined]
                    ReportEvent.to_status == "returned",
                )
                .order_by(ReportEvent.at, ReportEvent.id)  # type: ignore[arg-type]
            ):
                if comment:
                    comments[report_id] = comment
                else:
                    comments.pop(report_id, None)
        return comments


def _answers_object(dialect: str) -> Any:
    """A report's answers as one JSON object {field id: value}, as text."""
    if dialect == "postgresql":
        aggregate = sa.func.json_object_agg(Answer.field_id, Answer.value)
        return sa.cast(aggregate, sa.Text)
    # SQLite keeps JSON as text; json() makes each value JSON again, not a quoted string.
    return sa.func.json_group_object(Answer.field_id, sa.func.json(Answer.value), type_=sa.Text)
