"""A report as the reader sees it: paragraph texts and table grids (from Word, HTML or PDF).

A table becomes a rectangular grid in which a merged cell (horizontal `gridSpan`, old-style
`hMerge`, vertical `vMerge`) appears in every grid position it covers, carrying one `key`,
so labels spread over merged cells are seen in every row and column they belong to, while a
figure is still known to be one cell. Rows and columns with nothing in them are dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from docx.oxml.ns import qn
from lxml import etree

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_WRAPPERS = {qn("w:sdt"), qn("w:customXml"), qn("w:smartTag")}
_SDT_CONTENT = qn("w:sdtContent")
_TEXT_XPATH = etree.XPath(
    "(.//w:r/w:t | .//w:r/w:tab | .//w:r/w:br | .//w:r/w:cr)[not(ancestor::mc:Fallback)]",
    namespaces={
        "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    },
)
_T, _TAB = qn("w:t"), qn("w:tab")
_R, _RPR, _B = qn("w:r"), qn("w:rPr"), qn("w:b")
# Cell keys are unique across all tables read by the process, so that cells of different
# tables never compare equal.
_keys = itertools.count()
# Far beyond any table of the report (table 三 is about 30 x 10); larger grids, which a
# hostile file can declare with a few bytes of gridSpan, are not expanded.
MAX_GRID_COLUMNS = 100
MAX_GRID_CELLS = 50_000


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's text; `lead` is the bold text it starts with (a run-in heading, say)."""

    text: str
    lead: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    key: int

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Grid:
    """A Word table as rows of equal length; `rows[r][c]` is the cell covering (r, c)."""

    rows: tuple[tuple[Cell, ...], ...]

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


Block = Paragraph | Grid


def new_cell(text: str) -> Cell:
    return Cell(text, next(_keys))


def paragraph_text(p: etree._Element) -> str:
    parts = []
    for node in _TEXT_XPATH(p):
        if node.tag == _T:
            parts.append(node.text or "")
        elif node.tag == _TAB:
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _children(element: etree._Element) -> Iterator[etree._Element]:
    """Children, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag in _WRAPPERS:
            content = child.find(_SDT_CONTENT)
            yield from _children(content if content is not None else child)
        else:
            yield child


def iter_blocks(body: etree._Element) -> Iterator[Block]:
    """Paragraphs and tables of the body in document order."""
    for child in _children(body):
        if child.tag == _P:
            yield Paragraph(paragraph_text(child), _bold_lead(child))
        elif child.tag == _TBL:
            grid = table_grid(child)
            if grid.rows:
                yield grid


def _bold_lead(p: etree._Element) -> str:
    """The text of the bold runs a paragraph starts with."""
    parts = []
    for run in p.iter(_R):
        text = "".join(t.text or "" for t in run.iter(_T))
        if not text.strip():
            continue
        r_pr = run.find(_RPR)
        bold = r_pr.find(_B) if r_pr is not None else None
        if bold is None or bold.get(qn("w:val"), "true") in ("0", "false"):
            break
        parts.append(text)
    return "".join(parts)


def _cell_text(tc: etree._Element) -> str:
    lines = [paragraph_text(p) for p in _children(tc) if p.tag == _P]
    return "\n".join(lines).strip()


def _int_attr(parent: etree._Element | None, tag: str, default: int) -> int:
    if parent is None:
        return default
    element = parent.find(qn(tag))
    if element is None:
        return default
    try:
        return max(0, min(int(element.get(qn("w:val"), default)), 1000))
    except ValueError:
        return default


def table_grid(tbl: etree._Element) -> Grid:
    raw_rows: list[dict[int, Cell]] = []
    vertical: dict[int, Cell] = {}  # grid column -> the cell a vMerge continues
    for tr in (c for c in _children(tbl) if c.tag == _TR):
        if len(raw_rows) * MAX_GRID_COLUMNS > MAX_GRID_CELLS:
            return Grid(())
        tr_pr = tr.find(qn("w:trPr"))
        col = _int_attr(tr_pr, "w:gridBefore", 0)
        row: dict[int, Cell] = {}
        previous: Cell | None = None
        for tc in (c for c in _children(tr) if c.tag == _TC):
            if col >= MAX_GRID_COLUMNS:
                return Grid(())
            tc_pr = tc.find(qn("w:tcPr"))
            span = max(1, _int_attr(tc_pr, "w:gridSpan", 1))
            v_merge = tc_pr.find(qn("w:vMerge")) if tc_pr is not None else None
            h_merge = tc_pr.find(qn("w:hMerge")) if tc_pr is not None else None
            if (
                v_merge is not None
                and v_merge.get(qn("w:val"), "continue") == "continue"
                and (col in vertical)
            ):
                cell = vertical[col]
            elif (
                h_merge is not None
                and h_merge.get(qn("w:val"), "continue") == "continue"
                and previous is not None
            ):
                cell = previous
            else:
                cell = new_cell(_cell_text(tc))
            for offset in range(span):
                if v_merge is not None:
                    vertical[col + offset] = cell
                else:
                    vertical.pop(col + offset, None)
                row[col + offset] = cell
            previous = cell
            col += span
        raw_rows.append(row)
    return make_grid(raw_rows)


def make_grid(raw_rows: list[dict[int, Cell]]) -> Grid:
    """A grid from rows of cells by grid column; a merged cell sits in every column it covers."""
    width = max((max(r) + 1 for r in raw_rows if r), default=0)
    rows = [[row.get(c) or new_cell("") for c in range(width)] for row in raw_rows]
    rows = [row for row in rows if not all(cell.blank for cell in row)]
    keep = [c for c in range(width) if any(not row[c].blank for row in rows)]
    return Grid(tuple(tuple(row[c] for c in keep) for row in rows))


def distinct(cells: tuple[Cell, ...] | list[Cell]) -> list[Cell]:
    """The cells of a row with merged ones counted once, left to right."""
    seen: set[int] = set()
    result = []
    for cell in cells:
        if cell.key not in seen:
            seen.add(cell.key)
            result.append(cell)
    return result
