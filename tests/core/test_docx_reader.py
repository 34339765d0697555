"""Reading reports from Word: our own renders back exactly, hand-made ones cell by cell, and
nothing guessed: every cell that does not hold a clear number is listed by its official label."""

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from docx import Document
from typer.testing import CliRunner

from bot.cli import app
from bot.core.answers import AnswersFile, parse_answers
from bot.core.reader import DocxReadError, read_report
from bot.core.reader import package as reader_package
from bot.core.reader.findings import read_findings
from bot.core.reader.package import MAX_BLOCKS, MAX_XML_TAGS
from bot.core.render import render_report
from tests.core.handmade_docx import Layout
from tests.core.reading_support import assert_reads_back, handmade, problem_for, rendered, squash
from tests.core.support import draft_without, widest_values
from tests.hostile_files import deep_docx, empty_paragraphs_docx

runner = CliRunner()


# --- our own reports ---------------------------------------------------------------------------


def test_rendered_reports_read_back_exactly(sample: AnswersFile) -> None:
    assert_reads_back(read_report(rendered(sample)), sample)


def test_the_widest_figures_read_back_from_their_fitted_cells(sample: AnswersFile) -> None:
    """Figures set smaller and narrower to fit their cells are still plain text in Word."""
    form = sample.form
    # Six-decimal amounts are printed too (tests/core/test_print_layout.py); reading them
    # back waits for the values module to accept six decimals.
    widest = {f: v for f, v in widest_values(form).items() if form.field(f).type.kind != "amount"}
    values = parse_answers(sample).values | widest
    result = read_report(render_report(form, agency=sample.agency, year=sample.year, values=values))
    got = parse_answers(result.answers).values
    assert {f: got.get(f) for f in widest} == widest


def test_a_draft_with_a_blank_cell_lists_the_cell(tongjiang: AnswersFile) -> None:
    data = draft_without(tongjiang, "s3.new.research")
    result = read_report(data)
    assert result.answers.agency == tongjiang.agency
    problem = problem_for(result, "s3.new.research")
    assert problem.message.startswith("表三「一、本年新收政府信息公开申请数量」行「科研机构」列：")
    assert "空白" in problem.message
    assert "s3.new.research" not in result.answers.values
    assert result.problems == [problem]  # the sample gives its totals: the total is printed


def test_every_kind_of_source_reads_the_same(huaian: AnswersFile, tmp_path: Path) -> None:
    data = rendered(huaian)
    path = tmp_path / "report.docx"
    path.write_bytes(data)
    results = [read_report(s) for s in (data, path, str(path), io.BytesIO(data))]
    assert_reads_back(results[0], huaian)
    assert all(r.answers == results[0].answers for r in results)


# --- reports laid out by hand in Word -------------------------------------------------------


LAYOUTS = {
    "plain": Layout(),
    "split_with_header": Layout(split_s3_after=9, relabel=lambda t: t.replace("只计", "只记")),
    "split_without_header": Layout(split_s3_after=5, repeat_header=False),
    "split_flat": Layout(split_s3_after=12, repeat_header=False, flat_continuation=True),
    "extra_empty_row_and_column": Layout(extra_empty_column=True, extra_empty_row=True),
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_handmade_reports_read_back(sample: AnswersFile, layout: Layout) -> None:
    assert_reads_back(read_report(handmade(sample, layout)), sample)


def test_a_label_typo_seen_in_published_reports_is_read(huaian: AnswersFile) -> None:
    layout = Layout(relabel=lambda t: t.replace("只计", "只记"))
    result = read_report(handmade(huaian, layout))
    assert result.answers.values["s3.partial.natural"] == 447


@pytest.mark.parametrize(
    "title",
    [
        ("同江市工业信息化科技局２０２０年政府", "信息公开工作年度报告"),
        ("同江市工业信息化科技局", "二〇二〇年度政府信息公开工作年度报告"),
        ("政务公开", "同江市工业信息化科技局 2020 年政府信息公开工作年度报告"),
    ],
)
def test_title_variants(tongjiang: AnswersFile, title: tuple[str, ...]) -> None:
    result = read_report(handmade(tongjiang, Layout(title=title)))
    assert (result.answers.agency, result.answers.year) == ("同江市工业信息化科技局", 2020)


def test_figures_as_people_type_them(huaian: AnswersFile, tongjiang: AnswersFile) -> None:
    result = read_report(
        handmade(
            huaian,
            **{
                "s3.new.commercial": "５３",
                "s2.penalty.decisions": "3,985,758",
                "s3.new.legal": "61件",
                "s2.fees.amount": "96171.6万元",
                "s4.review.total": " 351 ",
            },
        )
    )
    assert_reads_back(result, huaian)
    assert result.answers.values["s2.fees.amount"] == "96171.6"
    assert parse_answers(result.answers).values["s2.fees.amount"] == Decimal("96171.6")

    result = read_report(
        handmade(
            tongjiang,
            **{
                "s2.licensing.change": "+2",
                "s2.penalty.change": "＋3",
                "s2.enforcement.change": "-1",
            },
        )
    )
    changes = {k: v for k, v in result.answers.values.items() if k.endswith(".change")}
    assert changes == {
        "s2.licensing.change": 2,
        "s2.other_services.change": 1,
        "s2.penalty.change": 3,
        "s2.enforcement.change": -1,
        "s2.fees.change": 0,
    }


@pytest.mark.parametrize(
    ("field_id", "text", "reason"),
    [
        ("s3.new.natural", "十二", "不是数字"),
        ("s3.new.natural", "", "空白"),
        ("s3.disclosed.legal", "/", "未填写数字"),
        ("s4.review.pending", "—", "未填写数字"),
        ("s2.rules.issued", "无", "未填写数字"),
        ("s3.carried_out.total", "1 03", "多个数字"),
        ("s2.normative.repealed", "-2", "负数"),
        ("s3.partial.natural", "约447", "不是数字"),
    ],
)
def test_unreadable_cells_are_listed_by_official_label_never_taken_as_zero(
    huaian: AnswersFile, field_id: str, text: str, reason: str
) -> None:
    result = read_report(handmade(huaian, **{field_id: text}))
    field = huaian.form.field(field_id)
    problem = problem_for(result, field_id)
    assert problem.message.startswith(f"{field.label}：")
    assert reason in problem.message
    assert problem.found == text.strip() or problem.found == text
    probably_zero = reason in ("空白", "未填写数字")
    assert problem.check == ("probable_zero" if probably_zero else "unreadable_cell")
    assert field_id not in result.answers.values
    assert len(result.problems) == 1
    assert result.cells_read == result.cells_total - 1
    assert "以下 1 处未能读取" in result.summary()
    assert field.label in result.summary()


@pytest.mark.parametrize(
    ("other", "fields"),
    [
        ((3, 4), ("s3.new.natural", "s3.new.commercial")),
        ((4, 3), ("s3.new.natural", "s3.carried_in.natural")),
    ],
)
def test_figures_in_merged_cells_are_listed_not_guessed(
    huaian: AnswersFile, other: tuple[int, int], fields: tuple[str, ...]
) -> None:
    document = Document(io.BytesIO(handmade(huaian)))
    table = document.tables[1]
    merged = table.cell(3, 3).merge(table.cell(*other))
    merged.text = "3001"
    out = io.BytesIO()
    document.save(out)
    result = read_report(out.getvalue())
    assert sorted(p.field_id for p in result.problems) == sorted(fields)
    assert all("合并" in p.message for p in result.problems)


def test_a_row_that_matches_no_official_row_is_listed(huaian: AnswersFile) -> None:
    layout = Layout(extra_s3_rows=[("（八）其他情形", ["1", "0", "0", "0", "0", "0", "1"])])
    result = read_report(handmade(huaian, layout))
    (problem,) = result.problems
    assert problem.check == "unmatched_row"
    assert problem.field_id is None
    assert "表三中「（八）其他情形」一行有数字，无法对应" in problem.message
    assert result.cells_read == result.cells_total


def test_a_missing_section_heading_is_listed(huaian: AnswersFile) -> None:
    document = Document(io.BytesIO(handmade(huaian)))
    (heading,) = [p for p in document.paragraphs if p.text == "五、存在的主要问题及改进情况"]
    heading.text = "存在问题"
    out = io.BytesIO()
    document.save(out)
    result = read_report(out.getvalue())
    problem = problem_for(result, "s5.text")
    assert problem.check == "unreadable_text"
    assert "五、存在的主要问题及改进情况" in problem.message
    assert "s5.text" not in result.answers.values
    assert squash(result.answers.values["s6.text"]) == squash(huaian.values["s6.text"])


def test_a_heading_numbered_by_word_itself_is_found(huaian: AnswersFile) -> None:
    document = Document(io.BytesIO(handmade(huaian)))
    for paragraph in document.paragraphs:
        if paragraph.text == "一、总体情况":
            paragraph.text = "总体情况"  # the 一、 comes from Word's list numbering
    out = io.BytesIO()
    document.save(out)
    result = read_report(out.getvalue())
    assert squash(result.answers.values["s1.text"]) == squash(huaian.values["s1.text"])


def test_a_table_in_the_narrative_is_left_to_the_narrative(huaian: AnswersFile) -> None:
    document = Document(io.BytesIO(handmade(huaian)))
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["类别", "其他", "总计"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["自然人", "5", "9"], strict=True):
        cell.text = text
    (heading,) = [p for p in document.paragraphs if p.text == "一、总体情况"]
    heading._p.addnext(table._tbl)
    out = io.BytesIO()
    document.save(out)
    assert_reads_back(read_report(out.getvalue()), huaian)


# --- which format --------------------------------------------------------------------------


def test_the_format_follows_the_tables_and_a_wrong_year_is_listed(
    tongjiang: AnswersFile,
) -> None:
    layout = Layout(title=("同江市工业信息化科技局", "2024年政府信息公开工作年度报告"))
    result = read_report(handmade(tongjiang, layout))
    assert result.kind == "gov-disclosure-2019"
    assert result.answers.year == 2024
    (problem,) = result.problems
    assert problem.check == "format_mismatch"
    assert "2024" in problem.message and "2019–2020" in problem.message


def test_a_report_without_a_title_is_read_and_the_title_listed(huaian: AnswersFile) -> None:
    result = read_report(handmade(huaian, Layout(title=("政府信息公开工作年度报告",))))
    assert result.kind == "gov-disclosure-2021"
    assert (result.answers.agency, result.answers.year) == ("", 0)
    (problem,) = result.problems
    assert problem.check == "unreadable_title"
    assert result.cells_read == result.cells_total
    assert "机关名称" in problem.message


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("某县某局2020年政府信息公开工作年度报告", "gov-disclosure-2019"),
        ("某县某局2024年政府信息公开工作年度报告", "gov-disclosure-2021"),
    ],
)
def test_without_tables_the_year_decides_and_every_cell_is_listed(title: str, kind: str) -> None:
    document = Document()
    document.add_paragraph(title)
    for heading in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        document.add_paragraph(heading)
        document.add_paragraph("内容。")
    out = io.BytesIO()
    document.save(out)
    result = read_report(out.getvalue())
    assert result.kind == kind
    assert result.cells_read == 0 and result.texts_read == 3
    missing = [p for p in result.problems if "未找到该单元格" in p.message]
    assert len(missing) == result.cells_total


def test_summary_names_format_agency_year_and_counts(tongjiang: AnswersFile) -> None:
    summary = read_report(rendered(tongjiang)).summary()
    assert "同江市工业信息化科技局" in summary and "2020年度" in summary
    assert "国办公开办函〔2019〕60号" in summary
    assert "共 198 个，已读取 198 个" in summary
    assert "全部内容均已读取" in summary


# --- files that are not reports, or are hostile ---------------------------------------------


def zip_with(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_with(document_xml: bytes) -> bytes:
    return zip_with({"word/document.xml": document_xml})


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空的"),
        ("年度报告\n".encode(), "不是 Word（.docx）文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 Word（.doc）"),
        (b"PK\x03\x04 broken", "已损坏"),
        (zip_with({"word/other.xml": b"<x/>"}), "没有 Word 正文"),
        (docx_with(f"<w:document {W}><w:body><w:p>".encode()), "已损坏"),
        (
            docx_with(
                f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                f"<w:document {W}><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>".encode()
            ),
            "为安全起见",
        ),
        (
            docx_with(
                f"<w:document {W}><w:body><w:p><w:r><w:t>会议纪要</w:t></w:r></w:p></w:body>"
                "</w:document>".encode()
            ),
            "不是年度报告",
        ),
    ],
)
def test_files_that_are_not_reports_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(DocxReadError) as excinfo:
        read_report(data)
    assert message in str(excinfo.value)


def test_a_zip_bomb_is_refused_before_it_is_parsed() -> None:
    bomb = docx_with(f"<w:document {W}><w:body>".encode() + b" " * (21 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    with pytest.raises(DocxReadError, match="解压后超过 20 MB"):
        read_report(bomb)


def test_the_uncompressed_size_is_enforced_while_reading(
    huaian: AnswersFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_package, "MAX_DOCUMENT_XML_BYTES", 10_000)
    with pytest.raises(DocxReadError, match="正文部分过大"):
        read_report(rendered(huaian))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (empty_paragraphs_docx(count=MAX_XML_TAGS), "元素过多"),
        (empty_paragraphs_docx(count=MAX_BLOCKS + 1), "段落和表格过多"),
        (
            docx_with(
                f"<w:document {W}><w:body>".encode()
                + b"<w:tbl><w:tr><w:tc/></w:tr></w:tbl>" * (MAX_BLOCKS + 1)
                + b"</w:body></w:document>"
            ),
            "段落和表格过多",
        ),
        (deep_docx(depth=100_000), "无法解析"),
    ],
    ids=["empty-elements", "empty-paragraphs", "empty-tables", "100000-deep"],
)
def test_documents_of_countless_or_deeply_nested_elements_are_refused(
    data: bytes, message: str
) -> None:
    with pytest.raises(DocxReadError, match=message):
        read_report(data)


def test_a_table_declaring_a_huge_grid_is_not_expanded() -> None:
    row = '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="100000000"/></w:tcPr><w:p/></w:tc></w:tr>'
    cells = "<w:tc><w:p><w:r><w:t>总计</w:t></w:r></w:p></w:tc>" * 3
    data = docx_with(
        f"<w:document {W}><w:body><w:tbl>{row * 5000}</w:tbl>"
        f"<w:tbl><w:tr>{cells * 200}</w:tr></w:tbl></w:body></w:document>".encode()
    )
    with pytest.raises(DocxReadError, match="不是年度报告"):
        read_report(data)


def test_huge_files_are_refused_unread(
    huaian: AnswersFile, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(reader_package, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.docx"
    path.write_bytes(rendered(huaian))
    for source in (path, io.BytesIO(path.read_bytes()), path.read_bytes()):
        with pytest.raises(DocxReadError, match="文件过大"):
            read_report(source)


# --- checks on a report read from Word -------------------------------------------------------


def test_read_findings_report_unreadable_cells_once(huaian: AnswersFile) -> None:
    result = read_report(handmade(huaian, **{"s3.new.research": "/"}))
    findings = read_findings(result)
    unreadable = [f for f in findings if f.check == "probable_zero"]
    assert [(f.fields, f.severity) for f in unreadable] == [(("s3.new.research",), "error")]
    assert not [f for f in findings if f.check == "no_blank_cells"]


# --- command line ----------------------------------------------------------------------------


@pytest.fixture
def tongjiang_docx(tongjiang: AnswersFile, tmp_path: Path) -> Path:
    path = tmp_path / "同江.docx"
    path.write_bytes(handmade(tongjiang))
    return path


def test_report_read_prints_an_answers_file_that_check_accepts(
    tongjiang_docx: Path, tongjiang: AnswersFile, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["report", "read", str(tongjiang_docx)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert data["kind"] == "gov-disclosure-2019"
    assert data["values"]["s2.licensing.change"] == 2
    assert "全部内容均已读取" in result.stderr
    answers = tmp_path / "read.yaml"
    answers.write_text(result.stdout, encoding="utf-8")
    checked = runner.invoke(app, ["check", str(answers)])
    assert checked.exit_code == 0, checked.output
    assert "校验通过" in checked.output


def test_report_read_writes_the_file_and_lists_what_it_could_not_read(
    huaian: AnswersFile, tmp_path: Path
) -> None:
    source = tmp_path / "淮安.docx"
    source.write_bytes(handmade(huaian, **{"s3.new.natural": "十二"}))
    out = tmp_path / "out" / "huaian.yaml"
    result = runner.invoke(app, ["report", "read", str(source), "-o", str(out)])
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert "# - 表三「一、本年新收政府信息公开申请数量」行「自然人」列：文件中为“十二”" in text
    assert "s3.new.natural" not in yaml.safe_load(text)["values"]
    assert "以下 1 处未能读取" in result.stderr


def test_check_reads_a_docx(tongjiang_docx: Path, huaian: AnswersFile, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tongjiang_docx), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "findings": []}

    broken = tmp_path / "broken.docx"
    broken.write_bytes(handmade(huaian, **{"s4.review.upheld": "七十二"}))
    result = runner.invoke(app, ["check", str(broken), "--json"])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert findings[0]["check"] == "unreadable_cell"
    assert findings[0]["fields"] == ["s4.review.upheld"]
    assert "表四「行政复议」行「结果维持」列" in findings[0]["message"]


def test_check_takes_last_years_report_as_docx(huaian: AnswersFile, tmp_path: Path) -> None:
    last_year = tmp_path / "last.docx"
    last_year.write_bytes(
        handmade(huaian, Layout(title=("淮安市人民政府2023年政府信息公开工作年度报告",)))
    )
    this_year = tmp_path / "this.docx"
    this_year.write_bytes(rendered(huaian))
    result = runner.invoke(app, ["check", str(this_year), "--previous", str(last_year), "--json"])
    checks = {f["check"] for f in json.loads(result.stdout)["findings"]}
    assert "carry_over" in checks


def test_check_says_when_last_years_docx_was_not_read_in_full(
    huaian: AnswersFile, tmp_path: Path
) -> None:
    title = Layout(title=("淮安市人民政府2023年政府信息公开工作年度报告",))
    last_year = tmp_path / "last.docx"
    last_year.write_bytes(handmade(huaian, title, **{"s3.carried_out.natural": "/"}))
    this_year = tmp_path / "this.docx"
    this_year.write_bytes(rendered(huaian))
    result = runner.invoke(app, ["check", str(this_year), "--previous", str(last_year), "--json"])
    assert "上一年度报告 last.docx 有 1 处未能读取" in result.stderr
    assert "跨年度核对" in result.stderr
    json.loads(result.stdout)  # the JSON on stdout stays whole


@pytest.mark.parametrize("command", [["check"], ["report", "read"]])
def test_a_text_file_named_docx_exits_2_with_a_message(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "报告.docx"
    path.write_text("这不是 Word 文件", encoding="utf-8")
    result = runner.invoke(app, [*command, str(path)])
    assert result.exit_code == 2
    assert f"无法读取：{path}：不是 Word（.docx）文件" in result.output
