"""The compiled template kept on disk: the next process renders the same report from it, and a
changed template or a damaged entry never yields a wrong one."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from bot.core import template_cache
from bot.core.answers import AnswersFile, parse_answers
from bot.core.render import ReportRenderer, report_context


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return template_cache.cache_dir()


@pytest.fixture
def context(huaian: AnswersFile) -> dict:
    return report_context(
        huaian.form, agency=huaian.agency, year=huaian.year, values=parse_answers(huaian).values
    )


def document_xml(report: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(report)).read("word/document.xml")


def test_the_next_renderer_uses_the_cache_and_renders_the_same(
    cache: Path, huaian: AnswersFile, context: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ReportRenderer(huaian.form.template_path).render(context)
    assert len(list(cache.iterdir())) == 1

    def no_compiling(*args: object) -> None:
        raise AssertionError("compiled again despite the cache")

    monkeypatch.setattr(template_cache, "_compile", no_compiling)
    assert ReportRenderer(huaian.form.template_path).render(context) == first


def test_a_changed_template_is_compiled_again(
    cache: Path, huaian: AnswersFile, context: dict, tmp_path: Path
) -> None:
    template = tmp_path / "report.docx"
    shutil.copyfile(huaian.form.template_path, template)
    ReportRenderer(template).render(context)
    with zipfile.ZipFile(huaian.form.template_path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    added = "<w:p><w:r><w:t>{{ agency }}（修订）</w:t></w:r></w:p>".encode()
    head, sections, tail = parts["word/document.xml"].rpartition(b"<w:sectPr")
    parts["word/document.xml"] = head + added + sections + tail
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as changed:
        for name, data in parts.items():
            changed.writestr(name, data)
    report = ReportRenderer(template).render(context)
    assert f"{context['agency']}（修订）".encode() in document_xml(report)
    assert len(list(cache.iterdir())) == 2


def test_a_damaged_entry_is_ignored_and_replaced(
    cache: Path, huaian: AnswersFile, context: dict
) -> None:
    expected = ReportRenderer(huaian.form.template_path).render(context)
    (entry,) = cache.iterdir()
    entry.write_bytes(b"\x00not marshal data")
    assert ReportRenderer(huaian.form.template_path).render(context) == expected
    assert entry.read_bytes() != b"\x00not marshal data"


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, huaian: AnswersFile, context: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    report = ReportRenderer(huaian.form.template_path).render(context)
    assert b"<w:body>" in document_xml(report)
