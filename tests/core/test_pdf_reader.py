"""Reading reports published as PDF: hand-made Word files and portal pages printed to PDF by
LibreOffice (skipped where soffice is absent), scans refused, hostile files refused."""

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli import app
from bot.core.answers import AnswersFile, load_answers
from bot.core.reader import DocxReadError, read_report
from bot.core.reader import pdf as reader_pdf
from bot.core.reader.pdf_tables import unwrap_number
from tests.core.conftest import SAMPLE_PATHS
from tests.core.handmade_docx import Layout
from tests.core.handmade_html import Shape
from tests.core.reading_support import assert_reads_back, handmade, page, print_pdfs

runner = CliRunner()

# Word files and web pages, each printed to PDF; the name says which.
SOURCES = {
    **{f"{p.stem}.docx": Layout() for p in SAMPLE_PATHS},
    # The article as a page without the site's navigation, sidebar and footer (a PDF has no
    # markup to tell them from the report).
    **{f"{p.stem}-page.html": Shape(encoding="gbk", chrome=False) for p in SAMPLE_PATHS},
    "huaian-szf-2024-layouts.docx": Layout(
        group_in_first_row=True,
        relabel=lambda t: t.replace("总计", "合计"),
        signature=("淮安市人民政府办公室", "2025年1月20日"),
    ),
}


def _source(name: str) -> tuple[AnswersFile, bytes]:
    stem = name.split(".")[0].removesuffix("-page").removesuffix("-layouts")
    answers = load_answers(next(p for p in SAMPLE_PATHS if p.stem == stem))
    spec = SOURCES[name]
    return answers, page(answers, spec) if isinstance(spec, Shape) else handmade(answers, spec)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every source printed to PDF in one LibreOffice run."""
    folder = tmp_path_factory.mktemp("pdf")
    for name in SOURCES:
        (folder / name).write_bytes(_source(name)[1])
    if not print_pdfs([folder / n for n in SOURCES], folder):
        pytest.skip("LibreOffice (soffice) is not installed")
    return folder


@pytest.mark.parametrize("name", SOURCES)
def test_printed_reports_read_back(printed: Path, name: str) -> None:
    """Tables broken over pages, rows broken at a page end, figures LibreOffice wraps in the
    narrow columns of table 四 ("17" over "8"): all read back."""
    answers, _ = _source(name)
    assert_reads_back(read_report(printed / (Path(name).stem + ".pdf")), answers)


def chars(*placed: tuple[str, float, float]) -> list[dict[str, object]]:
    """Characters 7 points wide at (x0, top)."""
    return [
        {"text": t, "x0": x, "x1": x + 7, "top": top, "bottom": top + 10} for t, x, top in placed
    ]


@pytest.mark.parametrize(
    ("placed", "text"),
    [
        # Full first line: "17" then "8" would not fit before the right padding: one number.
        ((("1", 147.7, 638), ("7", 154.7, 638), ("8", 147.7, 651)), "178"),
        # Room left on the first line: two numbers stacked, left as they are (listed).
        ((("1", 147.7, 638), ("7", 154.7, 638), ("8", 147.7, 651)), "17\n8"),
    ],
    ids=["wrapped", "stacked"],
)
def test_a_number_is_joined_only_where_the_cell_wrapped_it(
    placed: tuple[tuple[str, float, float], ...], text: str
) -> None:
    box = (142.0, 639.0, 171.0 if text == "178" else 200.0, 665.0)
    page = SimpleNamespace(chars=chars(*placed))
    assert unwrap_number(page, box, "17\n8") == text


def test_report_read_and_check_take_a_pdf(printed: Path) -> None:
    path = printed / "tongjiang-gxkjj-2020.pdf"
    result = runner.invoke(app, ["report", "read", str(path)])
    assert result.exit_code == 0, result.output
    assert "kind: gov-disclosure-2019" in result.stdout
    checked = runner.invoke(app, ["check", str(path), "--json"])
    assert checked.exit_code == 0, checked.output


def image_pdf(pages: int = 1) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", (595, 842), "white") for _ in range(pages)]
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def test_a_scanned_pdf_is_refused_saying_no_ocr_is_done() -> None:
    with pytest.raises(DocxReadError, match="不做文字识别（OCR）"):
        read_report(image_pdf())
    with pytest.raises(DocxReadError, match="不是年度报告"):
        read_report(text_pdf())  # a text layer, but not a report


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n" + b"garbage" * 100, "PDF 文件已损坏"),
        (
            b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
            "没有页面",
        ),
    ],
)
def test_broken_pdfs_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(DocxReadError, match=message):
        read_report(data)


def text_pdf(text: str = "report") -> bytes:
    """A one-page PDF with a line of text in Helvetica, written out by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_pdf, "MAX_PDF_PAGES", 2)
    with pytest.raises(DocxReadError, match="超过 2 页"):
        read_report(image_pdf(3))
    monkeypatch.setattr(reader_pdf, "MAX_PDF_BYTES", 100)
    with pytest.raises(DocxReadError, match="PDF 文件过大"):
        read_report(image_pdf())
    monkeypatch.setattr(reader_pdf, "MAX_PDF_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(reader_pdf, "MAX_PAGE_CHARS", 3)
    with pytest.raises(DocxReadError, match="第 1 页的文字过多"):
        read_report(text_pdf())
    monkeypatch.setattr(reader_pdf, "MAX_PDF_SECONDS", -1.0)
    with pytest.raises(DocxReadError, match="秒内未能读完"):
        read_report(image_pdf())
