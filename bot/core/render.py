"""Filling the Word template.

`ReportRenderer` does docxtpl's work once per template instead of once per report: docxtpl's
own tag clean-up (`patch_xml`) on every XML part that holds tags, each compiled into a Jinja
template, and the compiled code kept on disk for the next process (`bot.core.template_cache`).
A render is then one Jinja render per part and a rewrite of the zip that copies every other
part's compressed bytes (`bot.core.docx_zip`), which is what a bot that renders on demand
needs. The report's own properties and a draft's page headers
(`bot.core.docx_package.report_parts`) go into the same single write.

What the template would do per cell is done before rendering, in plain Python: the context's
texts escaped once (`bot.core.xml_context`; the parts are compiled without autoescape) and
each cell's fitted run properties computed (its `fit` tag is a lookup). The XML is the same,
byte for byte, as the autoescaped template gives (tests/core/test_render_identity.py).
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
from bot.core.template_cache import BRACE_MARKERS, FITTED, compiled_parts
from bot.core.values import Value, format_value, normalise_text
from bot.core.xml_context import escaped, escaped_context


@dataclass(frozen=True)
class _Part:
    name: str
    template: Template
    # docxtpl's escaped-brace markers ({_{ for a literal {{): undone only where the
    # template has them, so a user's text is never touched.
    has_brace_markers: bool
    # The part's fit tags: key -> (field id, cell width in pt) (bot/core/template_cache.py).
    fitted_cells: Mapping[str, tuple[str, float]]

    def render(self, context: Mapping[str, Any], printable: Mapping[str, Any]) -> bytes:
        """The part's XML from the report's `context` and `printable`, the same escaped."""
        if self.fitted_cells:
            printable = {**printable, FITTED: self._fitted(context)}
        xml = self.template.render(printable)
        if self.has_brace_markers:
            for marker, brace in BRACE_MARKERS.items():
                xml = xml.replace(marker, brace)
        return xml.encode("utf-8")

    def _fitted(self, context: Mapping[str, Any]) -> Any:
        """What each `fit(v[field], width)` tag would print, from the unescaped figures."""
        fit, cells = context["fit"], context["v"]
        return escaped(
            {
                key: fit(cells.get(field_id), width)
                for key, (field_id, width) in self.fitted_cells.items()
            }
        )


class ReportRenderer:
    def __init__(self, template_path: Path) -> None:
        self.template_path = template_path
        self._package = DocxPackage(template_path)
        env = Environment(autoescape=False)  # the context comes escaped
        self._parts = {
            part.name: _Part(
                part.name,
                env.template_class.from_code(env, part.code, env.make_globals(None)),
                part.has_brace_markers,
                part.fitted_cells,
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
        # Functions are not given to the template: the one it calls, `fit`, is called before.
        printable = escaped_context({k: v for k, v in context.items() if not callable(v)})
        rendered = {name: part.render(context, printable) for name, part in self._parts.items()}
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
