"""Checking a report: the arithmetic relations of the form, blanks, and the narrative checks.

Every finding carries a stable `check` id, a severity (`error` blocks the final report), the
ids of every field taking part, and a message in Chinese naming the cells in official words
with their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal

from bot.core.answers import AnswersFile, parse_answers
from bot.core.context import CheckContext
from bot.core.fees import states_fee
from bot.core.findings import Finding, Severity
from bot.core.form import FieldDef, RelationInstance, ReportForm, Term
from bot.core.narrative.checks import CONTEXT_CHECKS
from bot.core.narrative.peer_index import OtherOffices, Peers
from bot.core.narrative.similarity import PeerText
from bot.core.plausibility import PLAUSIBILITY_CHECKS
from bot.core.values import Number, Value, format_value

__all__ = ["Finding", "PeerText", "Severity", "check_answers", "check_values", "has_errors"]

# With more terms than this a message lists only the non-zero ones.
_MAX_LISTED_TERMS = 4


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def numbered_messages(findings: Iterable[Finding]) -> list[str]:
    """Errors first, then warnings, numbered the way a reviewer cites them: 错误1：…, 提示1：…"""
    findings = list(findings)
    lines = []
    for label, severity in (("错误", "error"), ("提示", "warning")):
        group = [f for f in findings if f.severity == severity]
        lines += [f"{label}{n}：{f.message}" for n, f in enumerate(group, start=1)]
    return lines


def complete_values(form: ReportForm, values: Mapping[str, Value]) -> dict[str, Value]:
    """The values with every missing total computed from its parts, where the parts are there."""
    completed = dict(values)
    for target, parts in form.totals:  # parts first: one pass
        if target in completed:
            continue
        total: Number = 0
        for field_id, sign in parts:
            part = completed.get(field_id)
            if not isinstance(part, int | Decimal):
                break
            total += sign * part
        else:
            completed[target] = total
    return completed


def check_values(
    form: ReportForm,
    values: Mapping[str, Value],
    *,
    previous: Mapping[str, Value] | None = None,
    checks: set[str] | None = None,
    year: int | None = None,
    peers: Peers = (),
    refused: Collection[str] = (),
) -> list[Finding]:
    """All findings for typed values (totals computed where missing).

    `previous` is last year's report (any format: fields it lacks are skipped). `checks`
    restricts the run to some check ids, as the chat does at the end of a table. `year` (the
    report year) enables the year and drafted-text checks; `peers` are other organisations'
    texts of the same year (or an index of them kept up to date), for the copied-text check.
    `refused` are cells that hold something that could not be taken as a value: the caller
    reports them for that, so they are not also called blank here (one finding per cause).
    """
    completed = complete_values(form, values)
    prev = dict(previous) if previous is not None else None
    findings: list[Finding] = []
    for relation in form.relations:
        if checks is not None and relation.check not in checks:
            continue
        finding = _check_relation(form, relation, completed, prev)
        if finding is not None:
            findings.append(finding)
    context = CheckContext(
        prev,
        year,
        peers if isinstance(peers, OtherOffices) else tuple(peers),
        frozenset(refused),
    )
    for check_id, spec in form.content_checks.items():
        if checks is not None and check_id not in checks:
            continue
        findings.extend(_CONTENT_CHECKS[check_id](form, completed, context, spec))
    return findings


def check_answers(
    answers: AnswersFile,
    previous: AnswersFile | None = None,
    *,
    peers: Sequence[PeerText] = (),
) -> list[Finding]:
    """Findings for an answers file: unreadable cells, blanks, relations, narrative checks."""
    form = answers.form
    parsed = parse_answers(answers)
    findings = [Finding(i.check, "error", (i.field,), i.message) for i in parsed.issues]
    previous_values = None
    if previous is not None:
        previous_values = parse_answers(previous).values
    findings.extend(
        check_values(
            form,
            parsed.values,
            previous=previous_values,
            year=answers.year,
            peers=peers,
            refused={i.field for i in parsed.issues},
        )
    )
    return findings


def _check_relation(
    form: ReportForm,
    relation: RelationInstance,
    values: Mapping[str, Value],
    previous: Mapping[str, Value] | None,
) -> Finding | None:
    if relation.needs_previous and previous is None:
        return None
    # Summed first, the terms' values named only for a message: a report's checks run every
    # relation on every saved cell, and nearly all of them agree.
    sums: list[Number] = [0, 0]
    for side, terms in enumerate((relation.left, relation.right)):
        for term in terms:
            value = (previous if term.previous else values).get(term.field)  # type: ignore[union-attr]
            if value is None or isinstance(value, str):
                return None
            sums[side] += term.sign * value
    left, right = sums
    if left == right:
        return None
    numbers: dict[Term, Number] = {
        term: (previous if term.previous else values)[term.field]  # type: ignore[index]
        for term in (*relation.left, *relation.right)
    }
    first = form.field(relation.left[0].field)
    scope = (
        f"{first.table}「{first.column}」列"
        if relation.scope == "column"
        else f"{first.table}「{first.row}」行"
    )
    message = (
        f"{scope}：{_expression(form, relation, relation.left, numbers, left)}；"
        f"{_expression(form, relation, relation.right, numbers, right)}；"
        f"两者相差 {format_value(abs(left - right), first.type)}。{relation.explanation}。"
    )
    return Finding(relation.check, relation.severity, relation.current_fields, message)


def _expression(
    form: ReportForm,
    relation: RelationInstance,
    terms: tuple[Term, ...],
    numbers: Mapping[Term, Number],
    total: Number,
) -> str:
    listed = list(terms)
    if len(terms) > _MAX_LISTED_TERMS:
        listed = [t for t in terms if numbers[t] != 0]
    parts = []
    for i, term in enumerate(listed):
        field_def = form.field(term.field)
        name = field_def.row if relation.scope == "column" else field_def.column
        if term.previous:
            name = f"上年报告{name}"
        operator = "" if i == 0 and term.sign > 0 else ("－ " if term.sign < 0 else "＋ ")
        parts.append(f"{operator}{name} {format_value(numbers[term], field_def.type)}")
    text = " ".join(parts) if parts else "各项均为 0"
    if len(listed) > 1 or (len(listed) < len(terms) and listed):
        text += f" ＝ {total}"
    if len(listed) < len(terms) and listed:
        text += "（其余各项为 0）"
    return text


def _blank_cells(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: dict[str, object]
) -> list[Finding]:
    findings = []
    by_row: dict[tuple[str | None, str | None], list[FieldDef]] = {}
    for field_def in form.fields.values():
        if (
            field_def.numeric
            and field_def.id not in context.refused
            and values.get(field_def.id) is None
        ):
            by_row.setdefault((field_def.table, field_def.row), []).append(field_def)
    for (table, row), cells in by_row.items():
        columns = "、".join(f"「{c.column}」" for c in cells)
        findings.append(
            Finding(
                "no_blank_cells",
                "error",
                tuple(c.id for c in cells),
                f"{table}「{row}」行的{columns}列未填写数字；数量为零时应填写 0，不能空白或填“/”。",
            )
        )
    return findings


def _required_text(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: dict[str, object]
) -> list[Finding]:
    findings = []
    for section in form.sections:
        if section.text_field in context.refused:
            continue
        if section.required and section.text_field and not _text(values, section.text_field):
            findings.append(
                Finding(
                    "required_text",
                    "error",
                    (section.text_field,),
                    f"「{section.heading}」尚未填写。{section.guidance}",
                )
            )
    return findings


def _fee_statement(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: dict[str, object]
) -> list[Finding]:
    text = _text(values, str(spec["field"]))
    if states_fee(text):
        return []
    return [
        Finding(
            "fee_statement",
            "warning",
            (str(spec["field"]),),
            "「六、其他需要报告的事项」应专门说明本年度收取信息处理费的情况"
            "（如“本年度未收取信息处理费”或“共收取信息处理费××元”）。",
        )
    ]


def _overview_length(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: dict[str, object]
) -> list[Finding]:
    text = _text(values, str(spec["field"]))
    count = len(re.sub(r"\s", "", text))
    limit = int(spec["limit"])  # type: ignore[call-overload]
    if count <= limit:
        return []
    return [
        Finding(
            "overview_length",
            "warning",
            (str(spec["field"]),),
            f"「一、总体情况」共 {count} 字，超过原则上不超过 {limit} 字的要求，"
            f"请精简约 {count - limit} 字，重在聚焦主题、简明客观。",
        )
    ]


_EMPTY_PROBLEMS = {"", "无", "没有", "暂无", "无问题"}


def _problems_specific(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: dict[str, object]
) -> list[Finding]:
    field_id = str(spec["field"])
    text = _text(values, field_id)
    if re.sub(r"[\s。.，,！!]", "", text) in _EMPTY_PROBLEMS:
        return [
            Finding(
                "problems_specific",
                "warning",
                (field_id,),
                "「五、存在的主要问题及改进情况」不能只写“无”，应实事求是、明确具体地写明存在的问题"
                "和有针对性的改进举措。",
            )
        ]
    return []


def _text(values: Mapping[str, Value] | None, field_id: str) -> str:
    value = values.get(field_id) if values is not None else None
    return value.strip() if isinstance(value, str) else ""


# Every content check by id; the narrative and plausibility ones live in their own modules.
_CONTENT_CHECKS = {
    "no_blank_cells": _blank_cells,
    "required_text": _required_text,
    "fee_statement": _fee_statement,
    "overview_length": _overview_length,
    "problems_specific": _problems_specific,
    **CONTEXT_CHECKS,
    **PLAUSIBILITY_CHECKS,
}
