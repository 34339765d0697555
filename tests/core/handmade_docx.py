"""Reports laid out by hand in Word's own way, built with python-docx (not with our template).

The tables follow the layouts seen in published reports: merged header cells (gridSpan and
vMerge), the 办理结果 labels merged down the rows they head, the 复议 column labels merged
over two header rows. Options add what people do to them: a table continued after a page
break (with or without its header), typos in labels, extra empty rows and columns.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from docx import Document
from docx.enum.text import WD_BREAK
from docx.table import Table

from bot.core.answers import AnswersFile, parse_answers
from bot.core.checks import complete_values
from bot.core.form import ReportForm, Row, Section
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
    # Each narrative section, heading and text, in a one-cell table (a box per section).
    boxed_texts: bool = False
    # The heading in bold at the start of the first paragraph of its text.
    run_in_headings: bool = False
    # Table 三 without a group column: "（三）不予公开\n1.属于国家秘密" in the first row's cell.
    group_in_first_row: bool = False
    # The 2021 form printed with the 2019 form's single （六）其他处理 row (the sum of three);
    # the 2019 form has that row already.
    single_other_row: bool = False
    # Paragraphs after section 六: the signature block and date.
    signature: tuple[str, ...] = ()


def printed_cells(answers: AnswersFile) -> dict[str, str]:
    """Every cell of a sample as a report prints it, totals included."""
    form = answers.form
    values = complete_values(form, parse_answers(answers).values)
    return {f: format_value(values.get(f), form.field(f).type) for f in form.numeric_fields}


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
        paragraphs = texts.get(section.id, [])
        if section.layout == "text" and layout.boxed_texts:
            box = document.add_table(rows=1, cols=1)
            box.style = document.styles["Table Grid"]
            cell = box.cell(0, 0)
            cell.text = section.heading
            for paragraph in paragraphs:
                cell.add_paragraph(paragraph)
            continue
        if section.layout == "text" and layout.run_in_headings and paragraphs:
            first = document.add_paragraph()
            first.add_run(section.heading).bold = True
            first.add_run(paragraphs[0])
            for paragraph in paragraphs[1:]:
                document.add_paragraph(paragraph)
            continue
        document.add_paragraph(section.heading)
        if section.layout == "text":
            for paragraph in paragraphs:
                document.add_paragraph(paragraph)
                document.add_paragraph("")  # people leave empty lines between paragraphs
        elif section.layout == "list":
            _list_table(document, form, section, cells, layout)
        elif section.layout == "grid":
            _grid_table(document, form, section, cells, layout)
        else:
            _wide_table(document, form, section, cells, layout)
    for line in layout.signature:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


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

    def put(self, r: int, c: int, text: str) -> None:
        self.cell(r, c).text = text


def _table(document, rows: int, cols: int) -> _Sheet:  # type: ignore[no-untyped-def]
    table = document.add_table(rows=rows, cols=cols)
    table.style = document.styles["Table Grid"]
    return _Sheet(table)


def _list_table(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, cells: Mapping[str, str], layout: Layout
) -> None:
    rows = sum(2 + len(g.rows) for g in section.groups)
    table = _table(document, rows, 4)
    r = 0
    for group in section.groups:
        spans = [(1 + i, 1 + i) for i in range(len(group.columns))]
        spans[-1] = (spans[-1][0], 3)
        table.merge(r, 0, r, 3)
        for start, end in spans:
            for row in range(r + 1, r + 2 + len(group.rows)):
                table.merge(row, start, row, end)
        table.put(r, 0, layout.relabel(group.heading))
        table.put(r + 1, 0, section.row_header or "")
        for (start, _), column in zip(spans, group.columns, strict=True):
            table.put(r + 1, start, layout.relabel(column))
        for offset, list_row in enumerate(group.rows, start=2):
            table.put(r + offset, 0, layout.relabel(list_row.label))
            for (start, _), field_id in zip(spans, list_row.fields, strict=True):
                table.put(r + offset, start, cells.get(field_id, ""))
        r += 2 + len(group.rows)


def single_other_row(section: Section, cells: Mapping[str, str]) -> tuple[Row, dict[str, str]]:
    """The one （六）其他处理 row of the older form standing for the 2021 form's three, and its
    figures: the sums of the three rows."""
    three = [r for r in section.rows if r.group == "（六）其他处理"]
    row = Row("other_other", "（六）其他处理", within=three[0].within)
    figures = {}
    for column in section.columns:
        parts = [cells.get(section.cell_field(r.id, column.id), "0") for r in three]
        figures[section.cell_field(row.id, column.id)] = str(sum(int(p) for p in parts))
    return row, figures


def _grid_table(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, cells: Mapping[str, str], layout: Layout
) -> None:
    rows = list(section.rows)
    if layout.single_other_row and any(r.group == "（六）其他处理" for r in rows):
        single, figures = single_other_row(section, cells)
        at = next(i for i, r in enumerate(rows) if r.group == single.label)
        rows = [r for r in rows if r.group != single.label]
        rows.insert(at, single)
        cells = {**cells, **figures}
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
            table.merge(0, 0, 2, 2)
            table.merge(0, 3, 0, last)
            grouped = [3 + i for i, c in enumerate(section.columns) if c.group]
            table.merge(1, grouped[0], 1, grouped[-1])
            for i, column in enumerate(section.columns):
                if column.group is None:
                    table.merge(1, 3 + i, 2, 3 + i)
            table.put(0, 0, "")  # the corner is often left empty by hand
            table.put(0, 3, layout.relabel(section.header.get("top", "")))
            table.put(1, grouped[0], layout.relabel(section.columns[grouped[0] - 3].group or ""))
            for i, column in enumerate(section.columns):
                table.put(1 if column.group is None else 2, 3 + i, layout.relabel(column.label))
        positions = []
        r = header
        for i in range(len(part)):
            if extra_row and i == 2:
                r += 1  # an empty row left in the middle
            positions.append(r)
            r += 1
        # Label cells: merge first, then write, as Word users do.
        _merge_runs(table, part, positions, col=0, key=lambda row: row.within)
        if not layout.group_in_first_row:
            _merge_runs(table, part, positions, col=1, key=lambda row: row.group)
        previous_group = None
        for row, r in zip(part, positions, strict=True):
            if row.within is None:
                table.merge(r, 0, r, 2)
                table.put(r, 0, layout.relabel(row.label))
            elif layout.group_in_first_row:
                table.merge(r, 1, r, 2)
                label = layout.relabel(row.label)
                if row.group is not None and row.group != previous_group:
                    label = f"{layout.relabel(row.group)}\n{label}"
                table.put(r, 1, label)
                previous_group = row.group
            elif row.group is None:
                table.merge(r, 1, r, 2)
                table.put(r, 1, layout.relabel(row.label))
            else:
                table.put(r, 2, layout.relabel(row.label))
            for i, column in enumerate(section.columns):
                table.put(r, 3 + i, cells.get(section.cell_field(row.id, column.id), ""))
        for offset, (label, figures) in enumerate(extra, start=positions[-1] + 1):
            table.merge(offset, 0, offset, 2)
            table.put(offset, 0, label)
            for i, text in enumerate(figures):
                table.put(offset, 3 + i, text)


def _flat_rows(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, rows, cells: Mapping[str, str], layout: Layout
) -> None:
    """Rows continued in a table of one label column, without the header."""
    table = _table(document, len(rows), 1 + len(section.columns))
    for r, row in enumerate(rows):
        table.put(r, 0, layout.relabel(row.label))
        for i, column in enumerate(section.columns):
            table.put(r, 1 + i, cells.get(section.cell_field(row.id, column.id), ""))


def _merge_runs(table: _Sheet, rows, positions, *, col: int, key) -> None:  # type: ignore[no-untyped-def]
    """One merged, labelled cell down each run of rows sharing a part or group."""
    runs = itertools.groupby(zip(rows, positions, strict=True), key=lambda pair: key(pair[0]))
    for value, run in runs:
        if value is not None:
            placed = [r for _, r in run]
            table.merge(placed[0], col, placed[-1], col)
            table.put(placed[0], col, value)


def _wide_table(  # type: ignore[no-untyped-def]
    document, form: ReportForm, section: Section, cells: Mapping[str, str], layout: Layout
) -> None:
    n = len(section.columns)
    table = _table(document, 4, n * len(section.rows))
    review, *suits = section.rows
    table.merge(0, 0, 0, n - 1)
    table.put(0, 0, layout.relabel(review.label))
    for i, column in enumerate(section.columns):
        table.merge(1, i, 2, i)  # 复议's column labels stand over two header rows
        table.put(1, i, layout.relabel(column.label))
    table.merge(0, n, 0, n * len(section.rows) - 1)
    table.put(0, n, layout.relabel(suits[0].label))
    for g, row in enumerate(suits, start=1):
        table.merge(1, g * n, 1, (g + 1) * n - 1)
        table.put(1, g * n, layout.relabel(row.subgroup or ""))
        for i, column in enumerate(section.columns):
            table.put(2, g * n + i, layout.relabel(column.label))
    for g, row in enumerate(section.rows):
        for i, column in enumerate(section.columns):
            table.put(3, g * n + i, cells.get(section.cell_field(row.id, column.id), ""))
