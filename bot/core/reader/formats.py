"""Which format an upload is in, told by its content: Word (.docx), a web page, or a PDF."""

from __future__ import annotations

import re

from bot.core.reader.layout import Block, iter_blocks
from bot.core.reader.package import load_body

_HTML_SNIFF = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|table|meta|p|div)[\s>/]", re.I)


def read_blocks(data: bytes, headings: frozenset[str]) -> list[Block]:
    """Paragraphs and tables of the report, in reading order; `headings` (normalised) mark
    where a web page's article ends."""
    if data.startswith(b"PK") or not data:
        return list(iter_blocks(load_body(data)))
    # The PDF and web page readers are imported when a file needs them: pdfplumber and
    # lxml.html cost a Word report's reading (`nianbao report read`) about 60 ms of start-up.
    if b"%PDF-" in data[:1024]:
        from bot.core.reader.pdf import pdf_blocks

        return pdf_blocks(data, headings)
    if _HTML_SNIFF.search(data[:4096].replace(b"\0", b"")):
        from bot.core.reader.html import html_blocks

        return html_blocks(data, headings)
    return list(iter_blocks(load_body(data)))  # says why it is not a Word file either
