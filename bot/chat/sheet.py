"""The whole report at once, for a front end that shows every table as a form (the web).

The walkthrough asks one row at a time; a sheet takes any cells in any order. Both save
through `storage.reports.save_answers` under the report's lock with the version the member
was shown, so a change someone else made meanwhile to the same cell is refused with the same
message, and both check cells with the same parser and messages (`bot.core.values`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat.after_answer import CONTENT_ONLY
from bot.chat.clock import today_in_settings_zone
from bot.chat.documents import Document, document_filename
from bot.chat.drafts import NOT_A_TEXT_SECTION, accept_draft, drafts_for
from bot.chat.paste import PasteProblem, PasteResult, parse_block
from bot.chat.paste_reader import table_rows
from bot.chat.state import ReportState
from bot.chat.views import previous_suggestion, progress
from bot.core.calendar import report_year_for
from bot.core.checks import Finding, complete_values
from bot.core.form import ReportForm, Section, load_form
from bot.core.render import render_report
from bot.core.values import Value, ValueProblem, format_value, parse_value
from storage import access, narratives, reports
from storage.db import begin_write, session_scope
from storage.errors import StorageError
from storage.models import Member, Report


@dataclass(frozen=True)
class Sheet:
    """A report as a page shows it: values, computed totals, findings by table."""

    report: Report
    state: ReportState
    completed: Mapping[str, Value]
    writable: bool

    @property
    def form(self) -> ReportForm:
        return self.state.form

    @property
    def progress(self) -> tuple[int, int]:
        return progress(self.state)

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        """Every check (the preview, generating); a table's own are cheaper to get."""
        return tuple(self.state.findings())

    def drafts(self, field_id: str) -> str:
        """The paragraphs of a text section drafted from the tables ('' while a table has
        blank cells), to offer beside the section."""
        return "\n".join(d.text for d in drafts_for(self.state, field_id))

    def shown(self, field_id: str) -> str:
        """A cell as the report prints it ('' while empty)."""
        value = self.completed.get(field_id)
        return "" if value is None else format_value(value, self.form.field(field_id).type)

    def section_findings(self, section: Section) -> list[Finding]:
        """The relations among this table's cells (blanks are listed in the preview). Only
        the relations that involve the table are run: a saved cell answers with these."""
        fields = self.form.section_fields(section.id)
        checks = set(self.form.section_checks(section.id))
        return [f for f in self.state.findings(checks) if f.fields and fields.issuperset(f.fields)]

    def text_findings(self, section: Section) -> list[Finding]:
        """The narrative checks of a text section (its length, what it must state)."""
        checks = set(self.form.content_checks) - CONTENT_ONLY
        return [f for f in self.state.findings(checks) if section.text_field in f.fields]

    def prefill(self, section: Section) -> dict[str, str]:
        """Cells still empty that last year's report fills (上年结转), as they would show."""
        shown: dict[str, str] = {}
        for question in self.state.questions:
            if question.section != section.id:
                continue
            suggestion = previous_suggestion(self.state, question)
            for field_id, value in (suggestion or {}).items():
                if self.state.values.get(field_id) is None:
                    shown[field_id] = format_value(value, self.form.field(field_id).type)
        return shown

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


@dataclass(frozen=True)
class SaveResult:
    """What a save did: cells refused (with what was typed), notes, or a conflict."""

    saved: tuple[str, ...] = ()
    problems: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    error: str | None = None
    version: int | None = None
    # The report as saved, when the caller asked for it (the page's script shows it at once).
    sheet: Sheet | None = None

    def flash(self) -> dict[str, Any]:
        """As a page shows it after the redirect."""
        return {
            "problems": self.problems,
            "typed": self.typed,
            "notes": list(self.notes),
            "error": self.error,
        }


class ReportSheet:
    def __init__(self, engine: Engine, *, today: Callable[[], date] = today_in_settings_zone):
        self.engine = engine
        self.today = today

    def current_report(self, member: Member, *, year: int | None = None) -> int:
        """The id of the member's organisation's report for `year` (this year's by default),
        created if missing."""
        with session_scope(self.engine) as session:
            year = year or report_year_for(self.today())
            report = reports.get_or_create_report(session, actor=member, year=year)
            assert report.id is not None
            return report.id

    def readable(self, member: Member, *, year: int | None = None) -> list[Report]:
        """The reports of `year` (this year's by default) the member may read: a supervisor's
        way into the reports of the organisations below them."""
        with session_scope(self.engine) as session:
            year = year or report_year_for(self.today())
            return reports.list_reports(session, actor=member, year=year)

    def load(self, member: Member, report_id: int) -> Sheet:
        with session_scope(self.engine) as session:
            return self._sheet(session, member, report_id)

    def _sheet(
        self, session: Session, member: Member, report_id: int, *, peers: bool = True
    ) -> Sheet:
        """Without `peers` (other organisations' texts), the copied-text check finds nothing:
        for a sheet that shows only a table's findings."""
        report = reports.get_report(session, actor=member, report_id=report_id)
        form = load_form(report.kind)
        values = reports.report_values(session, actor=member, report_id=report_id)
        previous = reports.previous_values(session, actor=member, report=report)
        # Other offices' texts through the year's index (bringing it up to date is a query over
        # the year's reports: skipped for a sheet that shows only a table's findings).
        others = (
            narratives.other_offices(session, year=report.year, exclude_org_id=report.org_id)
            if peers
            else ()
        )
        state = ReportState(
            form, report.agency, report.year, values, previous=previous, peers=others
        )
        try:
            access.check_write(session, member, report)
            writable = True
        except StorageError:
            writable = False
        return Sheet(report, state, complete_values(form, values), writable)

    def save(
        self,
        member: Member | Callable[[Session], Member],
        report_id: int,
        entries: Mapping[str, str],
        *,
        version: int,
        reload: bool = False,
    ) -> SaveResult:
        """Cells as typed (field id → text): each checked; the good ones saved together; an
        empty one cleared. With `reload`, the result carries the sheet as saved.

        `member` may be given as a function that finds them in the save's own transaction
        (the web reads its session row there). A cell holding a tab or a line break is a
        block pasted into it: laid onto its table from that cell.
        """
        with session_scope(self.engine) as session:
            # One write transaction: who saves, the report read under its lock once for the
            # parse and the save (as a chat answer is), and with `reload` the sheet as saved
            # (the answers this save left, last year's from the cache): one round trip to the
            # database per statement that must run, and one commit.
            begin_write(session)
            if not isinstance(member, Member):
                member = member(session)
            report = reports.get_report(session, actor=member, report_id=report_id)
            form = load_form(report.kind)
            values, problems, typed, notes = self._parse(form, entries)
            result = self._store(
                session, member, report_id, values, problems, typed, notes, version
            )
            if reload:
                # (After a refusal the transaction was rolled back: the sheet as others left it.)
                texts = any(f in form.text_fields for f in entries)
                sheet = self._sheet(session, member, report_id, peers=texts)
                result = replace(result, sheet=sheet)
            session.commit()
            return result

    def _parse(
        self, form: ReportForm, entries: Mapping[str, str]
    ) -> tuple[dict[str, Value | None], dict[str, str], dict[str, str], list[str]]:
        values: dict[str, Value | None] = {}
        problems: dict[str, str] = {}
        typed: dict[str, str] = {}
        notes: list[str] = []
        for field_id, text in entries.items():
            field_def = form.fields.get(field_id)
            if field_def is None or field_def.derived:
                problems[field_id] = f"“{field_id[:40]}”不是本报告可填写的单元格"
                continue
            if field_def.numeric and ("\t" in text or "\n" in text.strip()):
                pasted = self._paste_at(form, field_id, text)
                values.update(pasted.values)
                problems.update(pasted.problems)
                typed.update(pasted.typed)
                notes.extend(self._total_notes(form, pasted))
                continue
            if not text.strip():
                values[field_id] = None  # emptied: the cell is blank again
                continue
            try:
                values[field_id] = parse_value(field_def, text)
            except ValueProblem as exc:
                problems[field_id] = f"{field_def.label}：{exc}"
                typed[field_id] = text
        return values, problems, typed, notes

    def paste(
        self,
        member: Member,
        report_id: int,
        section_id: str,
        text: str,
        *,
        version: int,
        start_row: int = 0,
    ) -> SaveResult:
        """A block copied from Excel or WPS, laid onto a table from row `start_row`."""
        with session_scope(self.engine) as session:
            report = reports.get_report(session, actor=member, report_id=report_id)
            form = load_form(report.kind)
            try:
                section = form.section(section_id)
                pasted = parse_block(form, section, text, start_row=start_row)
            except KeyError:
                return SaveResult(error="没有这个部分。")
            except PasteProblem as exc:
                return SaveResult(error=f"未能粘贴：{exc}")
            notes = self._total_notes(form, pasted)
            if pasted.values and not pasted.problems:
                notes.insert(0, f"已粘贴{section.table}的 {len(pasted.values)} 格。")
            values: dict[str, Value | None] = dict(pasted.values)
            return self._store(
                session, member, report_id, values, pasted.problems, pasted.typed, notes, version
            )

    def use_previous(
        self, member: Member, report_id: int, section_id: str, *, version: int
    ) -> SaveResult:
        """沿用上年: last year's text for a narrative section still empty, or last year's
        结转下年度 as this year's 上年结转."""
        with session_scope(self.engine) as session:
            sheet = self._sheet(session, member, report_id)
            return self._use_previous(session, member, sheet, section_id, version)

    def use_draft(
        self, member: Member, report_id: int, section_id: str, *, version: int
    ) -> SaveResult:
        """按表格起草 → 采用: the paragraphs drafted from the tables put into a text section
        (replacing the ones drafted before), as the chat's 采用 does."""
        with session_scope(self.engine) as session:
            sheet = self._sheet(session, member, report_id)
            try:
                field_id = sheet.form.section(section_id).text_field
            except KeyError:
                return SaveResult(error="没有这个部分。")
            if not field_id:
                return SaveResult(error=NOT_A_TEXT_SECTION)
            outcome = accept_draft(sheet.state, field_id)
            notes = [reply.text for reply in outcome.replies]
            if not outcome.changes:
                return SaveResult(notes=tuple(notes), version=version)
            assert sheet.report.id is not None
            values = dict(outcome.changes)
            return self._store(session, member, sheet.report.id, values, {}, {}, notes, version)

    def _use_previous(
        self, session: Session, member: Member, sheet: Sheet, section_id: str, version: int
    ) -> SaveResult:
        try:
            section = sheet.form.section(section_id)
        except KeyError:
            return SaveResult(error="没有这个部分。")
        previous = sheet.state.previous or {}
        values: dict[str, Value | None] = {}
        if section.text_field:
            text = previous.get(section.text_field)
            if text and not sheet.state.values.get(section.text_field):
                values[section.text_field] = text
        else:
            for question in sheet.state.questions:
                if question.section == section_id:
                    values.update(previous_suggestion(sheet.state, question) or {})
        if not values:
            return SaveResult(error="没有可沿用的上年内容（或本部分已填写）。")
        note = ["已沿用上年内容，请据本年实际核对修改。"]
        assert sheet.report.id is not None
        return self._store(session, member, sheet.report.id, values, {}, {}, note, version)

    def _paste_at(self, form: ReportForm, field_id: str, text: str) -> PasteResult:
        section = form.section(form.field(field_id).section)
        for row_index, row in enumerate(table_rows(form, section)):
            if field_id in row:
                try:
                    return parse_block(
                        form, section, text, start_row=row_index, start_column=row.index(field_id)
                    )
                except PasteProblem as exc:
                    return PasteResult(
                        problems={field_id: f"未能粘贴：{exc}"}, typed={field_id: text}
                    )
        raise AssertionError(field_id)

    def _total_notes(self, form: ReportForm, pasted: PasteResult) -> list[str]:
        """A pasted 总计 that differs from the sum of the pasted cells: the total is computed."""
        computed = complete_values(form, pasted.values)
        notes = []
        for field_id, value in pasted.totals.items():
            if field_id in computed and computed[field_id] != value:
                field_def = form.field(field_id)
                notes.append(
                    f"{field_def.label}：粘贴的为 {format_value(value, field_def.type)}，"
                    f"各项之和为 {format_value(computed[field_id], field_def.type)}；"
                    "总计由系统按各项之和计算。"
                )
        return notes

    def _store(
        self,
        session: Session,
        member: Member,
        report_id: int,
        values: dict[str, Value | None],
        problems: dict[str, str],
        typed: dict[str, str],
        notes: list[str],
        version: int,
    ) -> SaveResult:
        if not values:
            return SaveResult(problems=problems, typed=typed, notes=tuple(notes), version=version)
        try:
            report = reports.save_answers(
                session,
                actor=member,
                report_id=report_id,
                values=values,
                raw={
                    f: str(v)[:200]
                    for f, v in values.items()
                    if v is not None and not isinstance(v, str)
                },
                expected_version=version,
            )
        except StorageError as exc:
            kept = {f: typed.get(f, "" if v is None else str(v)) for f, v in values.items()}
            return SaveResult(
                problems=problems, typed={**kept, **typed}, notes=tuple(notes), error=str(exc)
            )
        return SaveResult(tuple(values), problems, typed, tuple(notes), version=report.version)

    def generate(self, member: Member, report_id: int) -> tuple[Document, list[Finding]]:
        """The Word report after all checks: final when none is an error, else a marked draft."""
        sheet = self.load(member, report_id)
        report = sheet.report
        errors = sheet.errors
        content = render_report(
            sheet.form,
            agency=report.agency,
            year=report.year,
            values=sheet.state.values,
            draft=bool(errors),
            draft_errors=len(errors),
        )
        filename = document_filename(sheet.form, agency=report.agency, year=report.year)
        if errors:
            filename = filename.removesuffix(".docx") + "（草稿）.docx"
        title = sheet.form.document_title_for(agency=report.agency, year=report.year)
        return Document(filename, content, title), list(sheet.findings)
