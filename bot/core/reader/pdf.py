"""A report published as a text PDF, in the reader's model (pdfplumber).

Tables are found by their ruling lines; a merged cell is placed in every row and column its
box covers, as in a Word grid. The text outside the tables is joined back into paragraphs
(a line running to the right margin continues into the next one). Page numbers are dropped.

A PDF without a text layer (a scan) is refused: no OCR is done. Limits: file size, page
count, and a reading deadline checked page by page.
"""

from __future__ import annotations

import io
import re
import time
from collections import defaultdict
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from bot.core.reader.layout import Block, Cell, Grid, Paragraph, make_grid, new_cell
from bot.core.reader.package import DocxReadError

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 60
MAX_PDF_SECONDS = 20.0
# Lines that are only a page number: "- 3 -", "—3—", "第 3 页", "3/10".
_PAGE_NUMBER = re.compile(r"[-—－\s]*(?:第\s*)?\d+\s*(?:页|/\s*\d+)?(?:\s*共\s*\d+\s*页)?[-—－\s]*")
_SCANNED = (
    "该 PDF 文件是扫描或拍照生成的图片，没有可读取的文字；本系统不做文字识别（OCR）。"
    "请上传报告的 Word（.docx）文件、政府网站上的网页，或由 Word/WPS 直接导出的 PDF"
)


def pdf_blocks(data: bytes) -> list[Block]:
    """Paragraphs and tables of every page, top to bottom."""
    if len(data) > MAX_PDF_BYTES:
        raise DocxReadError(
            f"PDF 文件过大（超过 {MAX_PDF_BYTES // (1024 * 1024)} MB），请上传 Word 或网页版报告"
        )
    deadline = time.monotonic() + MAX_PDF_SECONDS
    blocks: list[Block] = []
    chars = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise DocxReadError(f"PDF 文件超过 {MAX_PDF_PAGES} 页，不像是一份年度报告，未读取")
            for page in pdf.pages:
                if time.monotonic() > deadline:
                    raise DocxReadError(
                        f"PDF 文件在 {MAX_PDF_SECONDS:.0f} 秒内未能读完（结构过于复杂），"
                        "请上传 Word 或网页版报告"
                    )
                chars += len(page.chars)
                blocks += _page_blocks(page)
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
    return blocks


def _page_blocks(page: Any) -> list[Block]:
    tables = page.find_tables()
    placed: list[tuple[float, Block]] = [(t.bbox[1], _grid(t)) for t in tables]
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    lines = page.filter(outside).extract_text_lines(return_chars=False)
    lines = [ln for ln in lines if not _PAGE_NUMBER.fullmatch(ln["text"])]
    placed += _paragraphs(lines, page.width)
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _paragraphs(lines: list[dict[str, Any]], page_width: float) -> list[tuple[float, Block]]:
    """Lines joined into paragraphs: a line that runs to the right margin and is followed by
    one starting at the left margin (no indent) continues into it."""
    if not lines:
        return []
    left = min(ln["x0"] for ln in lines)
    right = max(ln["x1"] for ln in lines)
    out: list[tuple[float, Block]] = []
    current: list[dict[str, Any]] = []
    for line in lines:
        if current:
            before = current[-1]
            size = max(before["bottom"] - before["top"], 1.0)
            runs_on = before["x1"] >= right - 1.5 * size and line["x0"] <= left + 0.5 * size
            close = line["top"] - before["bottom"] < 1.5 * size
            if not (runs_on and close):
                out.append(_paragraph(current))
                current = []
        current.append(line)
    out.append(_paragraph(current))
    return out


def _paragraph(lines: list[dict[str, Any]]) -> tuple[float, Block]:
    return lines[0]["top"], Paragraph("".join(ln["text"].strip() for ln in lines))


def _grid(table: Any) -> Grid:
    """The table's cells by the rows and columns their boxes cover."""
    xs = sorted({c.bbox[0] for c in table.columns})
    tops = sorted({r.bbox[1] for r in table.rows})
    texts = table.extract()
    raw: dict[int, dict[int, Cell]] = defaultdict(dict)
    for r, row in enumerate(table.rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            cell = new_cell(texts[r][c] or "")
            c0 = xs.index(box[0]) if box[0] in xs else c
            c1 = max(c0 + 1, sum(1 for x in xs if x < box[2] - 0.5))
            r0 = tops.index(box[1]) if box[1] in tops else r
            r1 = max(r0 + 1, sum(1 for y in tops if y < box[3] - 0.5))
            for rr in range(r0, r1):
                for cc in range(c0, c1):
                    raw[rr].setdefault(cc, cell)
    return make_grid([raw[r] for r in range(len(tops))])
