"""A whole table pasted in one message, as copied from Excel or WPS; no storage, no front end.

    paste = parse_table(form, section, text)
    paste.values      # every accepted cell: {field id: value}
    paste.rows        # one PastedRow per data line: its line, matched question, values, problem
    paste.refusals()  # ["第 5 行「三（三）1 属于国家秘密」：…", …] in Chinese, one per refused row

What is accepted:

- one line per table row; cells separated by tabs (a spreadsheet copy) or, when the text
  has no tab, by spaces;
- with the label column (the row's official label, its number such as 三（三）1, or its name;
  several label cells, as merged cells copy, are joined) or without it: unlabelled lines are
  the table's rows in order, and then there must be as many lines as rows to fill (or as the
  table has rows, computed totals included);
- each row's answer cells, or every cell of the row: the computed totals (表三's 总计 column,
  the （七）总计 row) are then checked against their parts, never stored;
- a line without any number (a header: 自然人 商业企业 …) is skipped; a single 0 fills a row.

Each row is parsed and checked on its own: one wrong row is refused by its line number and
label, the others are kept. Values are typed (`bot.core.values.parse_value`); relations across
rows (勾稽关系) are the caller's to check once the values are in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.chat.paste_reader import (
    PastedLine,
    fit_cells,
    fit_rows,
    fit_wide,
    read_lines,
    split_cells,
    split_label,
    table_rows,
)
from bot.core.checks import complete_values
from bot.core.form import Question, ReportForm, Section
from bot.core.values import Value, ValueProblem, format_value, parse_value

# Punctuation and spaces a label may be copied with or without.
_LABEL_NOISE = re.compile(r"[\s、，,。.:：;；“”\"'‘’()（）·]")


@dataclass(frozen=True)
class PastedRow:
    """One data line of the paste: the question it fills (None: not a row to fill, or not
    recognised), the values it gives, and why it was refused (None: accepted)."""

    line: int
    text: str
    question: Question | None
    label: str
    values: dict[str, Value]
    problem: str | None = None
    # A computed row's figures as pasted (（七）总计), checked against the rows above.
    totals: dict[str, Value] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.problem is None and bool(self.values)


@dataclass(frozen=True)
class TablePaste:
    section: Section
    rows: tuple[PastedRow, ...]
    skipped: tuple[int, ...] = ()  # header lines (no figure in them)
    problem: str | None = None  # the paste as a whole could not be read

    @property
    def values(self) -> dict[str, Value]:
        return {f: v for row in self.rows if row.accepted for f, v in row.values.items()}

    @property
    def accepted(self) -> list[PastedRow]:
        return [row for row in self.rows if row.accepted]

    @property
    def refused(self) -> list[PastedRow]:
        return [row for row in self.rows if row.problem is not None]

    def refusals(self) -> list[str]:
        """One Chinese sentence per refused row, naming the line and the row."""
        return [f"第 {row.line} 行{_named(row.label)}：{row.problem}" for row in self.refused]


def looks_like_table(text: str) -> bool:
    """More than one line, a tab, or a row led by its label (规章 1 0 3): a paste rather than
    one typed row of figures."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 or "\t" in text:
        return True
    labels, figures = split_label(split_cells(text, tabs=False))
    return bool(labels) and bool(figures)


def parse_table(
    form: ReportForm, section: Section, text: str, existing: Mapping[str, Value] | None = None
) -> TablePaste:
    """Every line of `text` read as a row of `section` (a table section of `form`).

    `existing`: the report's values so far, against which pasted computed rows (（七）总计)
    are checked together with the pasted rows; nothing is read from anywhere else."""
    paste = _parse(form, section, text)
    return _check_totals(form, paste, existing or {})


def _check_totals(form: ReportForm, paste: TablePaste, existing: Mapping[str, Value]) -> TablePaste:
    if not any(row.totals for row in paste.rows):
        return paste
    completed = complete_values(form, {**existing, **paste.values})
    rows = []
    for row in paste.rows:
        wrong = [
            f"“{form.field(f).column}”填 {format_value(v, form.field(f).type)}、"
            f"各项之和为 {format_value(completed[f], form.field(f).type)}"
            for f, v in row.totals.items()
            if f in completed and completed[f] != v
        ]
        if wrong:
            row = replace(row, problem="与各项之和不符：" + "；".join(wrong))
        rows.append(row)
    return replace(paste, rows=tuple(rows))


def _parse(form: ReportForm, section: Section, text: str) -> TablePaste:
    lines = read_lines(text)
    data = [line for line in lines if line.has_figure]
    skipped = tuple(line.number for line in lines if not line.has_figure)
    if not data:
        return TablePaste(
            section, (), skipped, "未找到数字。请复制表格中的数字区域（可含行名）后粘贴。"
        )
    targets = _rows_and_questions(form, section)
    if not any(line.labels for line in data):
        if section.layout == "wide" and len(data) == 1:
            return _wide_line(form, section, data[0], targets, skipped)
        return _in_order(form, section, data, targets, skipped)
    rows = []
    for line in data:
        if not line.labels:
            problem = "缺少行名，无法确定是哪一行；请连同行名一并复制"
            rows.append(_refused(line.number, line.text, "", problem))
            continue
        target = _match(section, targets, line.label)
        if target is None:
            label = line.label[:20]
            problem = f"“{label}”不是{section.table}的行名"
            rows.append(_refused(line.number, line.text, label, problem))
            continue
        rows.append(_parse_row(form, line, target, list(line.figures)))
    return TablePaste(section, tuple(_no_repeats(rows)), skipped)


def _whole_row(line: PastedLine) -> list[str]:
    """An unlabelled line's figures. A row in the chat is a whole row: empty cells before its
    first figure are an empty column copied with it, not missing figures."""
    figures = list(line.figures)
    while figures and not figures[0]:
        figures.pop(0)
    return figures


# Rows and their labels ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """A row of the table: its question (None for a computed row such as （七）总计)."""

    label: str
    question: Question | None
    keys: tuple[str, ...]
    cells: tuple[str, ...]  # every cell of the row, computed ones included


def _rows_and_questions(form: ReportForm, section: Section) -> list[_Target]:
    rows = table_rows(form, section)
    if section.layout == "list":
        return [
            _Target(q.label, q, (_key(q.label),), cells)
            for q, cells in zip(section.questions, rows, strict=True)  # 表二: a row a question
        ]
    questions = {q.id.removeprefix(f"{section.id}."): q for q in section.questions}
    targets = []
    for row, cells in zip(section.rows, rows, strict=True):
        keys = {_key(row.label), _key(row.display), _key(row.name), _key(row.number)}
        label = section.short_labels[row.id]
        keys.add(_key(label))
        targets.append(_Target(label, questions.get(row.id), tuple(keys - {""}), cells))
    return targets


def _key(label: str) -> str:
    return _LABEL_NOISE.sub("", unicodedata.normalize("NFKC", label))


def _match(section: Section, targets: list[_Target], label: str) -> _Target | None:
    """The row a label names: equal to one of its names, or ending with its label (merged
    cells copy the group before it: （三）不予公开 1.属于国家秘密)."""
    key = _key(label)
    if not key:
        return None
    exact = [t for t in targets if key in t.keys]
    if len(exact) == 1:
        return exact[0]
    ending = [t for t in targets if any(len(k) >= 3 and key.endswith(k) for k in t.keys)]
    if len(ending) == 1:
        return ending[0]
    starting = [t for t in targets if len(key) >= 4 and any(k.startswith(key) for k in t.keys)]
    return starting[0] if len(starting) == 1 else None


def _named(label: str) -> str:
    return f"「{label}」" if label else ""


def _refused(line: int, text: str, label: str, problem: str) -> PastedRow:
    return PastedRow(line, text, None, label, {}, problem)


def _no_repeats(rows: list[PastedRow]) -> list[PastedRow]:
    """A row pasted twice: the first line counts, the repeat is refused."""
    seen: dict[str, int] = {}
    kept = []
    for row in rows:
        key = row.question.id if row.question is not None else None
        if key is not None and row.problem is None and key in seen:
            row = PastedRow(
                row.line, row.text, None, row.label, {}, f"与第 {seen[key]} 行重复，未采用"
            )
        elif key is not None:
            seen.setdefault(key, row.line)
        kept.append(row)
    return kept


# Rows without labels --------------------------------------------------------------------------


def _in_order(
    form: ReportForm,
    section: Section,
    data: list[PastedLine],
    targets: list[_Target],
    skipped: tuple[int, ...],
) -> TablePaste:
    fitted = fit_rows(form, [t.cells for t in targets], len(data))
    if fitted is None:
        asked = [t for t in targets if t.question is not None]
        counts = (
            f"{len(asked)} 行"
            if len(asked) == len(targets)
            else (f"{len(asked)} 行（不含合计行）或 {len(targets)} 行（含合计行）")
        )
        problem = (
            f"粘贴的内容有 {len(data)} 行数字、没有行名，{section.table}应为 {counts}，"
            "无法确定各行对应哪一项。请连同行名一并复制后重新粘贴，或补齐各行。"
        )
        return TablePaste(section, (), skipped, problem)
    rows = [
        _parse_row(form, line, targets[index], _whole_row(line))
        for line, index in zip(data, fitted, strict=True)
    ]
    return TablePaste(section, tuple(rows), skipped)


def _wide_line(
    form: ReportForm,
    section: Section,
    line: PastedLine,
    targets: list[_Target],
    skipped: tuple[int, ...],
) -> TablePaste:
    """表四 as printed: every row side by side in one line of figures."""
    figures = _whole_row(line)
    width = fit_wide(form, [t.cells for t in targets], len(figures))
    if width is None:
        if len(targets) > 1:
            return _in_order(form, section, [line], targets, skipped)
        width = len(figures)
    rows = [
        _parse_row(form, line, target, figures[i * width : (i + 1) * width])
        for i, target in enumerate(targets)
    ]
    return TablePaste(section, tuple(rows), skipped)


# One row --------------------------------------------------------------------------------------


def _parse_row(
    form: ReportForm, line: PastedLine, target: _Target, figures: list[str]
) -> PastedRow:
    def refused(problem: str) -> PastedRow:
        return PastedRow(line.number, line.text, target.question, target.label, {}, problem)

    every = list(target.cells)
    asked = list(target.question.fields) if target.question is not None else []
    if figures == ["0"] and target.question is not None:
        figures = ["0"] * len(asked)
    cells = fit_cells(form, every, len(figures))
    if cells is None:
        expected = f"{len(asked)} 个数" if asked else ""
        if len(every) != len(asked):
            expected += (
                f"{'（或连同合计 ' if asked else ''}{len(every)} 个数{'）' if asked else ''}"
            )
        return refused(f"有 {len(figures)} 个数，本行应为 {expected}")
    values: dict[str, Value] = {}
    problems = []
    for field_id, figure in zip(cells, figures, strict=True):
        field = form.field(field_id)
        column = field.column or field.row
        if not figure:
            problems.append(f"{column}为空，数量为零时请填写 0")
            continue
        try:
            values[field_id] = parse_value(field, figure)
        except ValueProblem as exc:
            problems.append(f"{column}：{exc}")
    if problems:
        return refused("；".join(problems))
    computed = complete_values(form, {f: v for f, v in values.items() if f in asked})
    for field_id in cells:
        if field_id in asked or field_id not in computed:
            continue
        if computed[field_id] != values[field_id]:
            field = form.field(field_id)
            return refused(
                f"“{field.column}”填 {format_value(values[field_id], field.type)}，"
                f"与各格之和 {format_value(computed[field_id], field.type)} 不符"
            )
    if target.question is None:  # a computed row: checked once every row is in
        return PastedRow(line.number, line.text, None, target.label, {}, totals=values)
    kept = {f: v for f, v in values.items() if f in asked}
    return PastedRow(line.number, line.text, target.question, target.label, kept)
