"""Reports laid out by hand in Word's own way, built with python-docx (not with our template).

The tables follow the layouts seen in published reports: merged header cells (gridSpan and
vMerge), the 办理结果 labels merged down the rows they head, the 复议 column labels merged
over two header rows. Options add what people do to them: a table continued after a page
break (with or without its header), typos in labels, extra empty rows and columns.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from docx import Document
from docx.enum.text import WD_BREAK
from docx.table import Table

from bot.core.answers import AnswersFile, parse_answers
from bot.core.checks import complete_values
from bot.core.form import ReportForm, Section
from bot.core.values import format_value


@dataclass
class Layout:
    title: tuple[str, ...] | None = None  # paragraphs of the title; None: agency / year lines
    split_s3_after: int | None = None  # rows of table 三 before the page break
    repeat_header: bool = True
    # The continued table with one label column instead of three (another column layout).
    flat_continuation: bool = False
    extra_empty_column: bool = False
    extra_empty_row: bool = False
    relabel: Callable[[str], str] = lambda label: label
    extra_s3_rows: list[tuple[str, list[str]]] = field(default_factory=list)


def printed_cells(answers: AnswersFile) -> dict[str, str]:
    """Every cell of a sample as a report prints it, totals included."""
    form = answers.form
    values = complete_values(form, parse_answers(answers).values)
    return {
        f: format_value(values.get(f), form.field(f).type) for f in form.numeric_fields
    }


def handmade_report(
    form: ReportForm,
    *,
    agency: str,
    year: int,
    cells: Mapping[str, str],
    texts: Mapping[str, list[str]],
    layout: Layout | None = None,
) -> bytes:
    layout = layout or Layout()
    document = Document()
    for line in layout.title or (agency, f"{year}年政府信息公开工作年度报告"):
        document.add_paragraph(line)
    document.add_paragraph(
        f"本报告由{agency}办公室根据《中华人民共和国政府信息公开条例》规定编制。"
    )
    for section in form.sections:
        document.add_paragraph(section.heading)
        if section.layout == "text":
            for paragraph in texts.get(section.id, []):
                document.add_paragraph(paragraph)
                document.add_paragraph("")  # people leave empty lines between paragraphs
        elif section.layout == "list":
            _list_table(document, form, section, cells, layout)
        elif section.layout == "grid":
            _grid_table(document, form, section, cells, layout)
        else:
            _wide_table(document, form, section, cells, layout)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _field_ids(form: ReportForm, section: Section) -> dict[tuple[str | None, str | None], str]:
    """Field ids of a grid section by (row, column) labels, as the form defines them."""
    return {(f.row, f.column): f.id for f in form.fields.values() if f.section == section.id}


class _Sheet:
    """A python-docx table with its cell list kept between merges (table.cell() rebuilds it
    on every call, which makes filling a table quadratic)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.cols = len(table.columns)
        self._cells: list | None = None

    def cell(self, r: int, c: int):  # type: ignore[no-untyped-def]
        if self._cells is None:
            self._cells = self.table._cells
        return self._cells[r * self.cols + c]

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.cell(r0, c0).merge(self.cell(r1, c1))
            self._cells = None


def _table(document, rows: int, cols: int) -> _Sheet:  # type: ignore[no-untyped-def]
    table = document.add_table(rows=rows, cols=cols)
    table.style = document.styles["Table Grid"]
    return _Sheet(table)


def _merge(table: _Sheet, r0: int, c0: int, r1: int, c1: int) -> None:
    table.merge(r0, c0, r1, c1)


def _put(table: _Sheet, r: int, c: int, text: str) -> None:
    table.cell(r, c).text = text


def _list_table(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, cells: Mapping[str, str], layout: Layout
) -> None:
    rows = sum(2 + len(g.rows) for g in section.groups)
    table = _table(document, rows, 4)
    r = 0
    for group in section.groups:
        spans = [(1 + i, 1 + i) for i in range(len(group.columns))]
        spans[-1] = (spans[-1][0], 3)
        _merge(table, r, 0, r, 3)
        for start, end in spans:
            for row in range(r + 1, r + 2 + len(group.rows)):
                _merge(table, row, start, row, end)
        _put(table, r, 0, layout.relabel(group.heading))
        _put(table, r + 1, 0, section.row_header or "")
        for (start, _), column in zip(spans, group.columns, strict=True):
            _put(table, r + 1, start, layout.relabel(column))
        for offset, list_row in enumerate(group.rows, start=2):
            _put(table, r + offset, 0, layout.relabel(list_row.label))
            for (start, _), field_id in zip(spans, list_row.fields, strict=True):
                _put(table, r + offset, start, cells.get(field_id, ""))
        r += 2 + len(group.rows)


def _grid_table(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, cells: Mapping[str, str], layout: Layout
) -> None:
    ids = _field_ids(form, section)
    rows = list(section.rows)
    split = layout.split_s3_after
    parts = [rows] if split is None else [rows[:split], rows[split:]]
    for index, part in enumerate(parts):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if index and layout.flat_continuation:
            _flat_rows(document, form, section, part, cells, layout)
            continue
        header = 3 if index == 0 or layout.repeat_header else 0
        extra_row = layout.extra_empty_row and index == 0
        extra = layout.extra_s3_rows if index == len(parts) - 1 else []
        n_cols = 3 + len(section.columns) + (1 if layout.extra_empty_column else 0)
        table = _table(document, header + len(part) + extra_row + len(extra), n_cols)
        last = 2 + len(section.columns)
        if header:
            _merge(table, 0, 0, 2, 2)
            _merge(table, 0, 3, 0, last)
            grouped = [3 + i for i, c in enumerate(section.columns) if c.group]
            _merge(table, 1, grouped[0], 1, grouped[-1])
            for i, column in enumerate(section.columns):
                if column.group is None:
                    _merge(table, 1, 3 + i, 2, 3 + i)
            _put(table, 0, 0, "")  # the corner is often left empty by hand
            _put(table, 0, 3, layout.relabel(section.header.get("top", "")))
            _put(table, 1, grouped[0], layout.relabel(section.columns[grouped[0] - 3].group or ""))
            for i, column in enumerate(section.columns):
                _put(table, 1 if column.group is None else 2, 3 + i, layout.relabel(column.label))
        positions = []
        r = header
        for i in range(len(part)):
            if extra_row and i == 2:
                r += 1  # an empty row left in the middle
            positions.append(r)
            r += 1
        # Label cells: merge first, then write, as Word users do.
        _merge_runs(table, part, positions, col=0, key=lambda row: row.within)
        _merge_runs(table, part, positions, col=1, key=lambda row: row.group)
        for row, r in zip(part, positions, strict=True):
            if row.within is None:
                _merge(table, r, 0, r, 2)
                _put(table, r, 0, layout.relabel(row.label))
            elif row.group is None:
                _merge(table, r, 1, r, 2)
                _put(table, r, 1, layout.relabel(row.label))
            else:
                _put(table, r, 2, layout.relabel(row.label))
            for i, column in enumerate(section.columns):
                _put(table, r, 3 + i, cells.get(ids[row.display, column.label], ""))
        for offset, (label, figures) in enumerate(extra, start=positions[-1] + 1):
            _merge(table, offset, 0, offset, 2)
            _put(table, offset, 0, label)
            for i, text in enumerate(figures):
                _put(table, offset, 3 + i, text)


def _flat_rows(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, rows, cells: Mapping[str, str], layout: Layout
) -> None:
    """Rows continued in a table of one label column, without the header."""
    ids = _field_ids(form, section)
    table = _table(document, len(rows), 1 + len(section.columns))
    for r, row in enumerate(rows):
        _put(table, r, 0, layout.relabel(row.label))
        for i, column in enumerate(section.columns):
            _put(table, r, 1 + i, cells.get(ids[row.display, column.label], ""))


def _merge_runs(table: _Sheet, rows, positions, *, col: int, key) -> None:  # type: ignore[no-untyped-def]
    index = 0
    while index < len(rows):
        value = key(rows[index])
        end = index
        while end + 1 < len(rows) and value is not None and key(rows[end + 1]) == value:
            end += 1
        if value is not None:
            _merge(table, positions[index], col, positions[end], col)
            table.cell(positions[index], col).text = value
        index = end + 1


def _wide_table(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, cells: Mapping[str, str], layout: Layout
) -> None:
    ids = _field_ids(form, section)
    n = len(section.columns)
    table = _table(document, 4, n * len(section.rows))
    review, *suits = section.rows
    _merge(table, 0, 0, 0, n - 1)
    _put(table, 0, 0, layout.relabel(review.label))
    for i, column in enumerate(section.columns):
        _merge(table, 1, i, 2, i)  # 复议's column labels stand over two header rows
        _put(table, 1, i, layout.relabel(column.label))
    _merge(table, 0, n, 0, n * len(section.rows) - 1)
    _put(table, 0, n, layout.relabel(suits[0].label))
    for g, row in enumerate(suits, start=1):
        _merge(table, 1, g * n, 1, (g + 1) * n - 1)
        _put(table, 1, g * n, layout.relabel(row.subgroup or ""))
        for i, column in enumerate(section.columns):
            _put(table, 2, g * n + i, layout.relabel(column.label))
    for g, row in enumerate(section.rows):
        for i, column in enumerate(section.columns):
            _put(table, 3, g * n + i, cells.get(ids[row.display, column.label], ""))
