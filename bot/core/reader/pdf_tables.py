"""Tables of a PDF as grids, a table continued over pages as one grid.

pdfplumber finds a table per page from its ruling lines. A table broken by a page end goes
on at the top of the next page with the same left and right edges: its parts are laid in
one grid over the columns of both (a header broken after its first rows, a label column
left without text on one page, all line up by their x positions), and a row broken across
the page end is joined again. A number wrapped in a narrow cell is joined when the cell's
geometry shows the wrap.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.core.reader.layout import Cell, Grid, make_grid, new_cell

Box = tuple[float, float, float, float]
# Edges closer than this (in points) are one edge.
_TOLERANCE = 2.0
# What a cell of figures holds: a number, or a mark for none.
_FIGURE = re.compile(r"[+\-－—/]?[\d,，.]*\d[\d,，.]*|[—－/-]+")


@dataclass(frozen=True)
class TablePart:
    """A table as found on one page: its box, and each cell's box with its text."""

    bbox: Box
    cells: tuple[tuple[Box, str], ...]

    @classmethod
    def of(cls, table: Any) -> TablePart:
        texts = table.extract()
        cells = tuple(
            (box, unwrap_number(table.page, box, texts[r][c] or ""))
            for r, row in enumerate(table.rows)
            for c, box in enumerate(row.cells)
            if box is not None
        )
        return cls(tuple(table.bbox), cells)  # type: ignore[arg-type]

    def continued_by(self, other: TablePart) -> bool:
        """Whether `other`, at the top of the next page, goes on with this table."""
        return (
            abs(self.bbox[0] - other.bbox[0]) < _TOLERANCE
            and abs(self.bbox[2] - other.bbox[2]) < _TOLERANCE
        )


def unwrap_number(page: Any, box: Box, text: str) -> str:
    """A number the PDF wrapped in a narrow cell ("17" over "8") as one: only where every line
    but the last is full, the next line's first digit not fitting after it (the cell's
    padding taken as on its left). Other lines of digits stay apart, to be listed."""
    lines = text.split("\n")
    if len(lines) < 2 or not all(line.strip().isdigit() for line in lines):
        return text
    inside = [
        c
        for c in page.chars
        if box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2]
        and box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3]
    ]
    rows = _edges(c["top"] for c in inside)
    by_line = [
        sorted((c for c in inside if _nearest(rows, c["top"]) == i), key=lambda c: c["x0"])
        for i in range(len(rows))
    ]
    if len(by_line) != len(lines) or not all(by_line):
        return text
    padding = min(c["x0"] for c in inside) - box[0]
    for line, following in itertools.pairwise(by_line):
        room = box[2] - padding - line[-1]["x1"]
        if room >= following[0]["x1"] - following[0]["x0"]:
            return text
    return "".join(line.strip() for line in lines)


def _edges(values: Iterable[float]) -> list[float]:
    edges: list[float] = []
    for value in sorted(values):
        if not edges or value - edges[-1] > _TOLERANCE:
            edges.append(value)
    return edges


def _nearest(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def table_grid(parts: list[TablePart]) -> Grid:
    """One grid of a table's parts, top to bottom; a merged cell in every place it covers."""
    xs = _edges(box[0] for part in parts for box, _ in part.cells)
    raw: list[dict[int, Cell]] = []
    for part in parts:
        tops = _edges(box[1] for box, _ in part.cells)
        rows: list[dict[int, Cell]] = [{} for _ in tops]
        for box, text in part.cells:
            cell = new_cell(text)
            c0 = _nearest(xs, box[0])
            c1 = max(c0 + 1, sum(1 for x in xs if x < box[2] - _TOLERANCE))
            r0 = _nearest(tops, box[1])
            r1 = max(r0 + 1, sum(1 for y in tops if y < box[3] - _TOLERANCE))
            for r in range(r0, r1):
                for c in range(c0, c1):
                    rows[r].setdefault(c, cell)
        if raw and rows and _continues_row(raw[-1], rows[0]):
            _join_row(raw, rows.pop(0))
        raw += rows
    return make_grid(raw)


def _filled(row: dict[int, Cell], column: int) -> bool:
    cell = row.get(column)
    return cell is not None and not cell.blank


def _continues_row(last: dict[int, Cell], first: dict[int, Cell]) -> bool:
    """The first row on the new page holds the rest of the last row's labels and nothing
    under the columns where that row has its figures."""
    figures = [c for c, cell in last.items() if _FIGURE.fullmatch(cell.text.strip())]
    rest = [c for c in first if _filled(first, c)]
    return (
        bool(figures)
        and bool(rest)
        and not any(_filled(first, c) for c in figures)
        and all(_filled(last, c) for c in rest)
    )


def _join_row(raw: list[dict[int, Cell]], first: dict[int, Cell]) -> None:
    """Each label of the broken row with its rest appended, wherever the cell stands."""
    last = raw[-1]
    texts: dict[int, str] = {}
    appended: set[tuple[int, int]] = set()
    for column in sorted(c for c in first if _filled(first, c)):
        cell, more = last[column], first[column]
        if (cell.key, more.key) not in appended:
            appended.add((cell.key, more.key))
            texts[cell.key] = texts.get(cell.key, cell.text) + more.text
    joined = {key: Cell(text, key) for key, text in texts.items()}
    for row in raw:
        for column, cell in row.items():
            if cell.key in joined:
                row[column] = joined[cell.key]
