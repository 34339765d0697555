"""A block of cells copied from Excel or WPS (tab-separated lines) laid onto a table.

A block may be the whole table (with or without its 总计 column and row, with or without its
label columns) or part of it starting at one cell. Copies from a spreadsheet keep the label
columns at the left: leading cells that are labels (Chinese text that is not a number) are
skipped. A table whose official layout is one line (表四) takes its cells in reading order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.chat.rows import split_row
from bot.core.form import ReportForm, Section
from bot.core.values import Value, ValueProblem, parse_value

_CJK = re.compile(r"[\u3400-\u9fff]")
_UNIT_ONLY = re.compile(r"^[\d\s.,，+\-]*(万元|元|件|个|项|次)?$")


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


def table_rows(form: ReportForm, section: Section) -> list[tuple[str, ...]]:
    """The field ids of every row of a table, as laid out in the report."""
    if section.layout == "list":
        return [row.fields for group in section.groups for row in group.rows]
    return [tuple(row) for row in section.grid]


def split_block(text: str) -> list[list[str]]:
    """Lines of cells: tab-separated as spreadsheets copy them; without a tab anywhere, split
    the way the chat splits a typed row (spaces, 、 and commas)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line for line in text.split("\n") if line.strip()]
    if any("\t" in line for line in lines):
        return [[cell.strip() for cell in line.split("\t")] for line in lines]
    return [split_row(line) for line in lines]


def _is_label(cell: str) -> bool:
    normalised = unicodedata.normalize("NFKC", cell).strip()
    return bool(_CJK.search(normalised)) and not _UNIT_ONLY.match(normalised)


def _without_labels(cells: list[str]) -> list[str]:
    start = 0
    while start < len(cells) and (_is_label(cells[start]) or not cells[start].strip()):
        start += 1
    # Blank leading cells are merged label cells only if a label follows or precedes them.
    if start and not any(_is_label(c) for c in cells[:start]):
        start = 0
    end = len(cells)
    while end > start and not cells[end - 1].strip():
        end -= 1  # trailing empty cells of a wider selection
    return cells[start:end]


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
    lines = [cells for cells in map(_without_labels, split_block(text)) if cells]
    if section.layout == "text":
        raise PasteProblem("文字部分请直接在文本框中粘贴。")
    if not lines:
        raise PasteProblem("未收到数字。请从 Excel 或 WPS 表格中复制单元格后粘贴。")
    if section.layout == "wide":
        flat = [cell for line in lines for cell in line]
        typed = [f for f in rows[0] if not form.field(f).derived]
        width = len(typed) if len(flat) == len(typed) * len(rows) else len(rows[0])
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
    if len(lines) == len(rows):
        return lines
    input_rows = [i for i, row in enumerate(rows) if not all(form.field(f).derived for f in row)]
    if len(lines) != len(input_rows):
        if len(lines) < len(rows):
            return lines  # the first rows of the table
        raise PasteProblem(
            f"粘贴了 {len(lines)} 行，{section.table}共 {len(rows)} 行"
            f"（其中需填写 {len(input_rows)} 行）。请核对复制的范围。"
        )
    fitted: list[list[str]] = [[] for _ in rows]
    for index, cells in zip(input_rows, lines, strict=True):
        fitted[index] = cells
    return fitted


def _row_targets(
    form: ReportForm, row: tuple[str, ...], cells: list[str]
) -> list[tuple[str, str]] | None:
    """Cell ↔ field pairs: all the row's cells, or only those typed (总计 left out), or the
    first cells of the row from the start column."""
    if not cells:
        return []
    if len(cells) == len(row):
        return list(zip(row, cells, strict=True))
    typed = [f for f in row if not form.field(f).derived]
    if len(cells) == len(typed):
        return list(zip(typed, cells, strict=True))
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
