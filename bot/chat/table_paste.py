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

from bot.core.checks import complete_values
from bot.core.form import Question, ReportForm, Section
from bot.core.values import BLANK_MARKS, Value, ValueProblem, format_value, parse_value

# A cell that holds a figure (or a blank mark in a figure's place), not a label.
_FIGURE = re.compile(r"^[+\-−]?[\d,，.]+\s*(万元|元|件|个|项|次)?$|^[/—－\-]{1,2}$")
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
    labels, figures = _label(_cells(text, tabs=False))
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
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    split = [(n, line, _cells(line, tabs="\t" in text)) for n, line in lines]
    data = [(n, line, cells) for n, line, cells in split if any(_is_figure(c) for c in cells)]
    skipped = tuple(n for n, _, cells in split if not any(_is_figure(c) for c in cells))
    if not data:
        return TablePaste(
            section, (), skipped, "未找到数字。请复制表格中的数字区域（可含行名）后粘贴。"
        )
    targets = _rows_and_questions(section)
    labelled = [_label(cells) for _, _, cells in data]
    if not any(labels for labels, _ in labelled):
        if section.layout == "wide" and len(data) == 1:
            return _wide_line(form, section, data[0], targets, skipped)
        return _in_order(form, section, data, targets, skipped)
    rows = []
    for (n, line, _), (labels, figures) in zip(data, labelled, strict=True):
        if not labels:
            rows.append(_refused(n, line, "", "缺少行名，无法确定是哪一行；请连同行名一并复制"))
            continue
        target = _match(section, targets, "".join(labels))
        if target is None:
            label = "".join(labels)
            rows.append(_refused(n, line, label[:20], f"“{label[:20]}”不是{section.table}的行名"))
            continue
        rows.append(_parse_row(form, section, n, line, target, figures))
    return TablePaste(section, tuple(_no_repeats(rows)), skipped)


# Lines and cells ------------------------------------------------------------------------------


def _cells(line: str, *, tabs: bool) -> list[str]:
    text = unicodedata.normalize("NFKC", line)
    if tabs:
        return [c.strip() for c in text.rstrip("\r").split("\t")]
    return text.split()


def _is_figure(cell: str) -> bool:
    return bool(_FIGURE.match(cell.strip())) and any(ch.isdigit() for ch in cell)


def _label(cells: list[str]) -> tuple[list[str], list[str]]:
    """The label cells (the leading cells in words; blanks of merged cells dropped) and the
    figure cells after them (blanks kept: an empty cell is a missing figure)."""
    index = 0
    while index < len(cells) and (not cells[index] or _is_words(cells[index])):
        index += 1
    labels = [c for c in cells[:index] if c]
    figures = cells[index:]
    while figures and not figures[-1]:  # a trailing tab copies an empty cell
        figures.pop()
    return labels, figures


def _is_words(cell: str) -> bool:
    """A label cell: Chinese words, not a figure with its unit (3件) or a blank mark (无)."""
    return (
        any("\u4e00" <= ch <= "\u9fff" for ch in cell)
        and not _is_figure(cell)
        and cell not in BLANK_MARKS
    )


@dataclass(frozen=True)
class _Target:
    """A row of the table: its question (None for a computed row such as （七）总计)."""

    row_id: str
    label: str
    question: Question | None
    keys: tuple[str, ...]


def _rows_and_questions(section: Section) -> list[_Target]:
    questions = {q.id.removeprefix(f"{section.id}."): q for q in section.questions}
    if section.layout == "list":
        return [
            _Target(q.id, q.label, q, (_key(q.label),))
            for q in section.questions  # 表二: each row is a question
        ]
    targets = []
    for row in section.rows:
        keys = {_key(row.label), _key(row.display), _key(row.name), _key(row.number)}
        keys.add(_key(section.short_labels[row.id]))
        targets.append(
            _Target(row.id, section.short_labels[row.id], questions.get(row.id), tuple(keys - {""}))
        )
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
    data: list[tuple[int, str, list[str]]],
    targets: list[_Target],
    skipped: tuple[int, ...],
) -> TablePaste:
    asked = [t for t in targets if t.question is not None]
    if len(data) == len(asked):
        order = asked
    elif len(data) == len(targets):
        order = targets
    else:
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
        _parse_row(form, section, n, line, target, _label(cells)[1])
        for (n, line, cells), target in zip(data, order, strict=True)
    ]
    return TablePaste(section, tuple(rows), skipped)


def _wide_line(
    form: ReportForm,
    section: Section,
    data: tuple[int, str, list[str]],
    targets: list[_Target],
    skipped: tuple[int, ...],
) -> TablePaste:
    """表四 as printed: every row side by side in one line of figures."""
    n, line, cells = data
    figures = _label(cells)[1]
    width = len(figures) // len(targets) if len(figures) % len(targets) == 0 else 0
    if width not in (len(section.columns), len(section.questions[0].fields)):
        if len(targets) > 1:
            return _in_order(form, section, [data], targets, skipped)
        width = len(figures)
    rows = [
        _parse_row(form, section, n, line, target, figures[i * width : (i + 1) * width])
        for i, target in enumerate(targets)
    ]
    return TablePaste(section, tuple(rows), skipped)


# One row --------------------------------------------------------------------------------------


def _parse_row(
    form: ReportForm,
    section: Section,
    line_number: int,
    line: str,
    target: _Target,
    figures: list[str],
) -> PastedRow:
    def refused(problem: str) -> PastedRow:
        return PastedRow(line_number, line, target.question, target.label, {}, problem)

    every = _every_cell(section, target)
    asked = list(target.question.fields) if target.question is not None else []
    if figures == ["0"] and target.question is not None:
        figures = ["0"] * len(asked)
    if len(figures) == len(asked) and asked:
        cells = asked
    elif len(figures) == len(every):
        cells = every
    else:
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
        return PastedRow(line_number, line, None, target.label, {}, totals=values)
    kept = {f: v for f, v in values.items() if f in asked}
    return PastedRow(line_number, line, target.question, target.label, kept)


def _every_cell(section: Section, target: _Target) -> list[str]:
    if section.layout == "list":
        assert target.question is not None
        return list(target.question.fields)
    return [section.cell_field(target.row_id, c.id) for c in section.columns]
