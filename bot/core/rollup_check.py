"""A hand-filled parent report checked against the roll-up of the reports below it: one
warning per table cell where the two differ, naming the units that make up the sum."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.checks import Finding
from bot.core.form import ReportForm
from bot.core.values import Value, format_value

MAX_NAMED = 5


def differences(
    form: ReportForm,
    parent: Mapping[str, Value],
    summed: Mapping[str, Value],
    sources: Sequence[tuple[str, Mapping[str, Value]]],
) -> list[Finding]:
    """Cells typed in the parent's tables whose figure differs from the sum of the approved
    reports below (`sources`: each unit's name and values). Cells the parent left blank are
    not compared: its own checks list them."""
    found = []
    for field_id, field in form.fields.items():
        if field.derived or field.type.kind == "text":
            continue
        own, total = parent.get(field_id), summed.get(field_id)
        if own is None or total is None or own == total:
            continue
        parts = [(name, values.get(field_id)) for name, values in sources]
        named = [f"{name} {format_value(v, field.type)}" for name, v in parts if v]
        more = f"等 {len(named)} 个单位" if len(named) > MAX_NAMED else ""
        units = "、".join(named[:MAX_NAMED]) + more if named else "各单位均为 0"
        found.append(
            Finding(
                check="rollup_differs",
                severity="warning",
                fields=(field_id,),
                message=(
                    f"{field.label}：本级报告填写 {format_value(own, field.type)}，"
                    f"所辖单位已审核通过报告合计 {format_value(total, field.type)}（{units}）。"
                ),
            )
        )
    return found
