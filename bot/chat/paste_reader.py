"""Table text pasted in one go (from Excel, WPS, or typed), read into lines of label and
figure cells and fitted to a table's rows and cells; no storage, no front end.

One reader for every paste: the chat's whole-table message (`bot.chat.table_paste`: rows
found by their labels, each row checked on its own) and the web sheet's block laid onto a
table from a chosen cell (`bot.chat.paste`) read the text the same way and leave out the
same computed cells and rows; each says what it refused in its own words.

    lines = read_lines("\\t一、本年新收\\t3\\t0\\t1\\t0\\t0\\t0\\t4")
    lines[0].labels   # ("一、本年新收",)
    lines[0].figures  # ("3", "0", "1", "0", "0", "0", "4")

- lines: the text's non-blank lines, numbered as pasted (blank lines count, so that a
  refused row is named by the line the member sees);
- cells: tab-separated when the text has a tab anywhere (a copy from Excel or WPS), else split
  the way a typed row is (spaces, 、，； and commas outside thousands groups:
  `bot.chat.rows.split_row`) but for labels, kept whole; full-width digits and punctuation
  normalised (NFKC);
- labels: the leading cells in words (the row's label, its number, merged group cells;
  empty merged cells among them dropped); a figure with its unit (3件) or a blank mark
  (无、—) is not a label;
- figures: the cells after the labels. An empty cell is kept (a missing figure), except at the
  end (a wider selection copies empty cells) and, beside a label, the empty merged cells.
  Figures are typed by `bot.core.values.parse_value` (1,234、1，234、12.5万元、３件);
- fitting: a row may be pasted with or without its computed cells (表三's 总计 column), a
  table with or without its computed rows (（七）总计), 表四 as printed (every row side by
  side in one line).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.chat.rows import split_row
from bot.core.form import ReportForm, Section
from bot.core.values import BLANK_MARKS

# A cell that holds a figure (or a blank mark in a figure's place), not a label.
_FIGURE = re.compile(r"^[+\-−]?[\d,，.]+\s*(万元|元|件|个|项|次)?$|^[/—－\-]{1,2}$")


@dataclass(frozen=True)
class PastedLine:
    """One non-blank line of the paste."""

    number: int  # 1-based, blank lines counted
    text: str  # as pasted
    labels: tuple[str, ...]
    figures: tuple[str, ...]

    @property
    def label(self) -> str:
        """The label cells joined (merged cells copy the group before the row's own label)."""
        return "".join(self.labels)

    @property
    def has_figure(self) -> bool:
        """False for a header line (自然人 商业企业 …) or words alone."""
        return any(is_figure(cell) for cell in self.figures)


def read_lines(text: str) -> list[PastedLine]:
    tabs = "\t" in text
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        labels, figures = split_label(split_cells(line, tabs=tabs))
        lines.append(PastedLine(number, line, tuple(labels), tuple(figures)))
    return lines


def split_cells(line: str, *, tabs: bool) -> list[str]:
    """The cells of one line: tab-separated (`tabs`), else as a typed row is split."""
    if tabs:
        return [unicodedata.normalize("NFKC", cell).strip() for cell in line.split("\t")]
    cells = []
    for piece in unicodedata.normalize("NFKC", line).split():
        words = split_row(piece)
        # A label stays whole (一、本年新收…: the refusal of a row shows it as pasted).
        cells += [piece] if all(is_label(word) for word in words) else words
    return cells


def split_label(cells: list[str]) -> tuple[list[str], list[str]]:
    """The label cells (leading words; empty merged cells beside them dropped) and the figure
    cells after them (empty ones kept, except trailing ones)."""
    index = 0
    while index < len(cells) and (not cells[index] or is_label(cells[index])):
        index += 1
    labels = [cell for cell in cells[:index] if cell]
    if not labels:
        index = 0  # no label: leading empty cells are missing figures, not merged cells
    figures = cells[index:]
    while figures and not figures[-1]:  # a trailing tab copies an empty cell
        figures.pop()
    return labels, figures


def is_figure(cell: str) -> bool:
    return bool(_FIGURE.match(cell.strip())) and any(ch.isdigit() for ch in cell)


def is_label(cell: str) -> bool:
    """A label cell: Chinese words, not a figure with its unit (3件) or a blank mark (无)."""
    return (
        any("\u4e00" <= ch <= "\u9fff" for ch in cell)
        and not is_figure(cell)
        and cell not in BLANK_MARKS
    )


def table_rows(form: ReportForm, section: Section) -> list[tuple[str, ...]]:
    """The field ids of every row of a table, as laid out in the report (computed cells
    such as 总计 included)."""
    if section.layout == "list":
        return [row.fields for group in section.groups for row in group.rows]
    return [tuple(row) for row in section.grid]


def typed_cells(form: ReportForm, row: Sequence[str]) -> list[str]:
    """The cells of a row that are filled in, not computed (总计)."""
    return [field_id for field_id in row if not form.field(field_id).derived]


def fit_cells(form: ReportForm, row: Sequence[str], count: int) -> list[str] | None:
    """The cells of `row` that `count` figures fill: every cell, or the typed ones (the
    computed cells left out); None when it is neither."""
    if count == len(row):
        return list(row)
    typed = typed_cells(form, row)
    if count == len(typed):
        return typed
    return None


def fit_rows(form: ReportForm, rows: Sequence[Sequence[str]], count: int) -> list[int] | None:
    """The rows (their indices in `rows`) that `count` lines fill, in order: every row, or the
    rows with cells to type (computed rows such as （七）总计 left out); None when neither."""
    if count == len(rows):
        return list(range(len(rows)))
    typed = [i for i, row in enumerate(rows) if typed_cells(form, row)]
    if count == len(typed):
        return typed
    return None


def fit_wide(form: ReportForm, rows: Sequence[Sequence[str]], count: int) -> int | None:
    """A table printed as one line (表四): how many of `count` figures each row takes (every
    cell of each row, or its typed cells); None when it is neither."""
    if count == len(rows) * len(rows[0]):
        return len(rows[0])
    typed = len(typed_cells(form, rows[0]))
    if count == len(rows) * typed:
        return typed
    return None
