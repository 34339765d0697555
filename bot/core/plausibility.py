"""Figures that add up but are hard to believe: against last year's report, and 其他处理.

Warnings only: a real year can differ fivefold; the point is to catch a digit typed twice,
a table left at zero, or results filed under the catch-all 其他处理.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.core.context import CheckContext, ContextCheck
from bot.core.findings import Finding
from bot.core.form import ReportForm
from bot.core.values import Value, format_value


def implausible_change(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    """A figure more than `factor` times, or less than 1/`factor` of, last year's."""
    if context.previous is None:
        return []
    factor = Decimal(str(spec.get("factor", 5)))
    minimum = Decimal(str(spec.get("minimum", 10)))
    findings = []
    for field_id in spec["fields"]:
        if field_id not in form.fields:
            continue
        now, last = values.get(field_id), context.previous.get(field_id)
        field_def = form.field(field_id)
        # 0 after a real year is below a fifth too (a table forgotten); a whole 表三 at 0 is
        # reported once, by table_all_zero.
        dropped_to_zero = now == 0 and not _reported_as_all_zero(form, values, field_def.section)
        if not (_number(now) or dropped_to_zero) or not _number(last):
            continue
        now_d, last_d = Decimal(now), Decimal(last)  # type: ignore[arg-type]
        if max(now_d, last_d) < minimum or (now_d <= last_d * factor and now_d * factor >= last_d):
            continue
        unit = f" {field_def.type.unit}" if field_def.type.unit else ""
        if now_d > last_d:
            how = f"是上年的 {now_d / last_d:.1f} 倍"
        else:
            how = f"不到上年的五分之一（{now_d / last_d:.0%}）"
        findings.append(
            Finding(
                "implausible_change",
                "warning",
                (field_id,),
                f"{field_def.label}为 {format_value(now, field_def.type)}{unit}，"
                f"上年报告为 {format_value(last, field_def.type)}{unit}，{how}；"
                "请核实是否填错（如多填或漏填一位数字、单位换算有误）。",
            )
        )
    return findings


def _reported_as_all_zero(form: ReportForm, values: Mapping[str, Value], section_id: str) -> bool:
    spec = form.content_checks.get("table_all_zero")
    if spec is None or spec.get("section") != section_id:
        return False
    return all(values.get(c) == 0 for row in form.section(section_id).grid for c in row)


def table_all_zero(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    """表三 all zero this year when last year's report had applications."""
    if context.previous is None:
        return []
    section = form.section(str(spec["section"]))
    cells = [f for row in section.grid for f in row]
    last_new = context.previous.get(str(spec["previous_field"]))
    if not _number(last_new) or any(values.get(c) != 0 for c in cells):
        return []
    return [
        Finding(
            "table_all_zero",
            "warning",
            tuple(cells),
            f"{section.table}本年各项均为 0，而上年报告"
            f"{form.field(str(spec['previous_field'])).label}为 {last_new}；"
            "请核实本年确无政府信息公开申请、也无上年结转，而非漏填。",
        )
    ]


def other_processing_share(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    """其他处理 well above every other result: it is meant for the few cases the others miss."""
    section = form.section("s3")
    total_id = section.cell_field("results_total", "total")
    results_total = values.get(total_id)
    groups: dict[str, list[str]] = {}
    for row in section.rows:
        if row.id in ("new", "carried_in", "results_total", "carried_out"):
            continue
        groups.setdefault(row.group or row.label, []).append(section.cell_field(row.id, "total"))
    sums = {name: [values.get(c) for c in cells] for name, cells in groups.items()}
    filled = all(_number(v) or v == 0 for s in sums.values() for v in s)
    if not _number(results_total) or not filled:
        return []
    totals = {name: sum(v) for name, v in sums.items()}  # type: ignore[arg-type, misc]
    other_name = next(name for name in totals if "其他处理" in name)
    other = totals.pop(other_name)
    share = Decimal(other) / Decimal(results_total)  # type: ignore[arg-type]
    if (
        results_total < int(spec.get("minimum", 10))  # type: ignore[operator]
        or share <= Decimal(str(spec.get("share", 0.3)))
        or other <= max(totals.values())
    ):
        return []
    return [
        Finding(
            "other_processing_share",
            "warning",
            tuple(groups[other_name]),
            f"{section.table}「{other_name}」共 {other} 件，占办理结果总计 {results_total} 件的 "
            f"{share:.0%}，多于其他各类办理结果（最多的为 {max(totals.values())} 件）；"
            "“其他处理”只用于逾期不补正、逾期不缴费等情形，请核实是否有应归入予以公开、"
            "无法提供、不予处理等项的申请。",
        )
    ]


def _number(value: Value | None) -> bool:
    """A positive number (0 and blanks take part in no ratio)."""
    return isinstance(value, int | Decimal) and not isinstance(value, bool) and value > 0


PLAUSIBILITY_CHECKS: dict[str, ContextCheck] = {
    "implausible_change": implausible_change,
    "table_all_zero": table_all_zero,
    "other_processing_share": other_processing_share,
}
