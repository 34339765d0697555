"""Report kinds as data: `templates/<kind>/form.yaml` loaded into typed, immutable objects.

Everything the rest of the system knows about a report (a cell's label, its value type, the
questions asked in the chat, the relations between cells, the layout of the Word tables) is
read from here, so each fact has exactly one source.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.paths import TEMPLATES_DIR, TEMPLATES_DIR_VARIABLE

# libyaml's parser (PyYAML's C extension) reads a form or an answers file ten times faster than
# the pure-Python one (25 ms for a form.yaml: a tenth of a `nianbao check`), to the same data.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ValueKind = Literal["count", "signed", "amount", "text"]


class FormDefinitionError(Exception):
    """A form.yaml that does not describe a usable report kind (a bug in data, not input)."""


# The ordinals the national format numbers its rows with: 一、 （一） 1.
_ORDINAL = re.compile(r"^(?:([一二三四五六七八九十]+)、|(（[一二三四五六七八九十]+）)|(\d+)\.)")


def _ordinal(label: str) -> tuple[str, str]:
    """(ordinal as it is written in a row number, the rest): 一、本年… → (一, 本年…)."""
    match = _ORDINAL.match(label)
    if match is None:
        return "", label
    return next(g for g in match.groups() if g), label[match.end() :]


@dataclass(frozen=True)
class ValueType:
    kind: ValueKind
    unit: str | None = None
    # Places after the decimal point an amount may carry: to the fen in its unit (6 in 万元).
    decimals: int = 0


@dataclass(frozen=True)
class FieldDef:
    """One answer: a table cell or a narrative text."""

    id: str
    section: str
    type: ValueType
    table: str | None = None
    row: str | None = None
    column: str | None = None
    derived: bool = False

    @cached_property  # asked for every cell of every check
    def numeric(self) -> bool:
        return self.type.kind != "text"

    @property
    def label(self) -> str:
        """The cell in official words, e.g. 表三「二、上年结转…」行「自然人」列."""
        if self.table is None:
            return f"「{self.row}」"
        if self.column is None:
            return f"{self.table}「{self.row}」"
        return f"{self.table}「{self.row}」行「{self.column}」列"


@dataclass(frozen=True)
class Question:
    """One prompt of the walkthrough: a whole table row, or a narrative section."""

    id: str
    section: str
    label: str
    fields: tuple[str, ...]
    hint: str | None = None


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    group: str | None = None
    # A head for narrow tables (a chat's monospace block): form.yaml's `short`, else the label.
    short: str = ""

    @property
    def head(self) -> str:
        return self.short or self.label


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    within: str | None = None
    group: str | None = None
    hint: str | None = None
    subgroup: str | None = None

    @property
    def display(self) -> str:
        if self.subgroup:
            return f"{self.label}（{self.subgroup}）"
        return f"{self.group}：{self.label}" if self.group else self.label

    @property
    def number(self) -> str:
        """The row's place in the official numbering, e.g. 三（三）1 for 三、…（三）不予公开 1.属于
        国家秘密; "" for rows the form does not number (表四)."""
        return "".join(_ordinal(part)[0] for part in (self.within, self.group, self.label) if part)

    @property
    def name(self) -> str:
        """The label without its ordinal: 1.属于国家秘密 → 属于国家秘密."""
        ordinal, rest = _ordinal(self.label)
        return rest if ordinal else self.display


@dataclass(frozen=True)
class ListRow:
    label: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ListGroup:
    heading: str
    columns: tuple[str, ...]
    rows: tuple[ListRow, ...]


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    type: Literal["text", "tables", "grid"]
    guidance: str = ""
    # How the Word table is laid out: rows down the page ("grid", table 三) or every row of
    # the grid side by side in one line of figures ("wide", table 四).
    layout: Literal["text", "list", "grid", "wide"] = "text"
    table: str | None = None
    required: bool = False
    text_field: str | None = None
    row_header: str | None = None
    # Table 二: how a group with fewer columns than the table fills the row. "span": its last
    # cell spans the rest (2021 format); "blank": the spare columns stay separate, empty cells
    # (2019 format, whose （八）（九） keep an empty fourth column).
    spare_columns: Literal["span", "blank"] = "span"
    groups: tuple[ListGroup, ...] = ()
    columns: tuple[Column, ...] = ()
    rows: tuple[Row, ...] = ()
    note: str | None = None
    header: dict[str, str] = field(default_factory=dict)
    counting_rule: str | None = None
    questions: tuple[Question, ...] = ()
    # The field id of a grid cell, from the form definition's cell_field ("s3.{r}.{c}").
    cell_pattern: str = ""

    def cell_field(self, row_id: str, column_id: str) -> str:
        return self.cell_pattern.format(r=row_id, c=column_id)

    @cached_property
    def grid(self) -> tuple[tuple[str, ...], ...]:
        """The field id of every cell of a grid, row by row."""
        return tuple(tuple(self.cell_field(r.id, c.id) for c in self.columns) for r in self.rows)

    @cached_property
    def short_labels(self) -> dict[str, str]:
        """A grid row's name for narrow places (a table in a chat, a button), by row id:
        its number and the first words of its name, e.g. 三（六）1 申请人无正当理由…; distinct
        within the section even where the official labels only differ far to the right."""
        return _short_labels(self.rows)

    @property
    def number(self) -> str:
        """The Chinese ordinal of the heading: 一 … 六."""
        return self.heading.split("、", 1)[0]

    @property
    def title(self) -> str:
        return self.heading.split("、", 1)[1]


@dataclass(frozen=True)
class Term:
    field: str
    sign: int = 1
    previous: bool = False


@dataclass(frozen=True)
class RelationInstance:
    """One equation of a relation, with its variables bound: sum(left) == sum(right)."""

    check: str
    severity: Literal["error", "warning"]
    explanation: str
    scope: Literal["row", "column"]
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    computes: bool = False

    # Cached: every check of a report asks each relation both (a saved cell runs them all).
    @cached_property
    def current_fields(self) -> tuple[str, ...]:
        return tuple(t.field for t in (*self.left, *self.right) if not t.previous)

    @cached_property
    def needs_previous(self) -> bool:
        return any(t.previous for t in (*self.left, *self.right))


@dataclass(frozen=True)
class ReportForm:
    kind: str
    title: str
    source: str
    first_year: int
    last_year: int | None
    document_title: str
    sections: tuple[Section, ...]
    fields: dict[str, FieldDef]
    relations: tuple[RelationInstance, ...]
    content_checks: dict[str, dict[str, Any]]
    deadlines: dict[str, str]
    directory: Path

    def applies_to(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def field(self, field_id: str) -> FieldDef:
        return self.fields[field_id]

    @cached_property
    def numeric_fields(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields.values() if f.numeric)

    @cached_property
    def text_fields(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields.values() if not f.numeric)

    @cached_property
    def derived_fields(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields.values() if f.derived)

    def section_fields(self, section_id: str) -> frozenset[str]:
        """The ids of a section's cells (or its text)."""
        return self._fields_by_section.get(section_id, frozenset())

    def section_checks(self, section_id: str) -> frozenset[str]:
        """The relation checks that involve a cell of the section: what a table runs when
        one of its cells changes."""
        return self._checks_by_section.get(section_id, frozenset())

    @cached_property
    def _fields_by_section(self) -> dict[str, frozenset[str]]:
        fields: dict[str, set[str]] = {}
        for field_def in self.fields.values():
            fields.setdefault(field_def.section, set()).add(field_def.id)
        return {section: frozenset(ids) for section, ids in fields.items()}

    @cached_property
    def _checks_by_section(self) -> dict[str, frozenset[str]]:
        return {
            section: frozenset(
                r.check for r in self.relations if fields.intersection(r.current_fields)
            )
            for section, fields in self._fields_by_section.items()
        }

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def carried_over(self) -> dict[str, str]:
        """Cells whose value is by definition a cell of last year's report (a one-to-one
        relation: 上年结转 = last year's 结转下年度), to the cell they repeat."""
        pairs: dict[str, str] = {}
        for relation in self.relations:
            if len(relation.left) == 1 and len(relation.right) == 1:
                (left,), (right,) = relation.left, relation.right
                if not left.previous and right.previous and left.sign == right.sign == 1:
                    pairs[left.field] = right.field
        return pairs

    @cached_property
    def totals(self) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
        """The relations that compute a total: (total, ((part, sign), …)), each after the
        totals among its parts, so one pass in this order computes them all."""
        totals = [
            (relation.left[0].field, tuple((t.field, t.sign) for t in relation.right))
            for relation in self.relations
            if relation.computes
        ]
        computing: dict[str, list[int]] = {}  # a total may be computed by several relations
        for index, (total, _) in enumerate(totals):
            computing.setdefault(total, []).append(index)
        ordered: dict[int, None] = {}
        placing: set[int] = set()

        def place(index: int) -> None:
            if index in ordered:
                return
            if index in placing:
                cycle = totals[index][0]
                raise FormDefinitionError(f"{self.kind}: totals computed in a cycle ({cycle})")
            placing.add(index)
            for part, _ in totals[index][1]:
                for other in computing.get(part, ()):
                    place(other)
            ordered[index] = None

        for index in range(len(totals)):
            place(index)
        return tuple(totals[index] for index in ordered)

    @property
    def template_path(self) -> Path:
        return self.directory / "report.docx"

    def document_title_for(self, *, agency: str, year: int) -> str:
        return self.document_title.format(agency=agency, year=year)


# Characters of a row's name kept in a short label (more only when needed to tell rows apart).
SHORT_NAME_CHARS = 8
_CLAUSE_END = re.compile(r"[（、，]")


def _short_labels(rows: tuple[Row, ...]) -> dict[str, str]:
    def cut(text: str, limit: int) -> str:
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def first_clause(name: str) -> str:
        match = _CLAUSE_END.search(name, 2)
        return name[: match.start()] if match else name

    longest = max((len(r.name) for r in rows), default=0)
    attempts = [(first_clause, SHORT_NAME_CHARS), (str, SHORT_NAME_CHARS)]
    attempts += [(str, limit) for limit in range(SHORT_NAME_CHARS + 1, longest + 1)]
    for shorten, limit in attempts:
        # A row without a number has only its name to tell it apart: keep more of it.
        labels = {
            r.id: f"{r.number} {cut(shorten(r.name), limit)}"
            if r.number
            else cut(r.name, limit + 6)
            for r in rows
        }
        if len(set(labels.values())) == len(rows):
            return labels
    return {r.id: r.display for r in rows}


def templates_dir() -> Path:
    """The templates' directory (Settings.templates_dir). The settings are built only when
    something could move it, the variable or a .env file: building them imports
    pydantic-settings, a sixth of what a `nianbao check` costs."""
    if TEMPLATES_DIR_VARIABLE in os.environ or Path(".env").is_file():
        from bot.config import get_settings

        return get_settings().templates_dir
    return TEMPLATES_DIR


def available_kinds() -> list[str]:
    root = templates_dir()
    return sorted(p.parent.name for p in root.glob("*/form.yaml"))


@cache
def load_form(kind: str) -> ReportForm:
    directory = templates_dir() / kind
    path = directory / "form.yaml"
    if not path.is_file():
        raise KeyError(kind)
    with path.open(encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=SAFE_LOADER)
    return _build_form(raw, directory)


def form_for_year(year: int) -> ReportForm:
    """The national format that applies to a report year (the newest one when both would)."""
    matching = [load_form(k) for k in available_kinds() if load_form(k).applies_to(year)]
    if not matching:
        raise LookupError(year)
    return max(matching, key=lambda f: f.first_year)


def _build_form(raw: dict[str, Any], directory: Path) -> ReportForm:
    kind = raw["kind"]
    derived = _derived_fields(raw.get("relations", []))
    fields: dict[str, FieldDef] = {}
    sections = tuple(_build_section(s, derived, fields) for s in raw["sections"])
    relations = tuple(
        instance for spec in raw.get("relations", []) for instance in _expand_relation(spec)
    )
    for instance in relations:
        for term in (*instance.left, *instance.right):
            if term.field not in fields:
                raise FormDefinitionError(f"{kind}: {instance.check} names unknown {term.field}")
    return ReportForm(
        kind=kind,
        title=raw["title"],
        source=raw["source"],
        first_year=raw["years"]["first"],
        last_year=raw["years"].get("last"),
        document_title=raw["document_title"],
        sections=sections,
        fields=fields,
        relations=relations,
        content_checks={c["id"]: c for c in raw.get("content_checks", [])},
        deadlines=raw.get("deadlines", {}),
        directory=directory,
    )


def _value_type(field_id: str, patterns: dict[str, Any]) -> ValueType:
    for pattern, spec in patterns.items():
        if fnmatch.fnmatchcase(field_id, pattern):
            if isinstance(spec, str):
                return ValueType(spec)
            value_type = ValueType(spec["type"], spec.get("unit"), spec.get("decimals", 0))
            if value_type.kind == "amount" and not value_type.decimals:
                raise FormDefinitionError(f"amount {field_id} needs decimals (places to the fen)")
            return value_type
    raise FormDefinitionError(f"no value type for {field_id}")


def _build_section(raw: dict[str, Any], derived: set[str], fields: dict[str, FieldDef]) -> Section:
    section_id = raw["id"]
    common = {
        "id": section_id,
        "heading": raw["heading"],
        "type": raw["type"],
        "guidance": raw.get("guidance", ""),
    }
    if raw["type"] == "text":
        field_id = raw["field"]
        fields[field_id] = FieldDef(
            id=field_id, section=section_id, type=ValueType("text"), row=raw["heading"]
        )
        question = Question(
            id=section_id,
            section=section_id,
            label=raw["heading"],
            fields=(field_id,),
            hint=raw.get("guidance"),
        )
        return Section(
            **common,
            required=raw.get("required", False),
            text_field=field_id,
            questions=(question,),
        )

    table = raw["table"]
    types = raw["value_types"]
    if raw["type"] == "tables":
        groups = []
        questions = []
        for group in raw["groups"]:
            rows = []
            for row in group["rows"]:
                row_fields = tuple(row["fields"])
                for field_id, column in zip(row_fields, group["columns"], strict=True):
                    fields[field_id] = FieldDef(
                        id=field_id,
                        section=section_id,
                        type=_value_type(field_id, types),
                        table=table,
                        row=row["label"],
                        column=column,
                    )
                rows.append(ListRow(label=row["label"], fields=row_fields))
                questions.append(
                    Question(
                        id=row_fields[0].rsplit(".", 1)[0],
                        section=section_id,
                        label=row["label"],
                        fields=row_fields,
                        hint=group["heading"],
                    )
                )
            groups.append(ListGroup(group["heading"], tuple(group["columns"]), tuple(rows)))
        return Section(
            **common,
            layout="list",
            table=table,
            row_header=raw.get("row_header"),
            spare_columns=raw.get("spare_columns", "span"),
            groups=tuple(groups),
            questions=tuple(questions),
        )

    columns = tuple(
        Column(c["id"], c["label"], c.get("group"), c.get("short", "")) for c in raw["columns"]
    )
    if len({c.head for c in columns}) != len(columns):
        raise FormDefinitionError(f"{section_id}: column heads (short) are not distinct")
    if "rows" in raw:
        rows = tuple(
            Row(r["id"], r["label"], r.get("within"), r.get("group"), r.get("hint"))
            for r in raw["rows"]
        )
        pattern = raw["cell_field"].replace("{row}", "{r}").replace("{column}", "{c}")
    else:
        rows = tuple(Row(g["id"], g["label"], subgroup=g.get("subgroup")) for g in raw["groups"])
        pattern = raw["cell_field"].replace("{group}", "{r}").replace("{column}", "{c}")
    questions = []
    for row in rows:
        row_fields = []
        for column in columns:
            field_id = pattern.format(r=row.id, c=column.id)
            fields[field_id] = FieldDef(
                id=field_id,
                section=section_id,
                type=_value_type(field_id, types),
                table=table,
                row=row.display,
                column=column.label,
                derived=field_id in derived,
            )
            if field_id not in derived:
                row_fields.append(field_id)
        if row_fields:
            questions.append(
                Question(
                    id=f"{section_id}.{row.id}",
                    section=section_id,
                    label=row.display,
                    fields=tuple(row_fields),
                    hint=row.hint or raw.get("counting_rule"),
                )
            )
    return Section(
        **common,
        layout="grid" if "rows" in raw else "wide",
        table=table,
        columns=columns,
        rows=rows,
        note=raw.get("note"),
        header=raw.get("header", {}),
        counting_rule=raw.get("counting_rule"),
        questions=tuple(questions),
        cell_pattern=pattern,
    )


def _bindings(for_each: dict[str, list[str]]) -> list[dict[str, str]]:
    names = list(for_each)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(for_each[n] for n in names))
    ]


def _terms(spec: list[str] | dict[str, Any], binding: dict[str, str]) -> tuple[Term, ...]:
    if isinstance(spec, dict):
        pattern = spec["sum"]
        ((var, values),) = ((k, v) for k, v in spec.items() if k != "sum")
        return tuple(_term(pattern, {**binding, var: value}) for value in values)
    return tuple(_term(pattern, binding) for pattern in spec)


def _term(pattern: str, binding: dict[str, str]) -> Term:
    sign = 1
    if pattern.startswith("-"):
        sign, pattern = -1, pattern[1:]
    previous = pattern.startswith("prev:")
    if previous:
        pattern = pattern.removeprefix("prev:")
    return Term(field=pattern.format(**binding), sign=sign, previous=previous)


def _expand_relation(spec: dict[str, Any]) -> list[RelationInstance]:
    return [
        RelationInstance(
            check=spec["id"],
            severity=spec["severity"],
            explanation=spec["explanation"],
            scope=spec["scope"],
            left=_terms(spec["left"], binding),
            right=_terms(spec["right"], binding),
            computes=spec.get("computes", False),
        )
        for binding in _bindings(spec["for_each"])
    ]


def _derived_fields(relations: list[dict[str, Any]]) -> set[str]:
    derived = set()
    for spec in relations:
        if spec.get("computes"):
            for instance in _expand_relation(spec):
                (term,) = instance.left
                derived.add(term.field)
    return derived
