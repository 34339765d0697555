"""The words of a PDF with their boxes, page by page (poppler's `pdftotext -bbox`)."""

from __future__ import annotations

import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from docx.shared import Mm

_NS = {"x": "http://www.w3.org/1999/xhtml"}


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    number: int
    words: tuple[Word, ...]

    def texts(self) -> list[str]:
        return [w.text for w in self.words]

    def column_text(self, left_mm: float, right_mm: float) -> str:
        """The words set between two distances from the page's left edge, top to bottom."""
        left, right = Mm(left_mm).pt - 0.5, Mm(right_mm).pt + 0.5
        inside = [w for w in self.words if w.x0 >= left and w.x1 <= right]
        return "".join(w.text for w in sorted(inside, key=lambda w: (round(w.y0), w.x0)))


def pdf_pages(pdf: bytes) -> list[Page]:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "report.pdf"
        path.write_bytes(pdf)
        xml = subprocess.run(
            ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
    root = ET.fromstring(xml)
    pages = []
    for number, page in enumerate(root.iterfind(".//x:page", _NS), start=1):
        words = tuple(
            Word(
                (w.text or "").strip(),
                float(w.get("xMin", 0)),
                float(w.get("yMin", 0)),
                float(w.get("xMax", 0)),
                float(w.get("yMax", 0)),
            )
            for w in page.iterfind("x:word", _NS)
        )
        pages.append(Page(number, words))
    return pages
