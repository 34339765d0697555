"""The official tables' layout for HTML: merged header cells and label cells, from the form.

A layout is rows of cells; a cell is a header (text, rowspan, colspan) or a field id. The
templates only loop over it: nothing here or there re-types a label.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.form import ReportForm, Row, Section


@dataclass(frozen=True)
class Head:
    text: str
    rowspan: int = 1
    colspan: int = 1
    scope: str = "col"


@dataclass(frozen=True)
class Cell:
    field_id: str


@dataclass(frozen=True)
class Layout:
    head: list[list[Head]]
    body: list[list[Head | Cell]]


def cell_anchor(field_id: str) -> str:
    """The id of a cell's input on the page (findings link to it)."""
    return "c-" + field_id.replace(".", "-")


def layout(form: ReportForm, section: Section) -> Layout:
    if section.layout == "grid":
        return _grid(form, section)
    if section.layout == "wide":
        return _wide(section)
    return _list(section)


def _grid(form: ReportForm, section: Section) -> Layout:
    """表三: three label columns (办理结果, its group, the row), the applicant columns under
    merged headers."""
    grouped = [c for c in section.columns if c.group]
    head: list[list[Head]] = [
        [
            Head(section.note or "", rowspan=3, colspan=3),
            Head(section.header.get("top", ""), colspan=len(section.columns)),
        ],
        [],
        [Head(c.label) for c in grouped],
    ]
    seen_group = False
    for column in section.columns:
        if column.group:
            if not seen_group:
                head[1].append(Head(column.group, colspan=len(grouped)))
                seen_group = True
        else:
            head[1].append(Head(column.label, rowspan=2))
    body: list[list[Head | Cell]] = []
    rows = section.rows
    for index, row in enumerate(rows):
        cells: list[Head | Cell] = []
        if row.within is None:
            cells.append(Head(row.label, colspan=3, scope="row"))
        else:
            if index == 0 or rows[index - 1].within != row.within:
                cells.append(Head(row.within, rowspan=_run(rows, index, "within"), scope="row"))
            if row.group is None:
                cells.append(Head(row.label, colspan=2, scope="row"))
            else:
                if rows[index - 1].group != row.group:
                    cells.append(Head(row.group, rowspan=_run(rows, index, "group"), scope="row"))
                cells.append(Head(row.label, scope="row"))
        cells.extend(Cell(f) for f in section.grid[index])
        body.append(cells)
    return Layout(head, body)


def _run(rows: tuple[Row, ...], start: int, attribute: str) -> int:
    """How many rows from `start` share its value of `attribute` (a merged label cell)."""
    value = getattr(rows[start], attribute)
    count = 0
    for row in rows[start:]:
        if getattr(row, attribute) != value:
            break
        count += 1
    return count


def _wide(section: Section) -> Layout:
    """表四: every group side by side in one line (行政复议 5 columns, 行政诉讼 10)."""
    width = len(section.columns)
    top: list[Head] = []
    middle: list[Head] = []
    bottom: list[Head] = []
    for index, row in enumerate(section.rows):
        if row.subgroup is None:
            top.append(Head(row.label, colspan=width))
            middle.extend(Head(c.label, rowspan=2) for c in section.columns)
            continue
        if index == 0 or section.rows[index - 1].label != row.label:
            span = sum(1 for r in section.rows if r.label == row.label) * width
            top.append(Head(row.label, colspan=span))
        middle.append(Head(row.subgroup, colspan=width))
        bottom.extend(Head(c.label) for c in section.columns)
    body: list[list[Head | Cell]] = [[Cell(f) for ids in section.grid for f in ids]]
    return Layout([top, middle, bottom], body)


def _list(section: Section) -> Layout:
    """表二: per group a heading line, a header line (信息内容 and the group's columns),
    then its rows; groups with one column merge it across."""
    width = max(len(g.columns) for g in section.groups)
    body: list[list[Head | Cell]] = []
    for group in section.groups:
        body.append([Head(group.heading, colspan=width + 1, scope="colgroup")])
        span = width // len(group.columns) if len(group.columns) < width else 1
        body.append(
            [Head(section.row_header or ""), *(Head(c, colspan=span) for c in group.columns)]
        )
        for row in group.rows:
            body.append([Head(row.label, scope="row"), *(Cell(f) for f in row.fields)])
    return Layout([], body)


def cell_span(section: Section, field_id: str) -> int:
    """Columns a list table's cell spans (a one-column group spans all three)."""
    if section.layout != "list":
        return 1
    width = max(len(g.columns) for g in section.groups)
    for group in section.groups:
        for row in group.rows:
            if field_id in row.fields:
                return width // len(group.columns) if len(group.columns) < width else 1
    return 1
