"""Helpers shared by the form engine tests."""

from __future__ import annotations

from bot.core.answers import AnswersFile, parse_answers
from bot.core.render import render_report


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
