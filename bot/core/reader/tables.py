"""Finding each figure of tables 二, 三 and 四 by its official row and column labels.

The readers only locate cells: `SectionCells.located` maps a field id to every Word cell
found for it. Turning cell text into a value, and deciding what is unreadable, happens once
for all tables in `values_from_cells`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.form import Column, FieldDef, ReportForm, Row, Section
from bot.core.reader.labels import LabelMatcher, normalise_label
from bot.core.reader.layout import Cell, Grid, distinct, new_cell
from bot.core.reader.model import PROBABLE_ZERO, ReadProblem
from bot.core.values import Value, ValueProblem, format_value, is_blank, parse_number


@dataclass
class SectionCells:
    located: dict[str, list[Cell]] = field(default_factory=lambda: defaultdict(list))
    problems: list[ReadProblem] = field(default_factory=list)

    def add(self, field_id: str, cell: Cell) -> None:
        self.located[field_id].append(cell)


def _row_problem(section: Section, texts: Iterable[str], *, has_figures: bool) -> ReadProblem:
    label = "／".join(t.replace("\n", "") for t in texts if t.strip()) or "（无标题）"
    what = "有数字，" if has_figures else ""
    return ReadProblem(
        None,
        f"{section.table}中「{_clip(label, 40)}」一行{what}无法对应到{section.title}"
        "标准格式中的任何一行，未读取",
        check="unmatched_row",
        found=label,
    )


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def section_labels(section: Section) -> LabelMatcher[bool]:
    """Every official label printed in a section's table, for telling the tables apart."""
    labels: list[str] = []
    if section.layout == "list":
        for group in section.groups:
            labels += [group.heading, *group.columns, *(r.label for r in group.rows)]
        labels += [section.row_header] if section.row_header else []
    else:
        labels += [c.label for c in section.columns] + [c.group for c in section.columns if c.group]
        for row in section.rows:
            labels += [row.label] + [x for x in (row.within, row.group, row.subgroup) if x]
        labels += [*section.header.values(), *([section.note] if section.note else [])]
    return LabelMatcher((label, True) for label in labels)


def table_score(matcher: LabelMatcher[bool], grid: Grid) -> int:
    texts = {cell.text for row in grid.rows for cell in row if not cell.blank}
    return sum(1 for text in texts if matcher.match(text))


# --- table 二: per item a heading row, a column header and rows ---------------------------


def read_list(form: ReportForm, section: Section, grids: list[Grid]) -> SectionCells:
    out = SectionCells()
    headings = LabelMatcher((g.heading, g) for g in section.groups)
    rows = LabelMatcher((r.label, (g, r)) for g in section.groups for r in g.rows)
    columns = LabelMatcher((c, c) for g in section.groups for c in g.columns)
    for grid in grids:
        header: dict[int, str] | None = None
        for cells in grid.rows:
            row_cells = distinct(cells)
            first = row_cells[0]
            rest = [c for c in row_cells[1:] if not c.blank]
            header_here = {
                col: label
                for col, cell in enumerate(cells)
                if cell.key != first.key and (label := columns.match(cell.text)) is not None
            }
            if header_here:
                header = header_here
                continue
            if headings.match(first.text) is not None:
                header = None  # a new item: its own column header follows
                continue
            match = rows.match_lines(first.text)
            if match is None:
                if len(row_cells) == 1 and grid.width > 1:
                    continue  # a caption spanning the table
                out.problems.append(
                    _row_problem(section, [c.text for c in row_cells], has_figures=bool(rest))
                )
                continue
            group, list_row = match
            by_label: dict[str, list[Cell]] = {}
            if header is not None and all(c in header.values() for c in group.columns):
                for col, label in header.items():
                    by_label.setdefault(label, []).append(cells[col])
                for label, field_id in zip(group.columns, list_row.fields, strict=True):
                    for cell in distinct(by_label[label]):
                        out.add(field_id, cell)
                continue
            values = row_cells[1:]
            if len(values) != len(list_row.fields):
                out.problems.extend(
                    ReadProblem(
                        field_id,
                        f"{form.field(field_id).label}：该行有 {len(values)} 个数字格，"
                        f"标准格式为 {len(list_row.fields)} 个，且未找到列标题，无法确定对应关系",
                        found=" ".join(c.text for c in values),
                    )
                    for field_id in list_row.fields
                )
                continue
            for field_id, cell in zip(list_row.fields, values, strict=True):
                out.add(field_id, cell)
    return out


# --- tables 三 and 四: a grid of rows and columns -----------------------------------------


@dataclass(frozen=True)
class _Header:
    width: int
    paths: tuple[tuple[str, ...], ...]  # header texts above each grid column, top to bottom
    columns: dict[int, Column]  # grid column -> the official column it stands under


def read_grid(form: ReportForm, section: Section, grids: list[Grid]) -> SectionCells:
    out = SectionCells()
    row_keys = LabelMatcher((r.subgroup or r.label, r) for r in section.rows)
    columns = LabelMatcher((c.label, c) for c in section.columns)
    known = section_labels(section)
    context = _GridContext(section, row_keys, known, out, _group_rows(section))
    header: _Header | None = None
    for grid in grids:
        # A single cell across the whole table is a caption or a note, not a row of figures.
        body = [r for r in grid.rows if not (len(distinct(r)) == 1 and grid.width > 1)]
        first = _first_figure_row(section, body, row_keys, known)
        if first is None:
            continue
        if first > 0:
            header = _header(body[:first], columns, grid.width) or header
        if header is not None and header.width != grid.width:
            header = None  # continued with another column layout: go by position
        for cells in body[first:]:
            if header is not None:
                context.row_by_header(cells, header)
            else:
                context.row_by_position(cells)
    return out


def _first_figure_row(
    section: Section,
    rows: list[tuple[Cell, ...]],
    row_keys: LabelMatcher[Row],
    known: LabelMatcher[bool],
) -> int | None:
    """Where the header ends: at the first row labelled as a row of the form (table 三), or
    at the first row of figures (table 四, whose rows are labelled in the header)."""
    if section.layout == "grid":
        return next(
            (i for i, r in enumerate(rows) if any(row_keys.match_lines(c.text) for c in r)), None
        )
    for i, r in enumerate(rows):
        if any(_looks_numeric(c.text) or (not c.blank and is_blank(c.text)) for c in r):
            return i
    return next(
        (i for i, r in enumerate(rows) if any(not c.blank and not known.match(c.text) for c in r)),
        None,
    )


def _header(
    rows: list[tuple[Cell, ...]], columns: LabelMatcher[Column], width: int
) -> _Header | None:
    paths = []
    found: dict[int, Column] = {}
    for col in range(width):
        path = tuple(c.text for c in distinct([r[col] for r in rows]) if not c.blank)
        paths.append(path)
        for text in reversed(path):
            label = columns.match(text)
            if label is not None:
                found[col] = label
                break
    return _Header(width, tuple(paths), found) if found else None


def _match_row(row_keys: LabelMatcher[Row], texts: Iterable[str]) -> Row | None:
    for text in reversed(list(texts)):
        row = row_keys.match_lines(text)
        if row is not None:
            return row
    return None


def _group_rows(section: Section) -> LabelMatcher[tuple[Row, tuple[Row, ...]]]:
    """Each group that ends in a catch-all row ("3.其他"): that row and the group's others.

    The 2021 form split the older single row （六）其他处理 in three; reports still print the
    single row, whose figures the catch-all row takes.
    """
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in section.rows:
        if row.group:
            groups[row.group].append(row)
    return LabelMatcher(
        (group, (rows[-1], tuple(rows[:-1])))
        for group, rows in groups.items()
        if normalise_label(rows[-1].label).endswith("其他")
    )


@dataclass
class _GridContext:
    section: Section
    row_keys: LabelMatcher[Row]
    known: LabelMatcher[bool]
    out: SectionCells
    groups: LabelMatcher[tuple[Row, tuple[Row, ...]]]

    def _row(self, labels: list[str], figures: list[Cell]) -> tuple[Row | None, tuple[Row, ...]]:
        """The row the labels name; for a group printed as one row with figures, its catch-all
        row and the group's rows that were not given."""
        row = _match_row(self.row_keys, labels)
        if row is not None or not labels or all(c.blank for c in figures):
            return row, ()
        group = self.groups.match_lines(labels[-1])
        return group if group is not None else (None, ())

    def _group_as_one_row(self, catch_all: Row, missing: tuple[Row, ...], figures: dict) -> None:
        """A group given as one row: the rows it leaves out are 0 where its figure is 0 (counts
        are never negative), and listed elsewhere."""
        unread = []
        for column, cell in figures.items():
            zero = _looks_numeric(cell.text) and not re.search(r"[1-9]", cell.text)
            for row in missing:
                field_id = self.section.cell_field(row.id, column.id)
                if zero:
                    self.out.add(field_id, new_cell("0"))
                else:
                    unread.append(field_id)
        rows = "」「".join(r.label for r in missing)
        group = catch_all.group or ""
        message = (
            f"{self.section.table}「{group}」按旧版格式只填了一行，未分列「{rows}」"
            f"「{catch_all.label}」各行；该行数字已计入「{catch_all.label}」"
        )
        if unread:
            message += (
                f"，「{rows}」中该行数字不为 0 的 {len(unread)} 个单元格未能读取，请核对后补填"
            )
        else:
            message += f"，该行数字均为 0，「{rows}」按 0 读取"
        self.out.problems.append(
            ReadProblem(
                None,
                message,
                check="group_as_one_row",
                found=group,
                severity="error" if unread else "warning",
                fields=tuple(unread),
            )
        )

    def _unmatched(self, labels: list[str], figures: list[Cell]) -> None:
        if labels and all(self.known.match(t) for t in labels) and all(c.blank for c in figures):
            return  # a heading row such as （三）不予公开 laid out on a line of its own
        self.out.problems.append(
            _row_problem(self.section, labels, has_figures=any(not c.blank for c in figures))
        )

    def row_by_header(self, cells: tuple[Cell, ...], header: _Header) -> None:
        value_cols = sorted(header.columns)
        value_keys = {cells[c].key for c in value_cols}
        labels = [c.text for c in distinct(cells) if c.key not in value_keys and not c.blank]
        figures = [cells[c] for c in value_cols]
        row, missing = self._row(labels, figures)
        if row is None and self.section.layout == "grid":
            self._unmatched(labels, figures)
            return
        unplaced = []
        for col in value_cols:
            target = row or _match_row(self.row_keys, header.paths[col])
            if target is None:
                unplaced.append(cells[col])
            else:
                field_id = self.section.cell_field(target.id, header.columns[col].id)
                self.out.add(field_id, cells[col])
        if unplaced:
            self._unmatched(labels, unplaced)
        if row is not None and missing:
            by_column = {header.columns[c]: cells[c] for c in value_cols}
            self._group_as_one_row(row, missing, by_column)
        for col, cell in enumerate(cells):
            if col in header.columns or cell.key in value_keys or cell.blank:
                continue
            if col > value_cols[0] and _looks_numeric(cell.text):
                heading = "／".join(header.paths[col]) or f"第 {col + 1} 列"
                self.out.problems.append(
                    ReadProblem(
                        None,
                        f"{self.section.table}「{_clip(heading)}」列不是标准格式中的列，"
                        f"其中的“{_clip(cell.text)}”未读取",
                        check="unmatched_column",
                        found=cell.text,
                    )
                )

    def row_by_position(self, cells: tuple[Cell, ...]) -> None:
        """A row of a table continued without its header: the figures are the last cells."""
        row_cells = distinct(cells)
        n = len(self.section.columns)
        labels = [c.text for c in row_cells[:-n] if not c.blank] if len(row_cells) > n else []
        figures = row_cells[-n:] if len(row_cells) > n else []
        row, missing = self._row(labels, figures)
        if row is None:
            self._unmatched(labels or [c.text for c in row_cells if not c.blank], figures)
            return
        for column, cell in zip(self.section.columns, figures, strict=True):
            self.out.add(self.section.cell_field(row.id, column.id), cell)
        if missing:
            self._group_as_one_row(
                row, missing, dict(zip(self.section.columns, figures, strict=True))
            )


_NUMERIC = re.compile(r"^[+-]?\d[\d,，.]*")


def _looks_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(unicodedata.normalize("NFKC", text).strip()))


# --- cell text to values --------------------------------------------------------------------


# Cells named in the probable-zero problem; the others are counted.
_ZERO_NAMES = 5
_SPACED_DIGITS = re.compile(r"\d\s+\d")
_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}( \d{3})+$")


def read_value(field_def: FieldDef, text: str) -> tuple[Value | None, ReadProblem | None]:
    """The value a cell holds, or the problem naming the cell and what it holds."""
    label = field_def.label
    shown = _clip(text.replace("\n", " "))
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        return None, ReadProblem(
            field_def.id,
            f"{label}：文件中为空白，未填写数字（数量为零时应填写 0）",
            check=PROBABLE_ZERO,
            found=text,
        )
    if is_blank(folded):
        return None, ReadProblem(
            field_def.id,
            f"{label}：文件中填写为“{shown}”，未填写数字（数量为零时应填写 0）",
            check=PROBABLE_ZERO,
            found=text,
        )
    if _SPACED_DIGITS.search(folded) and not _SPACE_GROUPED.match(folded):
        return None, ReadProblem(
            field_def.id, f"{label}：文件中为“{shown}”，含有多个数字，无法确定", found=text
        )
    try:
        number = parse_number(field_def.type, re.sub(r"\s+", "", folded))
    except ValueProblem as exc:
        return None, ReadProblem(
            field_def.id, f"{label}：文件中为“{shown}”，无法读取（{exc}）", found=text
        )
    if field_def.type.kind == "amount" and not isinstance(number, int):
        # Amounts travel as text, so that the answers file keeps them exactly.
        return format_value(number, field_def.type), None
    return number, None


def values_from_cells(
    form: ReportForm, sections: list[SectionCells]
) -> tuple[dict[str, Value], list[ReadProblem]]:
    values: dict[str, Value] = {}
    problems: list[ReadProblem] = []
    owners: dict[int, set[str]] = defaultdict(set)
    for cells in sections:
        for field_id, found in cells.located.items():
            for cell in found:
                owners[cell.key].add(field_id)
    listed = {f for cells in sections for p in cells.problems for f in p.fields}
    for field_id, field_def in form.fields.items():
        if not field_def.numeric or field_id in listed:
            continue
        found = distinct([c for s in sections for c in s.located.get(field_id, [])])
        if not found:
            problems.append(ReadProblem(field_id, f"{field_def.label}：文件中未找到该单元格"))
            continue
        shared = [c for c in found if len(owners[c.key]) > 1]
        if shared:
            problems.append(
                ReadProblem(
                    field_id,
                    f"{field_def.label}：该单元格与相邻单元格合并（内容为“{_clip(shared[0].text)}”），"
                    "无法确定数字属于哪一格",
                    found=shared[0].text,
                )
            )
            continue
        filled = [c for c in found if not c.blank] or found[:1]
        if len({normalise_label(c.text) for c in filled}) > 1:
            texts = "”“".join(_clip(c.text) for c in filled)
            problems.append(
                ReadProblem(
                    field_id,
                    f"{field_def.label}：该单元格在文件中出现多次且内容不一致（“{texts}”），无法确定",
                    found=" / ".join(c.text for c in filled),
                )
            )
            continue
        value, problem = read_value(field_def, filled[0].text)
        if problem is not None:
            problems.append(problem)
        else:
            values[field_id] = value  # type: ignore[assignment]
    return values, _probable_zeros_as_one(problems)


def _probable_zeros_as_one(problems: list[ReadProblem]) -> list[ReadProblem]:
    """Cells written "—", "/" or left blank, listed as one problem the user can accept at once."""
    zeros = [p for p in problems if p.check == PROBABLE_ZERO]
    if len(zeros) <= 1:
        return problems
    marks = sorted(
        {f"“{z.found.strip()}”" if z.found and z.found.strip() else "空白" for z in zeros}
    )
    names = "；".join(z.message.split("：", 1)[0] for z in zeros[:_ZERO_NAMES])
    if len(zeros) > _ZERO_NAMES:
        names += f"等（共 {len(zeros)} 个）"
    merged = ReadProblem(
        None,
        f"{len(zeros)} 个单元格填写为{'、'.join(marks)}，未填写数字，可能为 0：{names}"
        "（数量为零时应填写 0）",
        check=PROBABLE_ZERO,
        found=" ".join(sorted({(z.found or "").strip() for z in zeros})),
        fields=tuple(z.field_id for z in zeros if z.field_id),
    )
    rest = [p for p in problems if p.check != PROBABLE_ZERO]
    return [merged, *rest]
