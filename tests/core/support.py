"""Helpers shared by the form engine tests."""

from __future__ import annotations

from decimal import Decimal

from bot.core.answers import AnswersFile, parse_answers
from bot.core.form import ReportForm
from bot.core.render import render_report
from bot.core.values import MAX_NUMBER, Value, format_value


def draft_without(answers: AnswersFile, field_id: str) -> bytes:
    """The sample rendered as a draft with one cell left blank (one validation error)."""
    values = parse_answers(answers).values
    values.pop(field_id)
    return render_report(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        values=values,
        draft=True,
        draft_errors=1,
    )


WIDEST_COUNT = MAX_NUMBER  # 999999999
WIDEST_AMOUNT = Decimal("999999999.999999")  # 万元 with six decimals


def widest_values(form: ReportForm) -> dict[str, Value]:
    """Every figure at the widest value the form accepts (signed cells with their "+")."""
    values: dict[str, Value] = {}
    for field_id in form.numeric_fields:
        kind = form.field(field_id).type.kind
        values[field_id] = WIDEST_AMOUNT if kind == "amount" else WIDEST_COUNT
    return values


def widest_text(form: ReportForm, field_id: str) -> str:
    return format_value(widest_values(form)[field_id], form.field(field_id).type)
