"""A block of cells copied from Excel or WPS laid onto a table: the web sheet's paste.

A block may be the whole table (with or without its 总计 column and row, with or without its
label columns) or part of it starting at one cell. The text is read as every paste is
(`bot.chat.paste_reader`): the label columns a copy keeps at the left are skipped, and the
figures laid in order from the chosen cell. A table whose official layout is one line (表四)
takes its cells in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.chat.paste_reader import (
    fit_cells,
    fit_rows,
    fit_wide,
    read_lines,
    table_rows,
    typed_cells,
)
from bot.core.form import ReportForm, Section
from bot.core.values import Value, ValueProblem, parse_value


class PasteProblem(ValueError):
    """The block does not fit the table; `str(exc)` says why, in Chinese."""


@dataclass(frozen=True)
class PasteResult:
    values: dict[str, Value] = field(default_factory=dict)
    # Computed cells (总计) as pasted: the caller compares them with the computed totals.
    totals: dict[str, Value] = field(default_factory=dict)
    # Cells refused, by field id, with what was typed and why (the chat's messages).
    problems: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)


def parse_block(
    form: ReportForm,
    section: Section,
    text: str,
    *,
    start_row: int = 0,
    start_column: int = 0,
) -> PasteResult:
    """The cells of `section` a block fills, from row `start_row`, column `start_column`."""
    rows = table_rows(form, section)
    lines = [list(line.figures) for line in read_lines(text) if line.figures]
    if section.layout == "text":
        raise PasteProblem("文字部分请直接在文本框中粘贴。")
    if not lines:
        raise PasteProblem("未收到数字。请从 Excel 或 WPS 表格中复制单元格后粘贴。")
    if section.layout == "wide":
        flat = [cell for line in lines for cell in line]
        width = fit_wide(form, rows, len(flat))
        if width is None:
            width = len(rows[0])
        lines = [flat[i : i + width] for i in range(0, len(flat), width)]
    elif start_row == 0 and start_column == 0:
        lines = _fit_rows(form, section, rows, lines)
    if start_row + len(lines) > len(rows):
        raise PasteProblem(
            f"粘贴了 {len(lines)} 行，{section.table}从所选行起只有 {len(rows) - start_row} 行。"
            "请核对复制的范围。"
        )
    result = PasteResult()
    for offset, cells in enumerate(lines):
        row = rows[start_row + offset]
        targets = _row_targets(form, row[start_column:], cells)
        if targets is None:
            raise PasteProblem(_width_message(form, section, row, cells))
        for field_id, token in targets:
            field_def = form.field(field_id)
            try:
                value = parse_value(field_def, token)
            except ValueProblem as exc:
                result.problems[field_id] = f"{field_def.label}：{exc}"
                result.typed[field_id] = token
                continue
            (result.totals if field_def.derived else result.values)[field_id] = value
    return result


def _fit_rows(
    form: ReportForm, section: Section, rows: list[tuple[str, ...]], lines: list[list[str]]
) -> list[list[str]]:
    """A whole-table block may leave out the computed rows (（七）总计): put them back empty."""
    indices = fit_rows(form, rows, len(lines))
    if indices is None:
        if len(lines) < len(rows):
            return lines  # the first rows of the table
        input_rows = [i for i, row in enumerate(rows) if typed_cells(form, row)]
        raise PasteProblem(
            f"粘贴了 {len(lines)} 行，{section.table}共 {len(rows)} 行"
            f"（其中需填写 {len(input_rows)} 行）。请核对复制的范围。"
        )
    fitted: list[list[str]] = [[] for _ in rows]
    for index, cells in zip(indices, lines, strict=True):
        fitted[index] = cells
    return fitted


def _row_targets(
    form: ReportForm, row: tuple[str, ...], cells: list[str]
) -> list[tuple[str, str]] | None:
    """Cell ↔ field pairs: all the row's cells, or only those typed (总计 left out), or the
    first cells of the row from the start column."""
    if not cells:
        return []
    fitted = fit_cells(form, row, len(cells))
    if fitted is not None:
        return list(zip(fitted, cells, strict=True))
    if len(cells) < len(row):
        return list(zip(row, cells, strict=False))
    return None


def _width_message(
    form: ReportForm, section: Section, row: tuple[str, ...], cells: list[str]
) -> str:
    names = "、".join(form.field(f).column or "" for f in row)
    label = form.field(row[0]).row
    return (
        f"{section.table}「{label}」行共 {len(row)} 格（{names}），"
        f"粘贴的这一行有 {len(cells)} 个数。请核对复制的范围。"
    )
