"""The warm renderer prints exactly what the autoescaped template prints, byte for byte.

It compiles the template without autoescape and escapes the context itself, and computes
each cell's fitted run properties before rendering (bot/core/render.py); the reference is
docxtpl's own rendering of the same part with Jinja's autoescape, as the renderer worked
before: the samples, the widest figures, drafts with marks, and hostile text everywhere a
member's text goes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from docxtpl import DocxTemplate
from jinja2 import Environment
from markupsafe import Markup

from bot.core.answers import AnswersFile, parse_answers
from bot.core.render import render_report, report_context
from bot.core.xml_context import escaped, escaped_context
from tests.core.support import widest_values

DOCUMENT = "word/document.xml"
HOSTILE = "<script>&amp; \"引号\" 'a' ]]><w:p/>{{ agency }} {% if 1 %}"


def autoescaped_document(answers: AnswersFile, options: dict[str, Any]) -> bytes:
    context = report_context(answers.form, **options)
    helper = DocxTemplate(answers.form.template_path)
    with zipfile.ZipFile(answers.form.template_path) as template:
        xml = helper.patch_xml(template.read(DOCUMENT).decode("utf-8"))
    env = Environment(autoescape=True)
    return helper.render_xml_part(xml, None, context, env).encode("utf-8")


def final(answers: AnswersFile) -> dict[str, Any]:
    values = parse_answers(answers).values
    return {"agency": answers.agency, "year": answers.year, "values": values}


def widest(answers: AnswersFile) -> dict[str, Any]:
    return final(answers) | {"values": widest_values(answers.form)}


def widest_draft(answers: AnswersFile) -> dict[str, Any]:
    wrong = list(answers.form.numeric_fields)[:6]
    return widest(answers) | {"draft": True, "draft_errors": 2, "error_fields": set(wrong)}


def hostile_draft(answers: AnswersFile) -> dict[str, Any]:
    """Blank cells, cells in error, refused values and the texts all carrying markup."""
    form = answers.form
    fields = list(form.numeric_fields)
    values = {k: v for k, v in parse_answers(answers).values.items() if k not in fields[2:9]}
    text_field = next(s.text_field for s in form.sections if s.text_field)
    return {
        "agency": f"测试<局>&{HOSTILE}",
        "year": answers.year,
        "values": values | {text_field: f"{HOSTILE}\n第二段 & <b>"},
        "draft": True,
        "draft_errors": 3,
        "error_fields": set(fields[10:13]),
        "refused": {fields[2]: "12<件>&3", fields[3]: '"9"', fields[4]: HOSTILE},
    }


CASES: dict[str, Callable[[AnswersFile], dict[str, Any]]] = {
    "final": final,
    "widest": widest,
    "widest-draft": widest_draft,
    "hostile-draft": hostile_draft,
}


@pytest.mark.parametrize("case", CASES)
def test_warm_render_is_byte_identical_to_the_autoescaped_template(
    sample: AnswersFile, case: str
) -> None:
    options = CASES[case](sample)
    report = render_report(sample.form, **options)
    ours = zipfile.ZipFile(io.BytesIO(report)).read(DOCUMENT)
    assert ours == autoescaped_document(sample, options)


def test_hostile_text_reaches_the_xml_only_escaped(tongjiang: AnswersFile) -> None:
    report = render_report(tongjiang.form, **hostile_draft(tongjiang))
    xml = zipfile.ZipFile(io.BytesIO(report)).read(DOCUMENT).decode("utf-8")
    assert "<script>" not in xml and "]]><w:p/>" not in xml and "<局>" not in xml
    assert "&lt;script&gt;&amp;amp; &#34;引号&#34; &#39;a&#39;" in xml
    assert "12&lt;件&gt;&amp;3" in xml  # a refused figure, printed in its cell
    assert "{{ agency }} {% if 1 %}" in xml  # printed as typed, never run


def test_the_escaped_context_escapes_every_text_and_keeps_markup() -> None:
    shading = Markup('<w:shd w:fill="F4CCCC"/>')
    context = {
        "agency": "A&B",
        "year": 2024,
        "v": {"a": "1,234", "b": "<x>"},
        "shade": {"a": shading},
        "text": {"s1": ["'q'", "plain"]},
        "draft": False,
        "note": None,
    }
    assert escaped_context(context) == {
        "agency": "A&amp;B",
        "year": 2024,
        "v": {"a": "1,234", "b": "&lt;x&gt;"},
        "shade": {"a": shading},
        "text": {"s1": ["&#39;q&#39;", "plain"]},
        "draft": False,
        "note": None,
    }


@pytest.mark.parametrize("value", [object(), len, {"cells": [b"<bytes>"]}])
def test_the_escaped_context_refuses_what_it_cannot_make_safe(value: object) -> None:
    with pytest.raises(TypeError):
        escaped(value)
