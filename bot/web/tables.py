"""The official tables' layout for HTML: merged header cells and label cells, from the form.

A layout is rows of cells; a cell is a header (text, rowspan, colspan) or a field id. The
templates only loop over it: nothing here or there re-types a label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.chat.sheet import Sheet
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


@dataclass(frozen=True)
class CellView:
    """One cell as the page shows it, computed here so the template only prints it."""

    field_id: str
    anchor: str
    label: str
    value: str
    shown: str
    derived: bool
    span: int
    numeric_mode: str
    css_class: str
    problem: str


def table_rows(
    sheet: Sheet, section: Section, table: Layout, flash: Mapping[str, Any]
) -> list[list[Head | CellView]]:
    """The body of a table with every cell's value: saved, else refused as typed, else
    pre-filled from last year."""
    problems: Mapping[str, str] = flash.get("problems") or {}
    typed: Mapping[str, str] = flash.get("typed") or {}
    prefill = sheet.prefill(section)
    form = sheet.form
    rows: list[list[Head | CellView]] = []
    for row in table.body:
        cells: list[Head | CellView] = []
        for item in row:
            if isinstance(item, Head):
                cells.append(item)
                continue
            field_def = form.field(item.field_id)
            shown = sheet.shown(item.field_id)
            problem = problems.get(item.field_id, "")
            css_class = ""
            if field_def.derived:
                css_class = "total"
            elif problem:
                css_class = "refused"
            elif not shown and item.field_id in prefill:
                css_class = "prefilled"
            value = typed.get(item.field_id)
            if value is None:
                value = shown or prefill.get(item.field_id, "")
            cells.append(
                CellView(
                    field_id=item.field_id,
                    anchor=cell_anchor(item.field_id),
                    label=field_def.label,
                    value=value,
                    shown=shown,
                    derived=field_def.derived,
                    span=cell_span(section, item.field_id),
                    numeric_mode="decimal" if field_def.type.kind == "amount" else "numeric",
                    css_class=css_class,
                    # In the cell the reason is enough: the message starts with the cell's name.
                    problem=problem.removeprefix(f"{field_def.label}："),
                )
            )
        rows.append(cells)
    return rows
