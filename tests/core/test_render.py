"""The Word report: every value in its official cell, every official label, safe user text."""

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree

from bot.core.answers import AnswersFile, parse_answers
from bot.core.form import ReportForm
from bot.core.render import ReportRenderer, render_report, report_context
from bot.core.values import format_value
from tests.core.support import draft_without


def render(answers: AnswersFile, **overrides: object) -> Document:
    values = parse_answers(answers).values | overrides
    data = render_report(answers.form, agency=answers.agency, year=answers.year, values=values)
    return Document(io.BytesIO(data))


def logical_cells(row) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts of a table row with horizontally merged cells counted once."""
    seen, texts = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            texts.append(cell.text)
    return texts


def printed(form: ReportForm, values: dict, field_id: str) -> str:
    return format_value(values[field_id], form.field(field_id).type)


def test_every_value_sits_in_its_official_cell(sample: AnswersFile) -> None:
    form, values = sample.form, parse_answers(sample).values
    document = render(sample)
    table2, table3, table4 = document.tables

    row = 0
    s2 = form.section("s2")
    width = max(len(g.columns) for g in s2.groups)
    for group in s2.groups:
        # 2019: a group with fewer columns keeps the spare ones as empty cells of their own.
        spare = [""] * (width - len(group.columns)) if s2.spare_columns == "blank" else []
        assert logical_cells(table2.rows[row]) == [group.heading]
        assert logical_cells(table2.rows[row + 1]) == ["信息内容", *group.columns, *spare]
        for offset, list_row in enumerate(group.rows, start=2):
            assert logical_cells(table2.rows[row + offset]) == [
                list_row.label,
                *(printed(form, values, f) for f in list_row.fields),
                *spare,
            ]
        row += 2 + len(group.rows)

    s3 = form.section("s3")
    for index, grid_row in enumerate(s3.rows):
        cells = table3.rows[3 + index].cells
        assert cells[2].text == grid_row.label
        figures = [c.text for c in cells[3:]]
        assert figures == [printed(form, values, f"s3.{grid_row.id}.{c.id}") for c in s3.columns]

    s4 = form.section("s4")
    assert [c.text for c in table4.rows[3].cells] == [
        printed(form, values, f"s4.{g.id}.{c.id}") for g in s4.rows for c in s4.columns
    ]


def test_every_official_label_is_printed(sample: AnswersFile) -> None:
    form = sample.form
    document = render(sample)
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == f"{sample.agency}\n{sample.year}年政府信息公开工作年度报告"
    headings = [p.text for p in document.paragraphs if p.style.name == "Section Heading"]
    assert headings == [s.heading for s in form.sections]

    table3 = document.tables[1]
    s3 = form.section("s3")
    assert table3.cell(0, 0).text == s3.note
    assert table3.cell(0, 3).text == "申请人情况"
    assert [table3.cell(1, 3).text, table3.cell(1, 4).text, table3.cell(1, 9).text] == [
        "自然人",
        "法人或其他组织",
        "总计",
    ]
    assert [table3.cell(2, i).text for i in range(4, 9)] == [c.label for c in s3.columns if c.group]
    labels = {c.text for row in table3.rows[3:] for c in row.cells[:3]}
    assert {r.label for r in s3.rows} | {r.within for r in s3.rows if r.within} | {
        r.group for r in s3.rows if r.group
    } == labels

    table4 = document.tables[2]
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert logical_cells(table4.rows[0]) == ["行政复议", "行政诉讼"]
    assert logical_cells(table4.rows[1]) == [*results, "未经复议直接起诉", "复议后起诉"]
    assert logical_cells(table4.rows[2]) == results * 3


def test_narrative_sections_print_paragraph_by_paragraph(tongjiang: AnswersFile) -> None:
    document = render(tongjiang, **{"s6.text": "第一段。\n\n第二段。"})
    texts = [p.text for p in document.paragraphs]
    start = texts.index("六、其他需要报告的事项")
    assert texts[start + 1 : start + 3] == ["第一段。", "第二段。"]


def test_zeros_print_as_zero(tongjiang: AnswersFile) -> None:
    document = render(tongjiang)
    figures = [c.text for c in document.tables[1].rows[3].cells[3:]]
    assert figures == ["0"] * 7


def test_page_is_a4_with_official_margins_and_chinese_fonts(huaian: AnswersFile) -> None:
    document = render(huaian)
    section = document.sections[0]
    sizes = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(length.mm) for length in sizes] == [210, 297, 37, 35, 28, 26]
    east_asia = {
        name: document.styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
        for name in ("Normal", "Report Title", "Section Heading", "Report Body")
    }
    assert east_asia == {
        "Normal": "仿宋_GB2312",
        "Report Title": "方正小标宋简体",
        "Section Heading": "黑体",
        "Report Body": "仿宋_GB2312",
    }


NASTY = [
    "<script>alert(1)</script> & 3 < 5",
    "{{ agency }} {% for x in y %} {# c #}",
    "]]><w:p/>&amp;",
    "控制\x0b字符\a与\f分页",
    "长" * 6000,
]


@pytest.mark.parametrize("text", NASTY)
def test_user_text_renders_literally_and_the_file_opens(tongjiang: AnswersFile, text: str) -> None:
    answers = AnswersFile(
        kind=tongjiang.kind,
        agency=f"测试<局>&{text[:20]}",
        year=2020,
        values=tongjiang.values | {"s1.text": text},
    )
    values = parse_answers(answers).values
    document = Document(
        io.BytesIO(render_report(answers.form, agency=answers.agency, year=2020, values=values))
    )
    body = "\n".join(p.text for p in document.paragraphs)
    assert values["s1.text"] in body
    assert f"测试<局>&{text[:20]}"[:8] in document.paragraphs[0].text


def test_draft_is_marked_on_every_page_and_final_is_not(tongjiang: AnswersFile) -> None:
    document = Document(io.BytesIO(draft_without(tongjiang, "s3.new.natural")))
    section = document.sections[0]
    # The draft mark stands in the headers of odd and even pages, so on every page.
    for header in (section.header, section.even_page_header):
        assert header.paragraphs[0].text.startswith("草稿（尚有 1 项校验错误")
    assert document.tables[1].rows[3].cells[3].text == ""
    final = Document(
        io.BytesIO(
            render_report(
                tongjiang.form,
                agency=tongjiang.agency,
                year=2020,
                values=parse_answers(tongjiang).values,
            )
        )
    )
    headers = (final.sections[0].header, final.sections[0].even_page_header)
    assert all("草稿" not in h.paragraphs[0].text for h in headers)
    assert "草稿" not in "".join(p.text for p in final.paragraphs)


@pytest.fixture
def huaian_context(huaian: AnswersFile) -> dict:
    return report_context(
        huaian.form, agency=huaian.agency, year=huaian.year, values=parse_answers(huaian).values
    )


@pytest.fixture
def naive_docx(huaian: AnswersFile, huaian_context: dict, tmp_path: Path) -> Path:
    """The Huaian report by docxtpl's documented load-render-save."""
    naive = DocxTemplate(huaian.form.template_path)
    naive.render(huaian_context, autoescape=True)
    naive.save(tmp_path / "naive.docx")
    return tmp_path / "naive.docx"


def test_warm_renderer_matches_docxtpl(
    huaian: AnswersFile, huaian_context: dict, naive_docx: Path
) -> None:
    expected = Document(naive_docx)
    warm = Document(io.BytesIO(ReportRenderer(huaian.form.template_path).render(huaian_context)))
    assert [p.text for p in warm.paragraphs] == [p.text for p in expected.paragraphs]
    for ours, theirs in zip(warm.tables, expected.tables, strict=True):
        assert [[c.text for c in r.cells] for r in ours.rows] == [
            [c.text for c in r.cells] for r in theirs.rows
        ]


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


def test_warm_renderer_writes_docxtpls_xml_and_copies_the_other_parts(
    huaian: AnswersFile, huaian_context: dict, naive_docx: Path
) -> None:
    template_path = huaian.form.template_path
    warm = zipfile.ZipFile(io.BytesIO(ReportRenderer(template_path).render(huaian_context)))
    assert warm.testzip() is None  # every member's CRC checks out
    with (
        zipfile.ZipFile(naive_docx) as expected,
        zipfile.ZipFile(template_path) as template,
    ):
        assert warm.namelist() == template.namelist()
        # The same XML as docxtpl's; docxtpl re-serialises it (an empty <w:rPr></w:rPr> of a
        # number fitted at its full size becomes <w:rPr/>), so compare canonical forms.
        assert canonical(warm.read("word/document.xml")) == canonical(
            expected.read("word/document.xml")
        )
        for name in template.namelist():
            if name != "word/document.xml":
                assert warm.read(name) == template.read(name), name
                assert warm.getinfo(name).compress_size == template.getinfo(name).compress_size
