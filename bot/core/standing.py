"""Where a report stands, as the supervisors' overview lists it: questions answered out of
all, and the errors and warnings its checks find.

The checks are those of the report's own answers, its year and last year's report
(`check_values` with `previous` and `year`); notices that depend on other organisations'
texts (与其他单位雷同) are not counted here: they change whenever a peer writes, and the
supervisors read them on their own page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.checks import check_values
from bot.core.form import Question, ReportForm
from bot.core.values import Value


def question_answered(question: Question, values: Mapping[str, Value]) -> bool:
    """Every cell of the question holds a value (a narrative: some text)."""
    return all(values.get(f) not in (None, "") for f in question.fields)


@dataclass(frozen=True)
class Standing:
    answered: int
    questions: int
    errors: int
    warnings: int


def standing_of(
    form: ReportForm,
    values: Mapping[str, Value],
    *,
    previous: Mapping[str, Value] | None,
    year: int,
) -> Standing:
    findings = check_values(form, values, previous=previous, year=year)
    errors = sum(f.severity == "error" for f in findings)
    return Standing(
        answered=sum(question_answered(q, values) for q in form.questions),
        questions=len(form.questions),
        errors=errors,
        warnings=len(findings) - errors,
    )
