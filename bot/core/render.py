"""Filling the Word template.

`ReportRenderer` does docxtpl's work once per template instead of once per report: it runs
docxtpl's own tag clean-up (`patch_xml`) on every XML part that holds tags and compiles each
into a Jinja template (autoescaped) when it is created. A render is then one Jinja render per
part and a rewrite of the zip, which is what a bot that renders on demand needs.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment, Template

from bot.core.cell_fit import fit_run_properties
from bot.core.checks import complete_values
from bot.core.docx_package import finish_report
from bot.core.draft_marks import cell_shading, with_refused
from bot.core.form import ReportForm
from bot.core.values import Value, format_value, normalise_text

_TAG = re.compile(r"\{[{%#]")


@dataclass(frozen=True)
class _Part:
    name: str
    template: Template


class ReportRenderer:
    def __init__(self, template_path: Path) -> None:
        self.template_path = template_path
        with zipfile.ZipFile(template_path) as archive:
            self._entries = [(info, archive.read(info)) for info in archive.infolist()]
        helper = DocxTemplate(template_path)
        env = Environment(autoescape=True)
        self._parts: dict[str, _Part] = {}
        for info, data in self._entries:
            if not info.filename.endswith(".xml"):
                continue
            xml = data.decode("utf-8")
            if not _TAG.search(xml):
                continue
            xml = helper.patch_xml(xml)
            # docxtpl puts each paragraph on its own line before compiling (render_xml_part).
            xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
            self._parts[info.filename] = _Part(info.filename, env.from_string(xml))

    def render(self, context: Mapping[str, Any]) -> bytes:
        rendered = {
            name: _finish(part.template.render(context)) for name, part in self._parts.items()
        }
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in self._entries:
                body = (
                    rendered[info.filename].encode("utf-8") if info.filename in rendered else data
                )
                archive.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()


def _finish(xml: str) -> str:
    """docxtpl's post-render clean-up: undo the line breaks and its escaped-brace markers."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    return xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")


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
    return finish_report(
        renderer_for(form).render(context),
        title=context["title"],
        author=context["agency"],
        draft_note=context["draft_note"] if draft else None,
    )
