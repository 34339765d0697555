"""Reading reports back in tests: hand-made documents of the samples and what they must yield."""

import re
import shutil
import subprocess
from pathlib import Path

from bot.core.answers import AnswersFile, parse_answers
from bot.core.checks import check_answers, complete_values, has_errors
from bot.core.reader import ReadResult
from bot.core.render import render_report
from tests.core.handmade_docx import Layout, handmade_report, printed_cells
from tests.core.handmade_html import Shape, handmade_page


def squash(text: object) -> str:
    return re.sub(r"\s+", "", str(text))


def rendered(answers: AnswersFile, **overrides: object) -> bytes:
    values = parse_answers(answers).values | overrides
    values = {k: v for k, v in values.items() if v is not None}
    draft = has_errors(check_answers(answers))
    return render_report(
        answers.form, agency=answers.agency, year=answers.year, values=values, draft=draft
    )


def paragraphs_of(answers: AnswersFile) -> dict[str, list[str]]:
    """The narrative of a sample cut into several paragraphs, as a report sets it."""
    form = answers.form
    return {
        s.id: [p + "。" for p in str(answers.values.get(s.text_field, "")).split("。") if p.strip()]
        for s in form.sections
        if s.text_field
    }


def page(answers: AnswersFile, shape: Shape | None = None, **cells: str) -> bytes:
    """A sample as a portal page made by hand."""
    return handmade_page(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        cells=printed_cells(answers) | cells,
        texts=paragraphs_of(answers),
        shape=shape,
    )


def print_pdfs(sources: list[Path], folder: Path) -> bool:
    """Each Word file or page printed to PDF into `folder` by one LibreOffice run with a
    profile of its own; False when LibreOffice is not installed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return False
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return True


def handmade(answers: AnswersFile, layout: Layout | None = None, **cells: str) -> bytes:
    return handmade_report(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        cells=printed_cells(answers) | cells,
        texts=paragraphs_of(answers),
        layout=layout,
    )


def assert_reads_back(result: ReadResult, answers: AnswersFile) -> None:
    form = answers.form
    assert (result.kind, result.answers.agency, result.answers.year) == (
        answers.kind,
        answers.agency,
        answers.year,
    )
    assert result.problems == []
    expected = complete_values(form, parse_answers(answers).values)
    got = parse_answers(result.answers).values
    assert {f: got.get(f) for f in form.numeric_fields} == {
        f: expected[f] for f in form.numeric_fields
    }
    for field_id in form.text_fields:
        assert squash(got[field_id]) == squash(expected[field_id]), field_id
    assert result.cells_read == result.cells_total == len(form.numeric_fields)


def problem_for(result: ReadResult, field_id: str):  # type: ignore[no-untyped-def]
    (problem,) = [p for p in result.problems if p.field_id == field_id]
    return problem
