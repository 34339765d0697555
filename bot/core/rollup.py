"""Rolling up reports: the tables of several reports of one kind summed cell by cell.

A county government's own annual report (本级政府年度报告) carries tables that aggregate the
reports of the organisations below it. `roll_up` sums every numeric cell that is typed in
(totals are recomputed from the sums, never summed themselves), runs the same checks as on
any report, and separates the findings about the tables from the narrative sections, which
the roll-up leaves empty for the supervisor's office to write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.core.checks import Finding, check_values, complete_values, numbered_messages
from bot.core.draft_marks import draft_options
from bot.core.form import ReportForm, load_form
from bot.core.render import render_report
from bot.core.values import Value


class RollupError(ValueError):
    """The reports cannot be summed; `str(exc)` says why in Chinese."""


@dataclass(frozen=True)
class Source:
    """One report to sum: its agency, kind and values, and last year's report if known."""

    agency: str
    kind: str
    values: Mapping[str, Value]
    previous: Mapping[str, Value] | None = None
    previous_kind: str | None = None


@dataclass(frozen=True)
class Rollup:
    form: ReportForm
    agency: str
    year: int
    values: dict[str, Value]
    sources: tuple[str, ...]
    findings: tuple[Finding, ...]
    todo: tuple[Finding, ...]
    left_out: tuple[str, ...] = ()
    previous_checked: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def filename(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告（汇总）.docx"

    def render(self) -> bytes:
        """The Word report: summed tables, empty narrative sections (a draft if errors)."""
        return render_report(
            self.form,
            agency=self.agency,
            year=self.year,
            values=self.values,
            **draft_options(self.errors),
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def sum_values(form: ReportForm, reports: Sequence[Mapping[str, Value]]) -> dict[str, Value]:
    """Cell-by-cell sums of the typed-in numeric cells, totals recomputed; no narrative.

    A cell missing (or not a number) in any report stays missing in the sum, so the checks
    report it as blank instead of the sum silently undercounting.
    """
    sums: dict[str, Value] = {}
    for field_id in form.numeric_fields:
        if form.field(field_id).derived:
            continue
        parts = [values.get(field_id) for values in reports]
        if parts and all(_is_number(p) for p in parts):
            sums[field_id] = sum(parts, start=0)  # type: ignore[arg-type]
    return complete_values(form, sums)


def is_narrative(form: ReportForm, finding: Finding) -> bool:
    """A finding about a narrative section (which a roll-up leaves for people to write)."""
    return any(f in form.fields and not form.field(f).numeric for f in finding.fields)


def _kinds_message(sources: Sequence[Source]) -> str:
    by_kind: dict[str, list[str]] = {}
    for source in sources:
        by_kind.setdefault(source.kind, []).append(source.agency)
    parts = []
    for kind, agencies in by_kind.items():
        parts.append(f"{_source_label(kind)}：{'、'.join(agencies)}")
    return "只能汇总同一格式的报告，以下报告格式不同：\n" + "\n".join(parts)


def _source_label(kind: str) -> str:
    try:
        return f"{load_form(kind).source}格式"
    except KeyError:
        return f"「{kind}」格式"


def roll_up(
    sources: Sequence[Source],
    *,
    agency: str,
    year: int,
    target_kind: str | None = None,
    left_out: Sequence[str] = (),
) -> Rollup:
    """Sum `sources` into the tables of `agency`'s report (of `target_kind` when given).

    Last year's figures (for the carry-over check) are the sum of the sources' previous
    reports, used only when every source has one and all are of one kind.
    """
    if not sources:
        raise RollupError(f"{agency}所辖单位尚无{year}年度已审核通过的报告，暂无可汇总的内容。")
    kinds = {source.kind for source in sources}
    if len(kinds) > 1:
        raise RollupError(_kinds_message(sources))
    (kind,) = kinds
    if target_kind is not None and target_kind != kind:
        raise RollupError(
            f"{agency}{year}年度报告采用{_source_label(target_kind)}，"
            f"所辖单位报告采用{_source_label(kind)}，格式不同，不能汇总。"
        )
    form = load_form(kind)
    values = sum_values(form, [source.values for source in sources])
    previous = None
    previous_kinds = {source.previous_kind for source in sources}
    if all(source.previous is not None for source in sources) and len(previous_kinds) == 1:
        (previous_kind,) = previous_kinds
        if previous_kind is not None:
            previous = sum_values(
                load_form(previous_kind),
                [source.previous for source in sources if source.previous is not None],
            )
    findings = check_values(form, values, previous=previous)
    return Rollup(
        form=form,
        agency=agency,
        year=year,
        values=values,
        sources=tuple(source.agency for source in sources),
        findings=tuple(f for f in findings if not is_narrative(form, f)),
        todo=tuple(f for f in findings if is_narrative(form, f)),
        left_out=tuple(left_out),
        previous_checked=previous is not None,
    )


def summary_text(rollup: Rollup) -> str:
    """What the supervisor reads with the document: sources, checks, what is left to write."""
    lines = [
        f"{rollup.agency}{rollup.year}年度报告汇总表",
        f"已汇总 {len(rollup.sources)} 份已审核通过的报告：{'、'.join(rollup.sources)}。",
    ]
    if rollup.left_out:
        lines.append(
            f"以下 {len(rollup.left_out)} 个单位的报告尚未审核通过，未计入汇总："
            f"{'、'.join(rollup.left_out)}。"
        )
    errors = rollup.errors
    warnings = [f for f in rollup.findings if f.severity == "warning"]
    if not rollup.findings:
        lines.append("汇总表格校验通过，各项勾稽关系一致。")
    else:
        lines.append(f"汇总表格校验：错误 {len(errors)} 项、提示 {len(warnings)} 项。")
        lines += numbered_messages(rollup.findings)
    if not rollup.previous_checked:
        lines.append("（部分单位无上年报告，未核对与上年报告的衔接。）")
    sections = [s for s in rollup.form.sections if s.text_field]
    lines.append("")
    lines.append("待撰写：以下文字部分未汇总，请本级政府结合实际撰写：")
    for section in sections:
        lines.append(f"· {section.heading}")
    return "\n".join(lines)
