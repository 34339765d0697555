"""Word to PDF: the converter's queue and timeout, the fonts it maps, what users read when
LibreOffice is missing, and `nianbao render --pdf`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.core.pdf as pdf_module
from bot.cli import app
from bot.config import get_settings
from bot.core.answers import AnswersFile, parse_answers
from bot.core.pdf import (
    MISSING_LIBREOFFICE,
    LibreOfficeMissing,
    PdfConverter,
    PdfError,
    fontconfig_file,
    make_converter,
)
from bot.core.render import render_report
from tests.core.pdf_pages import pdf_pages

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
runner = CliRunner()


def report(answers: AnswersFile) -> bytes:
    values = parse_answers(answers).values
    return render_report(answers.form, agency=answers.agency, year=answers.year, values=values)


def fc_match(config: Path, family: str) -> str:
    result = subprocess.run(
        ["fc-match", "--format=%{family[0]}", family],
        env={"FONTCONFIG_FILE": str(config), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig tools not installed")
def test_official_fonts_map_to_the_simplified_chinese_faces(tmp_path: Path) -> None:
    config = fontconfig_file(tmp_path, None)
    serif = {"仿宋_GB2312", "方正小标宋简体", "楷体_GB2312", "宋体"}
    assert {name: fc_match(config, name) for name in serif} == dict.fromkeys(
        serif, "Noto Serif CJK SC"
    )
    assert fc_match(config, "黑体") == "Noto Sans CJK SC"


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig tools not installed")
def test_licensed_fonts_directory_is_searched(tmp_path: Path) -> None:
    licensed = tmp_path / "licensed"
    licensed.mkdir()
    source = next(Path("/usr/share/fonts").rglob("*.ttf"))
    shutil.copy(source, licensed / "agency-font.ttf")
    config = fontconfig_file(tmp_path, licensed)
    listed = subprocess.run(
        ["fc-list", "--format=%{file}\n"],
        env={"FONTCONFIG_FILE": str(config), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(licensed / "agency-font.ttf") in listed.splitlines()


def test_missing_libreoffice_is_said_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(LibreOfficeMissing) as caught:
        make_converter(soffice=str(tmp_path / "no-soffice"))
    assert str(caught.value) == MISSING_LIBREOFFICE
    assert "LibreOffice" in str(caught.value) and "Word 报告不受影响" in str(caught.value)


def test_a_conversion_past_its_timeout_is_cut_off(tongjiang: AnswersFile) -> None:
    try:
        converter = make_converter(mode="soffice", timeout=0.01)
    except LibreOfficeMissing:
        pytest.skip("LibreOffice is not installed")
    try:
        with pytest.raises(PdfError, match=r"超过 0\.01 秒未完成"):
            converter.convert(report(tongjiang))
    finally:
        converter.close()
    assert converter.directory is not None and not converter.directory.exists()


def processes_under(directory: Path) -> list[str]:
    """The command lines of running processes that name `directory` (a worker's profile)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
            if entry.name.isdigit() and str(directory) in command:
                found.append(command)
    return found


def test_a_warm_server_that_stops_answering_is_ended(tongjiang: AnswersFile) -> None:
    try:
        converter = make_converter(mode="unoserver", timeout=1)
    except PdfError:
        pytest.skip("no LibreOffice with a Python that imports uno")
    try:
        converter.warm()
        (worker,) = converter.workers
        assert isinstance(worker, pdf_module.UnoserverWorker) and worker.process is not None
        os.kill(worker.process.pid, signal.SIGSTOP)  # the server hangs, LibreOffice runs on
        with pytest.raises(PdfError, match="未完成或转换出错"):
            converter.convert(report(tongjiang))
        assert converter.directory is not None
        assert processes_under(converter.directory) == []
        # The next request starts a fresh LibreOffice (whose first document takes longer).
        converter.timeout = 60
        assert converter.convert(report(tongjiang)).startswith(b"%PDF")
    finally:
        converter.close()


def test_requests_queue_for_the_worker_and_all_get_their_pdf(
    pdf_converter: PdfConverter, huaian: AnswersFile, tongjiang: AnswersFile
) -> None:
    documents = [report(huaian), report(tongjiang)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(pdf_converter.convert, documents))
    first_pages = ["".join(pdf_pages(p)[0].texts()) for p in pdfs]
    assert first_pages[0].startswith(f"{huaian.agency}2024年政府信息公开工作年度报告")
    assert first_pages[1].startswith(f"{tongjiang.agency}2020年政府信息公开工作年度报告")


@pytest.fixture
def shared_converter(monkeypatch: pytest.MonkeyPatch, pdf_converter: PdfConverter) -> None:
    """`nianbao render --pdf` on the session's LibreOffice."""
    monkeypatch.setattr(pdf_module, "_shared", pdf_converter)


@pytest.mark.usefixtures("shared_converter")
def test_render_pdf_writes_the_pdf_beside_the_docx(tmp_path: Path) -> None:
    out = tmp_path / "report.docx"
    result = runner.invoke(
        app, ["render", str(SAMPLES / "hongze-qzf-2024.yaml"), "-o", str(out), "--pdf"]
    )
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "report.pdf"
    assert str(pdf) in result.output
    pages = pdf_pages(pdf.read_bytes())
    assert "四、政府信息公开行政复议、行政诉讼情况" in [w for p in pages for w in p.texts()]


def test_render_pdf_without_libreoffice_keeps_the_docx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIANBAO_PDF", "auto")
    monkeypatch.setenv("NIANBAO_SOFFICE", str(tmp_path / "no-soffice"))
    monkeypatch.setattr(pdf_module, "_shared", None)
    get_settings.cache_clear()
    try:
        out = tmp_path / "report.docx"
        result = runner.invoke(
            app, ["render", str(SAMPLES / "hongze-qzf-2024.yaml"), "-o", str(out), "--pdf"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert MISSING_LIBREOFFICE in result.output
    assert out.exists() and not out.with_suffix(".pdf").exists()


def test_warm_starts_libreoffice_before_the_first_request(pdf_converter: PdfConverter) -> None:
    if pdf_converter.kind != "unoserver":
        pytest.skip("no Python with LibreOffice's uno module: conversions run cold")
    pdf_converter.warm()
    for worker in pdf_converter.workers:
        assert isinstance(worker, pdf_module.UnoserverWorker)
        assert worker.process is not None and worker.process.poll() is None
