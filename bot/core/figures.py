"""The figures supervisors are asked for, from a report's 表三 (either format):

- 实质公开率: (予以公开 + 部分公开) / 办理结果总计 — how much of what was decided was disclosed;
- 其他处理 share: 其他处理 / 办理结果总计 — the 2019 notice (国办公开办函〔2019〕60号) asks
  offices to look into units where it is high;
- 纠错率 of 行政复议 and of 行政诉讼 (both kinds of suit), from 表四: 结果纠正 over the cases
  decided (结果维持 + 结果纠正 + 其他结果; those 尚未审结 are not yet decided).

Rows are found by their labels in the form definition, so both formats are read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.core.checks import complete_values
from bot.core.form import ReportForm
from bot.core.values import Value

APPLICATIONS = "s3"
COLUMN = "total"  # the 总计 column: every kind of applicant
APPEALS = "s4"
DECIDED = ("upheld", "corrected", "other")
SUITS = ("suit_direct", "suit_after_review")


@dataclass(frozen=True)
class Figures:
    disclosed: int = 0  # （一）予以公开
    partial: int = 0  # （二）部分公开
    other: int = 0  # （六）其他处理, all its rows
    results: int = 0  # （七）总计 of 办理结果
    review_corrected: int = 0  # 行政复议 结果纠正
    review_decided: int = 0  # 行政复议 decided
    suit_corrected: int = 0  # 行政诉讼 结果纠正, both kinds
    suit_decided: int = 0
    applications: int = 0  # 一、本年新收政府信息公开申请数量, 总计

    def __add__(self, more: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(astuple(self), astuple(more), strict=True)))

    @property
    def substantive_rate(self) -> Decimal | None:
        """实质公开率 in per cent, one decimal; None when nothing was decided."""
        return _percent(self.disclosed + self.partial, self.results)

    @property
    def other_share(self) -> Decimal | None:
        """其他处理 as a share of all decisions, in per cent, one decimal."""
        return _percent(self.other, self.results)

    @property
    def review_correction_rate(self) -> Decimal | None:
        return _percent(self.review_corrected, self.review_decided)

    @property
    def suit_correction_rate(self) -> Decimal | None:
        return _percent(self.suit_corrected, self.suit_decided)


def _percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _count(values: Mapping[str, Value], field_id: str) -> int:
    value = values.get(field_id)
    return int(value) if isinstance(value, int | Decimal) and not isinstance(value, bool) else 0


def figures_of(form: ReportForm, values: Mapping[str, Value]) -> Figures:
    """The report's figures (cells still blank count as 0)."""
    section = form.section(APPLICATIONS)
    typed = (
        f.id for f in form.fields.values() if f.section in (APPLICATIONS, APPEALS) and not f.derived
    )
    completed = complete_values(form, {**dict.fromkeys(typed, 0), **values})

    def rows(*labels: str) -> Iterable[str]:
        for row in section.rows:
            if any(label in row.label or label in (row.group or "") for label in labels):
                yield section.cell_field(row.id, COLUMN)

    def total(*labels: str) -> int:
        return sum(_count(completed, field_id) for field_id in rows(*labels))

    def appeals(groups: Iterable[str], columns: Iterable[str]) -> int:
        cell = form.section(APPEALS).cell_field
        return sum(_count(completed, cell(g, c)) for g in groups for c in columns)

    return Figures(
        disclosed=total("（一）予以公开"),
        partial=total("（二）部分公开"),
        other=total("（六）其他处理"),
        results=total("（七）总计"),
        review_corrected=appeals(["review"], ["corrected"]),
        review_decided=appeals(["review"], DECIDED),
        suit_corrected=appeals(SUITS, ["corrected"]),
        suit_decided=appeals(SUITS, DECIDED),
        applications=total("一、本年新收"),
    )


def total_of(figures: Iterable[Figures]) -> Figures:
    return sum(figures, Figures())


def change(now: int, before: int | None) -> Decimal | None:
    """Year on year, in per cent (one decimal); None without last year's figure or from 0."""
    if before is None or before == 0:
        return None
    return _percent(now - before, before)
