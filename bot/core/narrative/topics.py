"""What the tables can answer about a narrative: topics (a cell or a sum of cells of tables
二, 三 and 四, named the way a reviewer cites them) and the tables' figure for each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.core.form import ReportForm
from bot.core.values import Number, Value


@dataclass(frozen=True)
class Topic:
    """What a figure counts: the sum of some cells, named the way a reviewer cites them."""

    id: str
    cells: tuple[str, ...]
    label: str
    unit: str = "件"


# The 表二 columns of each class of verb the words use (制发 → issued, see figures.py), by
# format: 2021 first, then 2019.
_VERB_FIELDS = {
    "issued": ("issued", "made"),
    "published": ("published",),
    "repealed": ("repealed",),
    "in_force": ("in_force", "public_total"),
}
# 行政许可/处罚/强制 in the words, and the 表二 row each names.
DECISION_KINDS = {"许可": "licensing", "处罚": "penalty", "强制": "enforcement"}


def topics(form: ReportForm) -> dict[str, Topic]:
    """Every topic the form's tables can answer, by id."""
    key = form_key(form)
    if key not in _TOPICS:
        _TOPICS[key] = _build_topics(form)
    return _TOPICS[key]


_TOPICS: dict[tuple[str, Path], dict[str, Topic]] = {}


def form_key(form: ReportForm) -> tuple[str, Path]:
    """A form's hashable identity, for caches keyed by form."""
    return (form.kind, form.directory)


def topics_of(key: tuple[str, Path]) -> dict[str, Topic]:
    """The topics of a form already read by `topics`, by `form_key`."""
    return _TOPICS[key]


def _build_topics(form: ReportForm) -> dict[str, Topic]:
    s3 = form.section("s3")
    table3 = s3.table or "表三"

    def row_total(row_id: str) -> str:
        return s3.cell_field(row_id, "total")

    def row_label(row_id: str) -> str:
        return form.field(row_total(row_id)).label

    def group(prefix: str) -> tuple[str, ...]:
        return tuple(row_total(r.id) for r in s3.rows if r.id.startswith(prefix))

    def group_label(prefix: str) -> str:
        rows = [r for r in s3.rows if r.id.startswith(prefix)]
        name = rows[0].group or rows[0].label
        if len(rows) == 1:
            return f"{table3}「{name}」行「总计」列"
        return f"{table3}「{name}」{len(rows)}项「总计」列之和"

    result = [
        Topic("new", (row_total("new"),), row_label("new")),
        Topic("carried_in", (row_total("carried_in"),), row_label("carried_in")),
        Topic("carried_out", (row_total("carried_out"),), row_label("carried_out")),
        Topic("results", (row_total("results_total"),), row_label("results_total")),
        Topic(
            "handled",
            (row_total("new"), row_total("carried_in")),
            f"{table3}「一、本年新收」与「二、上年结转」行「总计」列之和",
        ),
        Topic("disclosed", (row_total("disclosed"),), row_label("disclosed")),
        Topic("partial", (row_total("partial"),), row_label("partial")),
        Topic(
            "disclosed_or_partial",
            (row_total("disclosed"), row_total("partial")),
            f"{table3}「（一）予以公开」与「（二）部分公开」行「总计」列之和",
        ),
        Topic("withheld", group("withheld_"), group_label("withheld_")),
        Topic("unavailable", group("unavailable_"), group_label("unavailable_")),
        Topic("not_processed", group("not_processed_"), group_label("not_processed_")),
        Topic("other_processing", group("other_"), group_label("other_")),
    ]
    s4 = form.section("s4")
    table4 = s4.table or "表四"
    suits = tuple(r.id for r in s4.rows if r.id != "review")
    for column in s4.columns:
        suffix = "" if column.id == "total" else f".{column.id}"
        result.append(
            Topic(
                f"review{suffix}",
                (s4.cell_field("review", column.id),),
                f"{table4}「行政复议」「{column.label}」",
            )
        )
        result.append(
            Topic(
                f"suits{suffix}",
                tuple(s4.cell_field(r, column.id) for r in suits),
                f"{table4}「行政诉讼」（未经复议直接起诉、复议后起诉）「{column.label}」之和",
            )
        )
    for kind in ("rules", "normative"):
        for verb_class, suffixes in _VERB_FIELDS.items():
            field_id = next(
                (f"s2.{kind}.{s}" for s in suffixes if f"s2.{kind}.{s}" in form.fields), None
            )
            if field_id is not None:
                label = form.field(field_id).label
                result.append(Topic(f"{kind}.{verb_class}", (field_id,), label))
    for kind in DECISION_KINDS.values():
        field_id = f"s2.{kind}.decisions"
        if field_id in form.fields:
            result.append(Topic(kind, (field_id,), form.field(field_id).label))
    if "s2.fees.amount" in form.fields:
        fee = form.field("s2.fees.amount")
        unit = fee.type.unit or "万元"
        result.append(Topic("fees", (fee.id,), fee.label, unit))
    return {t.id: t for t in result}


def table_value(topic: Topic, values: Mapping[str, Value]) -> Number | None:
    """The tables' figure for a topic; None when a cell is not a number yet."""
    numbers = [values.get(c) for c in topic.cells]
    if not all(isinstance(n, int | Decimal) for n in numbers):
        return None
    return sum(numbers)  # type: ignore[arg-type]


def agrees(stated: Number, in_table: Number) -> bool:
    """Equal, or equal at the precision the text gives (96171.6 万元 stated as 96171.60)."""
    if stated == in_table:
        return True
    if isinstance(stated, Decimal):
        places = -stated.as_tuple().exponent  # type: ignore[operator]
        return Decimal(in_table).quantize(Decimal(1).scaleb(-places)) == stated
    return False
