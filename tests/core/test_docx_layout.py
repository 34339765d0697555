"""The Word package as the official formats and GB/T 9704 want it, read from its XML: the
grids of 表四 and 2019's 表二, the properties, the fonts and language, page numbers, the grid,
figures fitted to their cells and a draft's shaded cells."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from bot.core.answers import AnswersFile, parse_answers
from bot.core.draft_marks import BLANK_FILL, ERROR_FILL
from bot.core.render import render_report
from tests.core.support import widest_values

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def rendered(answers: AnswersFile, **options: object) -> bytes:
    values = parse_answers(answers).values
    values |= options.pop("values", {})  # type: ignore[arg-type]
    return render_report(
        answers.form, agency=answers.agency, year=answers.year, values=values, **options
    )


def part(docx: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return archive.read(name).decode("utf-8")


def grid_rows(table) -> list[list[tuple[str, int, str | None]]]:  # type: ignore[no-untyped-def]
    """Each row's cells as (text, grid columns spanned, vMerge) — the grid as Word stores it."""
    rows = []
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.tc_lst:
            span = tc.tcPr.find(qn("w:gridSpan")) if tc.tcPr is not None else None
            merge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            vmerge = None if merge is None else (merge.get(qn("w:val")) or "continue")
            cells.append((text, int(span.get(qn("w:val"))) if span is not None else 1, vmerge))
        rows.append(cells)
    return rows


def test_table_four_has_the_official_grid(sample: AnswersFile) -> None:
    table = Document(io.BytesIO(rendered(sample))).tables[2]
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    rows = grid_rows(table)
    # Row 1: 行政复议 over its five columns (not merged down), 行政诉讼 over ten.
    assert rows[0] == [("行政复议", 5, None), ("行政诉讼", 10, None)]
    # Rows 2–3: 行政复议's results span both rows; 行政诉讼's two kinds, then their results.
    assert rows[1] == [(r, 1, "restart") for r in results] + [
        ("未经复议直接起诉", 5, None),
        ("复议后起诉", 5, None),
    ]
    assert rows[2] == [("", 1, "continue")] * 5 + [(r, 1, None) for r in results * 2]
    assert [(span, merge) for _, span, merge in rows[3]] == [(1, None)] * 15


def test_table_two_of_2019_keeps_the_empty_fourth_column(tongjiang: AnswersFile) -> None:
    table = Document(io.BytesIO(rendered(tongjiang))).tables[0]
    rows = grid_rows(table)
    by_label = {row[0][0]: row for row in rows}
    # （八）行政事业性收费 and （九）政府集中采购: two figures and a separate empty cell.
    for label in ("行政事业性收费", "政府集中采购"):
        assert [span for _, span, _ in by_label[label]] == [1, 1, 1, 1]
        assert by_label[label][3][0] == ""
    headers = [row for row in rows if row[0][0] == "信息内容"]
    assert [c[0] for c in headers[-1]] == ["信息内容", "采购项目数量", "采购总金额", ""]
    # Every row of the 2019 table has the same four cells, none merged across.
    assert all(
        len(row) == 4
        for row in rows
        if row[0][0] not in {g.heading for g in tongjiang.form.section("s2").groups}
    )


def test_table_two_of_2021_spans_a_single_figure_across(huaian: AnswersFile) -> None:
    rows = grid_rows(Document(io.BytesIO(rendered(huaian))).tables[0])
    fees = next(row for row in rows if row[0][0] == "行政事业性收费")
    assert [span for _, span, _ in fees] == [1, 3]


def test_properties_name_the_report_the_agency_and_now(huaian: AnswersFile) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    props = Document(io.BytesIO(rendered(huaian))).core_properties
    assert props.title == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert props.author == props.last_modified_by == "淮安市人民政府"
    assert props.language == "zh-CN"
    for stamp in (props.created, props.modified):
        assert before - timedelta(seconds=1) <= stamp.replace(tzinfo=UTC) <= datetime.now(UTC)
    app = part(rendered(huaian), "docProps/app.xml")
    assert "python-docx" not in app and "Macintosh" not in app


def test_defaults_theme_and_font_table_name_chinese_fonts(tongjiang: AnswersFile) -> None:
    docx = rendered(tongjiang)
    styles = etree.fromstring(part(docx, "word/styles.xml").encode())
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    fonts = defaults.find(f"{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert fonts.get(f"{W}ascii") == "Times New Roman"
    lang = defaults.find(f"{W}lang")
    assert (lang.get(f"{W}val"), lang.get(f"{W}eastAsia")) == ("en-US", "zh-CN")
    theme = part(docx, "word/theme/theme1.xml")
    assert '<a:ea typeface="黑体"/>' in theme and '<a:ea typeface="仿宋_GB2312"/>' in theme
    settings = part(docx, "word/settings.xml")
    assert '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>' in settings
    parts = ("word/styles.xml", "word/stylesWithEffects.xml", "word/fontTable.xml")
    everything = theme + settings + "".join(part(docx, name) for name in parts)
    western = re.compile(
        r'(typeface|w:ascii|w:hAnsi|w:eastAsia|w:name)="(Calibri|Cambria|ＭＳ[^"]*)"'
    )
    assert not western.findall(everything)
    assert "ja-JP" not in everything
    assert set(re.findall(r'w:eastAsia="([a-z]{2}-[A-Z]{2})"', everything)) == {"zh-CN"}
    names = re.findall(r'w:font w:name="([^"]+)"', part(docx, "word/fontTable.xml"))
    assert {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "Times New Roman"} <= set(names)


def test_page_numbers_outside_one_character_in_and_the_type_grid(huaian: AnswersFile) -> None:
    document = Document(io.BytesIO(rendered(huaian)))
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for paragraph in (odd, even):
        assert paragraph.text == "—  —"  # the number itself is a PAGE field between
        assert "PAGE" in paragraph._p.xml
        assert paragraph.style.font.size.pt == 14
    one_char = 14 * 20  # twips
    assert odd.alignment == 2 and odd.paragraph_format.right_indent.twips == one_char
    assert even.alignment == 0 and even.paragraph_format.left_indent.twips == one_char
    grid = section._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")
    body = document.styles["Report Body"]
    assert body.font.size.pt == 16 and body.paragraph_format.line_spacing.twips == 579
    # 28 characters of 三号 to the 156 mm line: each set 0.25 pt closer.
    spacing = body.element.rPr.find(qn("w:spacing")).get(qn("w:val"))
    assert 28 * (16 * 20 + int(spacing)) <= 156 / 25.4 * 1440 < 28 * 16 * 20
    assert document.styles["Report Table"].font.size.pt == 10.5


def run_sizes(table) -> list[tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    out = []
    for r in table._tbl.iter(qn("w:r")):
        text = "".join(t.text or "" for t in r.iter(qn("w:t")))
        if not re.fullmatch(r"[+\d.]+", text):
            continue  # labels such as 1.属于国家秘密
        rpr = r.find(qn("w:rPr"))
        size = rpr.find(qn("w:sz")) if rpr is not None else None
        scale = rpr.find(qn("w:w")) if rpr is not None else None
        out.append(
            (
                text,
                size.get(qn("w:val")) if size is not None else None,
                scale.get(qn("w:val")) if scale is not None else None,
            )
        )
    return out


def test_wide_figures_are_set_smaller_and_short_ones_stay_wuhao(huaian: AnswersFile) -> None:
    usual = Document(io.BytesIO(rendered(huaian))).tables[1]
    assert all(size is None and scale is None for _, size, scale in run_sizes(usual))
    widest = Document(io.BytesIO(rendered(huaian, values=widest_values(huaian.form))))
    for table in widest.tables[1:]:
        for text, size, _scale in run_sizes(table):
            assert text == "999999999"
            assert size is not None and int(size) < 21
    # Table 四's ten-millimetre columns need the characters narrowed as well.
    assert all(scale is not None for _, _, scale in run_sizes(widest.tables[2]))


def shading(table) -> dict[str, str]:  # type: ignore[no-untyped-def]
    fills = {}
    for tc in table._tbl.iter(qn("w:tc")):
        shd = tc.tcPr.find(qn("w:shd"))
        if shd is not None:
            fills[tc.xpath("string(.)")] = shd.get(qn("w:fill"))
    return fills


def test_a_draft_shades_blank_and_wrong_cells_and_keeps_refused_text(
    tongjiang: AnswersFile,
) -> None:
    values = parse_answers(tongjiang).values
    for field_id in ("s3.new.natural", "s3.new.commercial", "s3.new.total"):
        values.pop(field_id)
    values["s3.carried_in.natural"] = 5
    docx = render_report(
        tongjiang.form,
        agency=tongjiang.agency,
        year=tongjiang.year,
        values=values,
        draft=True,
        draft_errors=3,
        error_fields={"s3.carried_in.natural"},
        refused={"s3.new.commercial": "三件"},  # what was typed, not a number
    )
    table = Document(io.BytesIO(docx)).tables[1]

    def fill(cell) -> str | None:  # type: ignore[no-untyped-def]
        shd = cell._tc.tcPr.find(qn("w:shd"))
        return None if shd is None else shd.get(qn("w:fill"))

    blank, refused, zero = table.rows[3].cells[3:6]
    assert (blank.text, fill(blank)) == ("", BLANK_FILL)
    assert (refused.text, fill(refused)) == ("三件", ERROR_FILL)
    assert (zero.text, fill(zero)) == ("0", None)
    wrong = table.rows[4].cells[3]
    assert (wrong.text, fill(wrong)) == ("5", ERROR_FILL)
    final = Document(io.BytesIO(rendered(tongjiang))).tables[1]
    assert not shading(final)
