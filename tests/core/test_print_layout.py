"""The printed report, checked on LibreOffice's PDF: what a reviewing office looks at.

Reports are rendered with the widest values the form accepts, converted, and read back from
the PDF's words and their boxes: every figure on one line, no table header alone at a page
foot, row-group labels beside their rows on every page, the draft mark on every page.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.core.answers import AnswersFile, parse_answers
from bot.core.form import ReportForm
from bot.core.pdf import PdfConverter
from bot.core.render import render_report
from tests.core.pdf_pages import Page, pdf_pages
from tests.core.support import widest_text, widest_values

LEFT_MARGIN_MM = 28
# Table 三's label columns (bot/core/template_builder.py): part, group, item.
PART_COLUMN = (LEFT_MARGIN_MM, LEFT_MARGIN_MM + 12)
GROUP_COLUMN = (LEFT_MARGIN_MM + 12, LEFT_MARGIN_MM + 28)
ITEM_COLUMN = (LEFT_MARGIN_MM + 28, LEFT_MARGIN_MM + 72)


def printed_pages(
    converter: PdfConverter,
    answers: AnswersFile,
    *,
    widest: bool,
    narrative: str | None = None,
    draft: bool = False,
) -> list[Page]:
    form = answers.form
    values = parse_answers(answers).values
    if widest:
        values |= widest_values(form)
    if narrative is not None:
        values["s1.text"] = narrative
    data = render_report(
        form,
        agency=answers.agency,
        year=answers.year,
        values=values,
        draft=draft,
        draft_errors=3 if draft else 0,
    )
    return pdf_pages(converter.convert(data))


def page_with(pages: list[Page], text: str) -> Page:
    found = [p for p in pages if text in p.texts()]
    assert len(found) == 1, f"{text!r} on pages {[p.number for p in found]}"
    return found[0]


@pytest.fixture(params=["huaian", "tongjiang"])
def widest_report(
    request: pytest.FixtureRequest, pdf_converter: PdfConverter
) -> tuple[ReportForm, list[Page]]:
    answers: AnswersFile = request.getfixturevalue(request.param)
    return answers.form, printed_pages(pdf_converter, answers, widest=True)


def test_every_figure_prints_on_one_line(widest_report: tuple[ReportForm, list[Page]]) -> None:
    form, pages = widest_report
    expected = Counter(widest_text(form, f) for f in form.numeric_fields)
    words = Counter(w for p in pages for w in p.texts())
    # A figure broken inside its cell would print as two shorter words instead.
    assert {text: words[text] for text in expected} == dict(expected)


def test_table_headers_stay_with_their_first_rows(
    widest_report: tuple[ReportForm, list[Page]],
) -> None:
    form, pages = widest_report
    for group in form.section("s2").groups:
        page = page_with(pages, group.heading)
        assert group.rows[0].label in page.texts(), group.heading
    s2_heading = page_with(pages, form.section("s2").heading)
    assert form.section("s2").groups[0].heading in s2_heading.texts()

    s3 = form.section("s3")
    header = page_with(pages, s3.header["top"])
    assert s3.heading in header.texts()
    assert s3.rows[0].label in header.texts()

    s4 = form.section("s4")
    header = page_with(pages, "未经复议直接起诉")
    assert s4.heading in header.texts()
    first_figure = widest_text(form, s4.cell_field(s4.rows[0].id, s4.columns[0].id))
    assert first_figure in header.texts()


@pytest.mark.parametrize("paragraphs", [0, 6, 12, 18])
def test_row_groups_carry_their_labels_on_every_page(
    huaian: AnswersFile, pdf_converter: PdfConverter, paragraphs: int
) -> None:
    """Whatever the length of the text before it, and so wherever table 三 begins."""
    narrative = "\n".join(["本机关认真贯彻落实《条例》，各项工作有序推进。" * 3] * paragraphs)
    pages = printed_pages(pdf_converter, huaian, widest=True, narrative=narrative or "无。")
    s3 = huaian.form.section("s3")
    grouped = [row for row in s3.rows if row.group]
    seen = set()
    for page in pages:
        items = page.column_text(*ITEM_COLUMN)
        for row in grouped:
            if row.label in items:
                seen.add(row.id)
                assert row.group in page.column_text(*GROUP_COLUMN), (page.number, row.label)
                assert row.within in page.column_text(*PART_COLUMN), (page.number, row.label)
    assert seen == {row.id for row in grouped}


def test_figures_in_the_narrative_stay_whole_at_line_ends(
    huaian: AnswersFile, pdf_converter: PdfConverter
) -> None:
    """A figure in running text moves to the next line whole, wherever the line ends."""
    figure = "123456"
    narrative = "\n".join(f"{'全' * lead}年共受理申请 {figure} 件。" * 4 for lead in range(28))
    pages = printed_pages(pdf_converter, huaian, widest=False, narrative=narrative)
    # A figure broken at a line end would print as two shorter words instead.
    assert [w for p in pages for w in p.texts()].count(figure) == 4 * 28


def test_a_draft_is_marked_on_every_page(
    tongjiang: AnswersFile, pdf_converter: PdfConverter
) -> None:
    pages = printed_pages(pdf_converter, tongjiang, widest=False, draft=True)
    assert len(pages) >= 3
    for page in pages:
        assert "草稿（尚有3项校验错误" in "".join(page.texts()), page.number
