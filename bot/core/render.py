"""Filling the Word template.

`ReportRenderer` does docxtpl's work once per template instead of once per report: it runs
docxtpl's own tag clean-up (`patch_xml`) on every XML part that holds tags and compiles each
into a Jinja template (autoescaped) when it is created. A render is then one Jinja render per
part and a rewrite of the zip that copies every other part's compressed bytes
(`bot.core.docx_package`), which is what a bot that renders on demand needs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment, Template

from bot.core.checks import complete_values
from bot.core.docx_package import DocxPackage
from bot.core.form import ReportForm
from bot.core.values import Value, format_value, normalise_text

_TAG = re.compile(r"\{[{%#]")


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
            xml = _unescape_braces(xml)
        return xml.encode("utf-8")


class ReportRenderer:
    def __init__(self, template_path: Path) -> None:
        self.template_path = template_path
        self._package = DocxPackage(template_path)
        helper = DocxTemplate(template_path)
        env = Environment(autoescape=True)
        self._parts: dict[str, _Part] = {}
        for name in self._package.names:
            if not name.endswith(".xml"):
                continue
            xml = self._package.read(name).decode("utf-8")
            if not _TAG.search(xml):
                continue
            xml = helper.patch_xml(xml)
            # docxtpl compiles each paragraph on a line of its own (for its error messages)
            # and joins them after rendering; a newline already before a paragraph is dropped
            # too. Dropping it before compiling renders the same XML without a pass over it.
            xml = _PARAGRAPH_AFTER_NEWLINE.sub(r"<w:p\1", xml)
            markers = any(marker in xml for marker in _BRACE_MARKERS)
            self._parts[name] = _Part(name, env.from_string(xml), markers)

    def render(self, context: Mapping[str, Any]) -> bytes:
        """The report: the tagged parts rendered, every other part copied as compressed."""
        return self._package.write(
            {name: part.render(context) for name, part in self._parts.items()}
        )


_PARAGRAPH_AFTER_NEWLINE = re.compile(r"\n<w:p([ >])")
_BRACE_MARKERS = {"{_{": "{{", "}_}": "}}", "{_%": "{%", "%_}": "%}"}


def _unescape_braces(xml: str) -> str:
    for marker, brace in _BRACE_MARKERS.items():
        xml = xml.replace(marker, brace)
    return xml


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
) -> dict[str, Any]:
    """What the template reads: the title, every cell as printed, the texts as paragraphs."""
    completed = complete_values(form, values)
    cells = {
        field_id: format_value(completed.get(field_id), field_def.type)
        for field_id, field_def in form.fields.items()
        if field_def.numeric
    }
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
) -> bytes:
    context = report_context(
        form, agency=agency, year=year, values=values, draft=draft, draft_errors=draft_errors
    )
    return renderer_for(form).render(context)
