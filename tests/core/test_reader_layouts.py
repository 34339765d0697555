"""Word layouts seen in published reports, made by hand: each read in full, or what is not
read is listed (never returned empty or guessed)."""

import io

import pytest
from docx import Document
from typer.testing import CliRunner

from bot.cli import app
from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.checks import complete_values
from bot.core.reader import read_report
from tests.core.conftest import FIXTURES
from tests.core.handmade_docx import Layout, handmade_report, printed_cells, single_other_row
from tests.core.reading_support import (
    assert_reads_back,
    handmade,
    paragraphs_of,
    problem_for,
    squash,
)

runner = CliRunner()

WORD_LAYOUTS = {
    "sections_in_one_cell_tables": Layout(boxed_texts=True),
    "bold_run_in_headings": Layout(run_in_headings=True),
    "合计_for_总计": Layout(relabel=lambda t: t.replace("总计", "合计")),
    "group_and_first_row_in_one_cell": Layout(group_in_first_row=True),
    "signature_and_date_after_六": Layout(signature=("某某单位办公室", "2025年1月20日")),
    "signature_in_chinese_numerals": Layout(signature=("（盖章）", "二〇二五年一月二十日")),
}


@pytest.mark.parametrize("layout", WORD_LAYOUTS.values(), ids=WORD_LAYOUTS.keys())
def test_word_layouts_read_back(sample: AnswersFile, layout: Layout) -> None:
    assert_reads_back(read_report(handmade(sample, layout)), sample)


@pytest.mark.parametrize(
    "title",
    [
        ("2024年度淮安市人民政府政府信息公开工作年度报告",),
        ("2024年淮安市人民政府政府信息公开工作年度报告",),
        ("2024年政府信息公开工作年度报告", "淮安市人民政府"),
        ("2024年度政府信息公开工作年度报告", "（淮安市人民政府）"),
    ],
)
def test_title_with_the_year_first_or_the_agency_on_a_second_line(
    huaian: AnswersFile, title: tuple[str, ...]
) -> None:
    result = read_report(handmade(huaian, Layout(title=title)))
    assert (result.answers.agency, result.answers.year) == ("淮安市人民政府", 2024)
    assert result.problems == []


def test_the_signature_is_not_part_of_section_六(huaian: AnswersFile) -> None:
    layout = Layout(signature=("淮安市人民政府办公室", "2025年1月20日"))
    text = read_report(handmade(huaian, layout)).answers.values["s6.text"]
    assert "办公室" not in text and "2025" not in text
    assert squash(text) == squash(huaian.values["s6.text"])


def test_a_short_last_paragraph_before_the_date_stays_text(huaian: AnswersFile) -> None:
    data = handmade_report(
        huaian.form,
        agency=huaian.agency,
        year=huaian.year,
        cells=printed_cells(huaian),
        texts=paragraphs_of(huaian) | {"s6": ["无"]},
        layout=Layout(signature=("淮安市人民政府办公室", "2025年1月20日")),
    )
    assert read_report(data).answers.values["s6.text"] == "无"


# --- the 2021 form with the older single （六）其他处理 row --------------------------------


def test_the_single_其他处理_row_is_read_into_3_其他_and_its_zeros_carry_down() -> None:
    """洪泽区 2024 published the single row; its figures are all 0: every sub-row is 0."""
    hongze = load_answers(FIXTURES / "samples" / "hongze-qzf-2024.yaml")
    result = read_report(handmade(hongze, Layout(single_other_row=True)))
    expected = complete_values(hongze.form, parse_answers(hongze).values)
    got = parse_answers(result.answers).values
    assert {f: got.get(f) for f in hongze.form.numeric_fields} == {
        f: expected[f] for f in hongze.form.numeric_fields
    }
    (problem,) = result.problems
    assert problem.check == "group_as_one_row" and problem.severity == "warning"
    assert "表三「（六）其他处理」按旧版格式只填了一行" in problem.message
    assert "按 0 读取" in problem.message


def test_the_single_其他处理_row_with_figures_lists_the_sub_rows(huaian: AnswersFile) -> None:
    form = huaian.form
    section = form.section("s3")
    cells = {f: "0" for f in form.numeric_fields} | {
        "s3.other_no_correction.natural": "2",
        "s3.other_other.natural": "3",
    }
    _, figures = single_other_row(section, cells)
    assert figures["s3.other_other.natural"] == "5"
    result = read_report(handmade(huaian, Layout(single_other_row=True), **cells))
    values = result.answers.values
    assert values["s3.other_other.natural"] == 5  # the whole group, as the samples keep it
    assert values["s3.other_no_correction.commercial"] == 0
    problem = next(p for p in result.problems if p.check == "group_as_one_row")
    assert problem.severity == "error"
    assert set(problem.fields) == {
        "s3.other_no_correction.natural",
        "s3.other_unpaid_fee.natural",
    }
    assert not set(problem.fields) & values.keys()
    assert "1.申请人无正当理由逾期不补正" in problem.message
    assert "2 个单元格未能读取" in problem.message


# --- a text that is not found is listed, never returned empty --------------------------------


def test_section_texts_in_a_table_of_two_columns_are_listed_not_empty(
    huaian: AnswersFile,
) -> None:
    document = Document(io.BytesIO(handmade(huaian)))
    headings = {s.heading for s in huaian.form.sections}
    for heading_text in ("一、总体情况", "五、存在的主要问题及改进情况"):
        paragraphs = document.paragraphs
        start = next(i for i, p in enumerate(paragraphs) if p.text == heading_text)
        texts = []
        for paragraph in paragraphs[start + 1 :]:
            if paragraph.text in headings:
                break
            texts.append(paragraph.text)
            paragraph._p.getparent().remove(paragraph._p)
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "内容"
        table.cell(0, 1).text = "\n".join(t for t in texts if t)
        paragraphs[start]._p.addnext(table._tbl)
    out = io.BytesIO()
    document.save(out)
    result = read_report(out.getvalue())
    for field_id in ("s1.text", "s5.text"):
        assert field_id not in result.answers.values
        problem = problem_for(result, field_id)
        assert problem.check == "unreadable_text"
        assert "标题下未找到文字" in problem.message
    assert squash(result.answers.values["s6.text"]) == squash(huaian.values["s6.text"])


# --- zeros written "—", "－", "/" or left blank -------------------------------------------


@pytest.mark.parametrize("mark", ["—", "－", "/", ""])
def test_zeros_written_as_marks_are_one_problem_and_read_as_0_when_accepted(
    tongjiang: AnswersFile, mark: str
) -> None:
    cells = {f: mark for f, v in tongjiang.values.items() if v == 0 and f.startswith("s3.")}
    data = handmade(tongjiang, **cells)
    result = read_report(data)
    (problem,) = result.problems
    assert problem.check == "probable_zero"
    assert set(problem.fields) == set(cells) == set(result.probable_zeros)
    assert not set(cells) & result.answers.values.keys()
    assert f"{len(cells)} 个单元格填写为" in problem.message and "可能为 0" in problem.message
    accepted = read_report(data, blank_as_zero=True)
    assert accepted.problems == []
    assert set(accepted.assumed_zero) == set(cells)
    assert_reads_back(accepted, tongjiang)
    assert f"{len(cells)} 个单元格已按确认读作 0" in accepted.summary()


def test_a_real_figure_is_never_read_as_a_probable_zero(huaian: AnswersFile) -> None:
    result = read_report(handmade(huaian, **{"s3.new.natural": "—", "s3.new.legal": "十二"}))
    assert result.probable_zeros == ("s3.new.natural",)
    accepted = result.with_zeros_accepted()
    assert accepted.answers.values["s3.new.natural"] == 0
    assert "s3.new.legal" not in accepted.answers.values
    assert [p.field_id for p in accepted.problems] == ["s3.new.legal"]


def test_report_read_blank_as_zero(tongjiang: AnswersFile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.docx"
    path.write_bytes(handmade(tongjiang, **{"s3.new.natural": "—", "s3.new.legal": "/"}))
    listed = runner.invoke(app, ["report", "read", str(path)])
    assert listed.exit_code == 1
    assert "2 个单元格填写为" in listed.stderr and "--blank-as-zero" in listed.stderr
    accepted = runner.invoke(app, ["report", "read", str(path), "--blank-as-zero"])
    assert accepted.exit_code == 0, accepted.output
    assert "# 以下 2 个单元格填写为“—”“/”或空白，已按确认读作 0：" in accepted.stdout
    assert "2 个单元格已按确认读作 0" in accepted.stderr


def test_check_blank_as_zero(tongjiang: AnswersFile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.docx"
    path.write_bytes(handmade(tongjiang, **{"s3.new.natural": "—", "s4.review.upheld": ""}))
    listed = runner.invoke(app, ["check", str(path), "--json"])
    assert listed.exit_code == 1
    assert "--blank-as-zero" in listed.stderr
    accepted = runner.invoke(app, ["check", str(path), "--json", "--blank-as-zero"])
    assert accepted.exit_code == 0, accepted.output
    assert '"ok": true' in accepted.stdout
