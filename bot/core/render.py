"""Filling the Word template.

`ReportRenderer` does docxtpl's work once per template instead of once per report: docxtpl's
own tag clean-up (`patch_xml`) on every XML part that holds tags, each compiled into a Jinja
template (autoescaped), and the compiled code kept on disk for the next process
(`bot.core.template_cache`). A render is then one Jinja render per
part and a rewrite of the zip that copies every other part's compressed bytes
(`bot.core.docx_zip`), which is what a bot that renders on demand needs. The report's own
properties and a draft's page headers (`bot.core.docx_package.report_parts`) go into the same
single write.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, Template

from bot.core.cell_fit import fit_run_properties
from bot.core.checks import complete_values
from bot.core.docx_package import report_parts
from bot.core.docx_zip import DocxPackage
from bot.core.draft_marks import cell_shading, with_refused
from bot.core.form import ReportForm
from bot.core.template_cache import BRACE_MARKERS, compiled_parts
from bot.core.values import Value, format_value, normalise_text


@dataclass(frozen=True)
class _Part:
    name: str
    template: Template
    # docxtpl's escaped-brace markers ({_{ for a literal {{): undone only where the
    # template has them, so a user's text is never touched.
    has_brace_markers: bool

    def render(self, context: Mapping[str, Any]) -> bytes:
        xml = self.template.render(context)
        if self.has_brace_markers:
            for marker, brace in BRACE_MARKERS.items():
                xml = xml.replace(marker, brace)
        return xml.encode("utf-8")


class ReportRenderer:
    def __init__(self, template_path: Path) -> None:
        self.template_path = template_path
        self._package = DocxPackage(template_path)
        env = Environment(autoescape=True)
        self._parts = {
            part.name: _Part(
                part.name,
                env.template_class.from_code(env, part.code, env.make_globals(None)),
                part.has_brace_markers,
            )
            for part in compiled_parts(template_path, self._package)
        }

    @property
    def part_names(self) -> list[str]:
        return self._package.names

    def render(
        self, context: Mapping[str, Any], *, extra: Mapping[str, bytes] | None = None
    ) -> bytes:
        """The report: the tagged parts rendered, `extra` parts put in as given, every other
        part copied as compressed."""
        rendered = {name: part.render(context) for name, part in self._parts.items()}
        return self._package.write({**rendered, **(extra or {})})


_renderers: dict[Path, ReportRenderer] = {}
_renderers_lock = threading.Lock()


def renderer_for(form: ReportForm) -> ReportRenderer:
    """One warm renderer per template, shared by every render in the process."""
    path = form.template_path
    with _renderers_lock:
        if path not in _renderers:
            _renderers[path] = ReportRenderer(path)
        return _renderers[path]


def report_context(
    form: ReportForm,
    *,
    agency: str,
    year: int,
    values: Mapping[str, Value],
    draft_errors: int = 0,
    draft: bool = False,
    error_fields: Collection[str] = (),
    refused: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What the template reads: the title, every cell as printed, the texts as paragraphs.

    A draft also shows what is wrong: `error_fields` (cells named by failed checks) and blank
    cells are shaded, `refused` (field id -> the text the form did not accept) is printed in
    its cell (bot/core/draft_marks.py)."""
    completed = complete_values(form, values)
    cells = {
        field_id: format_value(completed.get(field_id), field_def.type)
        for field_id, field_def in form.fields.items()
        if field_def.numeric
    }
    if draft and refused:
        cells = with_refused(cells, {k: normalise_text(t) for k, t in refused.items()})
        error_fields = {*error_fields, *refused}
    texts = {
        section.id: _paragraphs(completed.get(section.text_field or ""))
        for section in form.sections
        if section.text_field
    }
    note = "草稿"
    if draft_errors:
        note = f"草稿（尚有 {draft_errors} 项校验错误未改正，仅供核对，不得作为正式报告发布）"
    agency = normalise_text(agency)
    return {
        "title": form.document_title_for(agency=agency, year=year),
        "agency": agency,
        "year": year,
        "v": cells,
        "fit": fit_run_properties,
        "shade": cell_shading(cells, draft=draft, error_fields=error_fields),
        "text": texts,
        "draft": draft,
        "draft_note": note,
    }


def _paragraphs(value: Value | None) -> list[str]:
    if not isinstance(value, str):
        return []
    return [line.strip() for line in normalise_text(value).split("\n") if line.strip()]


def render_report(
    form: ReportForm,
    *,
    agency: str,
    year: int,
    values: Mapping[str, Value],
    draft: bool = False,
    draft_errors: int = 0,
    error_fields: Collection[str] = (),
    refused: Mapping[str, str] | None = None,
) -> bytes:
    context = report_context(
        form,
        agency=agency,
        year=year,
        values=values,
        draft=draft,
        draft_errors=draft_errors,
        error_fields=error_fields,
        refused=refused,
    )
    renderer = renderer_for(form)
    extra = report_parts(
        renderer.part_names,
        title=context["title"],
        author=context["agency"],
        draft_note=context["draft_note"] if draft else None,
    )
    return renderer.render(context, extra=extra)
