"""A report published as a text PDF, in the reader's model (pdfplumber).

Tables are found by their ruling lines (`pdf_tables`: a table over several pages is one
grid). The text outside the tables is joined back into paragraphs (a line running to the
right margin continues into the next one). Page numbers are dropped.

A PDF without a text layer (a scan) is refused: no OCR is done. Limits: file size, page
count, characters per page, and a reading deadline checked page by page (cooperative: one
page is never interrupted).
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from bot.core.reader.labels import normalise_label
from bot.core.reader.layout import Block, Paragraph
from bot.core.reader.package import DocxReadError
from bot.core.reader.pdf_tables import TablePart, table_grid

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 60
MAX_PDF_SECONDS = 20.0
# A page of a report holds a few thousand characters; far more is not a report page and
# would take long to lay out.
MAX_PAGE_CHARS = 50_000
# Lines that are only a page number: "- 3 -", "—3—", "第 3 页", "3/10".
_PAGE_NUMBER = re.compile(r"[-—－\s]*(?:第\s*)?\d+\s*(?:页|/\s*\d+)?(?:\s*共\s*\d+\s*页)?[-—－\s]*")
_SCANNED = (
    "该 PDF 文件是扫描或拍照生成的图片，没有可读取的文字；本系统不做文字识别（OCR）。"
    "请上传报告的 Word（.docx）文件、政府网站上的网页，或由 Word/WPS 直接导出的 PDF"
)


def pdf_blocks(data: bytes, headings: frozenset[str] = frozenset()) -> list[Block]:
    """Paragraphs and tables of every page, top to bottom; a line that is one of `headings`
    (normalised) is a paragraph of its own."""
    if len(data) > MAX_PDF_BYTES:
        raise DocxReadError(
            f"PDF 文件过大（超过 {MAX_PDF_BYTES // (1024 * 1024)} MB），请上传 Word 或网页版报告"
        )
    deadline = time.monotonic() + MAX_PDF_SECONDS
    items: list[Paragraph | list[TablePart]] = []  # a table as its parts, page by page
    chars = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if not pdf.pages:
                raise DocxReadError("PDF 文件中没有页面，无法读取")
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise DocxReadError(f"PDF 文件超过 {MAX_PDF_PAGES} 页，不像是一份年度报告，未读取")
            for page in pdf.pages:
                if time.monotonic() > deadline:
                    raise DocxReadError(
                        f"PDF 文件在 {MAX_PDF_SECONDS:.0f} 秒内未能读完（结构过于复杂），"
                        "请上传 Word 或网页版报告"
                    )
                if len(page.chars) > MAX_PAGE_CHARS:
                    raise DocxReadError(
                        f"PDF 文件第 {page.page_number} 页的文字过多"
                        f"（超过 {MAX_PAGE_CHARS} 个字符），不像是年度报告，未读取"
                    )
                chars += len(page.chars)
                page_items = _page_items(page, headings)
                if page_items and items:
                    before, first = items[-1], page_items[0]
                    if (
                        isinstance(before, list)
                        and isinstance(first, TablePart)
                        and before[-1].continued_by(first)
                    ):
                        before.append(first)
                        page_items.pop(0)
                items += [[i] if isinstance(i, TablePart) else i for i in page_items]
                page.flush_cache()
    except DocxReadError:
        raise
    except (PdfminerException, PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        reason = "已加密" if "password" in str(exc).lower() or "encrypt" in str(exc).lower() else ""
        if reason:
            raise DocxReadError("PDF 文件已加密，无法读取；请上传未加密的文件") from exc
        raise DocxReadError("PDF 文件已损坏，无法读取") from exc
    if chars == 0:
        raise DocxReadError(_SCANNED)
    return [table_grid(i) if isinstance(i, list) else i for i in items]


def _page_items(page: Any, headings: frozenset[str]) -> list[Paragraph | TablePart]:
    """The page's paragraphs and tables, top to bottom."""
    tables = page.find_tables()
    placed: list[tuple[float, Paragraph | TablePart]] = [
        (t.bbox[1], TablePart.of(t)) for t in tables
    ]
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    lines = page.filter(outside).extract_text_lines(return_chars=False)
    lines = [ln for ln in lines if not _PAGE_NUMBER.fullmatch(ln["text"])]
    placed += _paragraphs(lines, headings)
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _paragraphs(
    lines: list[dict[str, Any]], headings: frozenset[str]
) -> list[tuple[float, Paragraph]]:
    """Lines joined into paragraphs: a line that runs to the right margin and is followed by
    one starting at the left margin (no indent) continues into it, unless either is a heading."""
    if not lines:
        return []
    left = min(ln["x0"] for ln in lines)
    right = max(ln["x1"] for ln in lines)
    out: list[tuple[float, Paragraph]] = []
    current: list[dict[str, Any]] = []
    for line in lines:
        if current:
            before = current[-1]
            size = max(before["bottom"] - before["top"], 1.0)
            runs_on = before["x1"] >= right - 1.5 * size and line["x0"] <= left + 0.5 * size
            close = line["top"] - before["bottom"] < 1.5 * size
            heading = normalise_label(line["text"]) in headings or (
                normalise_label(before["text"]) in headings
            )
            if not (runs_on and close) or heading:
                out.append(_paragraph(current))
                current = []
        current.append(line)
    out.append(_paragraph(current))
    return out


def _paragraph(lines: list[dict[str, Any]]) -> tuple[float, Paragraph]:
    return lines[0]["top"], Paragraph("".join(ln["text"].strip() for ln in lines))
