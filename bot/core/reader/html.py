"""A report saved from a government portal as a web page (.html/.htm), in the reader's model.

Portals publish the report as HTML: often GBK, the report tables inside a layout table,
labels broken with <br>, bold run-in headings, navigation and footer around the article.
The page becomes paragraphs and grids like a Word body, so the same label reading applies.

Hostile pages: the size is limited before parsing; lxml's HTML parser fetches nothing
(no_network) and expands no entities beyond HTML's own; scripts, styles and comments are
dropped; nesting deeper than MAX_DEPTH is read as plain text; tables past the grid limits
of `layout` are not expanded.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from bot.core.reader.labels import normalise_label
from bot.core.reader.layout import (
    MAX_GRID_CELLS,
    MAX_GRID_COLUMNS,
    Block,
    Cell,
    Grid,
    Paragraph,
    make_grid,
    new_cell,
)
from bot.core.reader.package import DocxReadError

MAX_HTML_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200
_MAX_ROWSPAN = 1000
_SKIP = frozenset(
    {
        "head",
        "title",
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "select",
        "button",
        "input",
        "textarea",
        "svg",
        "math",
        "canvas",
        "audio",
        "video",
    }
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
        "center",
        "blockquote",
        "pre",
        "form",
        "main",
        "header",
        "footer",
        "nav",
        "aside",
        "address",
        "figure",
        "figcaption",
        "caption",
        "hr",
    }
)
_BOLD_TAGS = frozenset({"b", "strong", "h1", "h2", "h3", "h4", "h5", "h6"})
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.I)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# GB2312 and GBK pages often hold characters only GB18030 (their superset) names.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
# Headings found in at most this much of the page's text (a guard against huge pages).
_MAX_SCANNED_CHARS = 2_000_000


def html_blocks(data: bytes, headings: frozenset[str] = frozenset()) -> list[Block]:
    """Paragraphs and innermost tables of the page in document order, ending with the
    element that holds the report's section headings (the portal's footer stays out)."""
    if len(data) > MAX_HTML_BYTES:
        raise DocxReadError(
            f"网页文件过大（超过 {MAX_HTML_BYTES // (1024 * 1024)} MB），为安全起见不予读取"
        )
    text = _XML_DECLARATION.sub("", decode(data), count=1)
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, huge_tree=False
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise DocxReadError("网页文件是空的或已损坏，无法读取") from exc
    body = root.find("body")
    walker = _Walker(_content_end(body if body is not None else root, headings))
    walker.container(body if body is not None else root, 0)
    walker.flush()
    return walker.blocks


def decode(data: bytes) -> str:
    """The page as text: by its byte-order mark, its declared charset, or UTF-8 if it is
    valid UTF-8, else GB18030 (what GBK pages are in practice)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        try:
            encoding = codecs.lookup(_SUPERSETS.get(name, name)).name
        except LookupError:
            encoding = None
        if encoding is not None and encoding != "utf-8":
            return data.decode(_SUPERSETS.get(name, encoding), errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _content_end(body: etree._Element, headings: frozenset[str]) -> etree._Element | None:
    """The element holding every section heading of the page (None: read to the end)."""
    if not headings:
        return None
    found: list[etree._Element] = []
    budget = _MAX_SCANNED_CHARS
    for element in body.iter(*_BLOCK, "td", "th", "span", "strong", "b", "font"):
        if any(child.tag in _BLOCK or child.tag == "table" for child in element):
            continue
        text = element.text_content()
        budget -= len(text)
        if budget < 0:
            return None
        if len(text) < 40 and normalise_label(text) in headings:
            found.append(element)
    if len(found) < 2:
        return None
    common = set(found[0].iterancestors())
    for element in found[1:]:
        common &= set(element.iterancestors())
    return next((a for a in found[-1].iterancestors() if a in common), None)


def _tag(element: etree._Element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _is_bold(element: etree._Element) -> bool:
    return _tag(element) in _BOLD_TAGS or bool(_BOLD_STYLE.search(element.get("style", "")))


class _Walker:
    """Turns the page into blocks: block elements and <br> end a paragraph."""

    def __init__(self, end: etree._Element | None) -> None:
        self.blocks: list[Block] = []
        self._parts: list[tuple[str, bool]] = []
        self._end = end
        self._done = False

    def flush(self) -> None:
        text = "".join(t for t, _ in self._parts)
        if text.strip() and not self._done:
            lead = []
            for part, bold in self._parts:
                if not part.strip():
                    lead.append(part)
                    continue
                if not bold:
                    break
                lead.append(part)
            self.blocks.append(Paragraph(text.strip(), "".join(lead).strip()))
        self._parts = []

    def container(self, element: etree._Element, depth: int, bold: bool = False) -> None:
        if element.text:
            self._parts.append((element.text, bold))
        for child in element:
            self.element(child, depth + 1, bold)
            if child.tail:
                self._parts.append((child.tail, bold))

    def element(self, element: etree._Element, depth: int, bold: bool) -> None:
        tag = _tag(element)
        if self._done or not tag or tag in _SKIP:
            return
        if depth > MAX_DEPTH:
            self._parts.append((element.text_content(), bold))
            return
        bold = bold or _is_bold(element)
        if tag == "br":
            self.flush()
        elif tag == "table":
            self.flush()
            if element.find(".//table") is not None:
                for cell in _table_cells(element):  # a layout table: its cells hold content
                    self.container(cell, depth + 1, bold)
                    self.flush()
            else:
                grid = html_grid(element)
                if grid.rows and not self._done:
                    self.blocks.append(grid)
        elif tag in _BLOCK:
            self.flush()
            self.container(element, depth, bold)
            self.flush()
        else:
            self.container(element, depth, bold)
        if element is self._end:
            self.flush()
            self._done = True


def _table_rows(table: etree._Element) -> Iterator[etree._Element]:
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child if _tag(row) == "tr")


def _table_cells(table: etree._Element) -> Iterator[etree._Element]:
    for row in _table_rows(table):
        yield from (cell for cell in row if _tag(cell) in ("td", "th"))


def _span(cell: etree._Element, name: str, limit: int) -> int:
    try:
        return max(1, min(int(cell.get(name, "1").strip() or 1), limit))
    except ValueError:
        return 1


def html_grid(table: etree._Element) -> Grid:
    """An innermost table as a grid; rowspan and colspan cells in every position they cover."""
    rows = list(_table_rows(table))
    raw_rows: list[dict[int, Cell]] = []
    carried: dict[int, tuple[Cell, int]] = {}  # grid column -> (cell, rows it still covers)
    for index, tr in enumerate(rows):
        if len(raw_rows) * MAX_GRID_COLUMNS > MAX_GRID_CELLS:
            return Grid(())
        row: dict[int, Cell] = {}
        for col, (cell, left) in list(carried.items()):
            row[col] = cell
            if left > 1:
                carried[col] = (cell, left - 1)
            else:
                del carried[col]
        col = 0
        for td in (c for c in tr if _tag(c) in ("td", "th")):
            while col in row:
                col += 1
            colspan = _span(td, "colspan", MAX_GRID_COLUMNS)
            rowspan = _span(td, "rowspan", min(_MAX_ROWSPAN, len(rows) - index))
            if col + colspan > MAX_GRID_COLUMNS:
                return Grid(())
            cell = new_cell(cell_text(td))
            for offset in range(colspan):
                row[col + offset] = cell
                if rowspan > 1:
                    carried[col + offset] = (cell, rowspan - 1)
            col += colspan
        raw_rows.append(row)
    return make_grid(raw_rows)


def cell_text(td: etree._Element) -> str:
    """The cell's text, a line per <br>, paragraph or block."""
    lines: list[str] = [""]

    def walk(element: etree._Element, depth: int) -> None:
        tag = _tag(element)
        if tag in _SKIP:
            return
        if tag == "br" or (tag in _BLOCK and lines[-1].strip()):
            lines.append("")
        if depth > MAX_DEPTH:
            lines[-1] += element.text_content()
            return
        lines[-1] += element.text or ""
        for child in element:
            walk(child, depth + 1)
            lines[-1] += child.tail or ""
        if tag in _BLOCK:
            lines.append("")

    walk(td, 0)
    return "\n".join(s for line in lines if (s := line.strip()))
