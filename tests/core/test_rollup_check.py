"""A hand-filled parent report against the roll-up: one warning per differing cell, naming
the units; blank and equal cells are not flagged."""

from __future__ import annotations

from bot.core.form import load_form
from bot.core.rollup import sum_values
from bot.core.rollup_check import differences


def test_only_differing_typed_cells_are_flagged_with_the_units() -> None:
    form = load_form("gov-disclosure-2021")
    units = [
        ("甲局", {"s3.new.natural": 3, "s3.new.commercial": 1}),
        ("乙局", {"s3.new.natural": 4, "s3.new.commercial": 0}),
    ]
    summed = sum_values(form, [values for _, values in units])
    parent = {"s3.new.natural": 7, "s3.new.commercial": 2}  # s3.new.research left blank
    found = differences(form, parent, summed, units)
    assert [f.fields for f in found] == [("s3.new.commercial",)]
    assert found[0].severity == "warning"
    assert "本级报告填写 2，所辖单位已审核通过报告合计 1（甲局 1）" in found[0].message
    assert differences(form, {"s3.new.natural": 7}, summed, units) == []
