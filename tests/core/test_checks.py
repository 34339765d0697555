"""Every relation of the national format is checked, and every finding names its cells."""

import copy

import pytest

from bot.core.answers import AnswersFile, parse_answers
from bot.core.checks import check_answers, check_values, complete_values, has_errors


def test_published_samples_have_no_errors(sample: AnswersFile) -> None:
    findings = check_answers(sample)
    assert not has_errors(findings), [f.message for f in findings]


def cells(answers: AnswersFile, prefix: tuple[str, ...] = ("s3.", "s4.")) -> list[str]:
    return [f for f in answers.form.numeric_fields if f.startswith(prefix)]


def test_a_one_cell_change_of_any_table_cell_fires_every_relation_it_takes_part_in(
    sample: AnswersFile,
) -> None:
    form = sample.form
    values = parse_answers(sample).values
    for field_id in cells(sample):
        changed = dict(values)
        changed[field_id] = values[field_id] + 1
        findings = [f for f in check_values(form, changed) if f.severity == "error"]
        expected = {
            (r.check, r.current_fields)
            for r in form.relations
            if field_id in r.current_fields and not r.needs_previous
        }
        assert expected, field_id
        fired = {(f.check, f.fields) for f in findings}
        assert expected <= fired, field_id
        field = form.field(field_id)
        for finding in findings:
            assert field_id in finding.fields
            assert field.row in finding.message and field.column in finding.message, finding.message
            assert "相差 1" in finding.message


def test_a_relation_message_states_both_sides_and_the_rule(huaian: AnswersFile) -> None:
    values = parse_answers(huaian).values
    values["s3.carried_out.natural"] = values["s3.carried_out.natural"] + 5
    (finding,) = check_values(huaian.form, values, checks={"balance"})
    assert finding.message == (
        "表三「自然人」列：一、本年新收政府信息公开申请数量 3001 ＋ 二、上年结转政府信息公开申请数量 34"
        " ＝ 3035；（七）总计 2932 ＋ 四、结转下年度继续办理 108 ＝ 3040；两者相差 5。"
        "第一项加第二项之和，应等于第三项加第四项之和。"
    )
    assert finding.fields == (
        "s3.new.natural",
        "s3.carried_in.natural",
        "s3.results_total.natural",
        "s3.carried_out.natural",
    )


def test_totals_left_out_are_computed(sample: AnswersFile) -> None:
    form = sample.form
    values = parse_answers(sample).values
    parts = {k: v for k, v in values.items() if not form.field(k).derived}
    assert complete_values(form, parts) == values
    assert not has_errors(check_values(form, parts))


def test_blank_and_slash_cells_are_errors_naming_the_cells(tongjiang: AnswersFile) -> None:
    answers = copy.deepcopy(tongjiang)
    answers.values["s3.new.research"] = "/"
    answers.values["s3.new.legal"] = None
    answers.values["s4.review.pending"] = ""
    blanks = [f for f in check_answers(answers) if f.check == "no_blank_cells"]
    assert [f.fields for f in blanks] == [
        ("s3.new.research", "s3.new.legal"),
        ("s4.review.pending",),
    ]
    assert "「科研机构」、「法律服务机构」" in blanks[0].message
    assert "应填写 0" in blanks[0].message
    assert all(f.severity == "error" for f in blanks)


def test_unreadable_cells_and_unknown_fields_are_errors(tongjiang: AnswersFile) -> None:
    answers = copy.deepcopy(tongjiang)
    answers.values["s3.new.natural"] = "三件"
    answers.values["s2.rules.issued"] = 1
    findings = check_answers(answers)
    by_check = {f.check: f for f in findings}
    assert (
        "表三「一、本年新收政府信息公开申请数量」行「自然人」列"
        in by_check["invalid_value"].message
    )
    assert by_check["unknown_field"].fields == ("s2.rules.issued",)
    assert has_errors(findings)


def test_a_cell_refused_for_its_value_is_not_also_called_blank(huaian: AnswersFile) -> None:
    answers = copy.deepcopy(huaian)
    answers.values["s2.fees.amount"] = "5949.0886671"  # finer than the fen
    answers.values["s3.new.natural"] = "三件"
    answers.values["s3.new.legal"] = "/"  # really blank
    answers.values["s1.text"] = "字" * 20_001  # too long, but not missing
    findings = check_answers(answers)
    for field_id in ("s2.fees.amount", "s3.new.natural", "s1.text"):
        assert [f.check for f in findings if field_id in f.fields] == ["invalid_value"]
    blank = [f for f in findings if f.check == "no_blank_cells"]
    assert [f.fields for f in blank] == [("s3.new.legal",)]
    fee = next(f for f in findings if "s2.fees.amount" in f.fields)
    assert "“5949.0886671”小数位过多：本格以万元为单位，最多保留 6 位小数" in fee.message


def test_carry_over_compares_with_last_years_report(huaian: AnswersFile) -> None:
    last_year = copy.deepcopy(huaian)
    last_year.year = 2023
    last_year.values["s3.carried_out.natural"] = 30
    last_year.values["s3.carried_out.total"] = 99
    findings = [f for f in check_answers(huaian, last_year) if f.check == "carry_over"]
    assert [f.fields for f in findings] == [("s3.carried_in.natural",), ("s3.carried_in.total",)]
    assert all(f.severity == "warning" for f in findings)
    assert "上年报告四、结转下年度继续办理 30" in findings[0].message


def test_stock_continuity_uses_last_years_stock(huaian: AnswersFile) -> None:
    last_year = copy.deepcopy(huaian)
    last_year.values["s2.rules.in_force"] = 10
    last_year.values["s2.normative.in_force"] = 84
    findings = [f for f in check_answers(huaian, last_year) if f.check == "stock_continuity"]
    assert findings == []
    last_year.values["s2.rules.in_force"] = 9
    (finding,) = [f for f in check_answers(huaian, last_year) if f.check == "stock_continuity"]
    assert finding.severity == "warning"
    assert "上年报告现行有效件数 9 ＋ 本年制发件数 1 － 本年废止件数 0 ＝ 10" in finding.message


def test_last_year_in_the_older_format_still_checks_the_carry_over(
    huaian: AnswersFile, tongjiang: AnswersFile
) -> None:
    findings = check_answers(huaian, tongjiang)
    checks = {f.check for f in findings}
    assert "carry_over" in checks
    assert "stock_continuity" not in checks


def test_without_last_year_no_cross_year_check_runs(huaian: AnswersFile) -> None:
    checks = {f.check for f in check_answers(huaian)}
    assert not checks & {"carry_over", "stock_continuity"}


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        ("本年度未收取信息处理费。", False),
        ("全年收取政府信息公开信息处理费 3940 元。", False),
        ("本机关没有收取信息处理费", False),
        ("无。", True),
        ("本年度无其他需要报告的事项。", True),
    ],
)
def test_fee_statement(huaian: AnswersFile, text: str, warned: bool) -> None:
    values = parse_answers(huaian).values | {"s6.text": text}
    assert bool(check_values(huaian.form, values, checks={"fee_statement"})) == warned


def test_overview_length_counts_characters_without_whitespace(huaian: AnswersFile) -> None:
    values = parse_answers(huaian).values | {"s1.text": "字" * 1000 + " \n" * 50}
    assert check_values(huaian.form, values, checks={"overview_length"}) == []
    values["s1.text"] += "多"
    (finding,) = check_values(huaian.form, values, checks={"overview_length"})
    assert "1001 字" in finding.message


@pytest.mark.parametrize("text", ["无", "无。", " 暂无 "])
def test_problems_cannot_be_just_none(tongjiang: AnswersFile, text: str) -> None:
    values = parse_answers(tongjiang).values | {"s5.text": text}
    (finding,) = check_values(tongjiang.form, values, checks={"problems_specific"})
    assert finding.severity == "warning"


def test_problems_copied_from_last_year_are_flagged(huaian: AnswersFile) -> None:
    values = parse_answers(huaian).values
    findings = check_values(huaian.form, values, previous=values, checks={"copied_from_last_year"})
    assert [f.fields for f in findings] == [("s1.text",), ("s5.text",)]  # s6: one sentence
    assert "「五、存在的主要问题及改进情况」与上年报告相同的文字约占 100%" in findings[1].message


def test_empty_required_sections_are_errors(tongjiang: AnswersFile) -> None:
    values = parse_answers(tongjiang).values | {"s1.text": "", "s6.text": "  "}
    findings = check_values(tongjiang.form, values, checks={"required_text"})
    assert [f.fields for f in findings] == [("s1.text",), ("s6.text",)]
    assert all(f.severity == "error" for f in findings)


def test_overview_figures_that_contradict_the_tables_are_flagged(huaian: AnswersFile) -> None:
    values = parse_answers(huaian).values
    assert check_values(huaian.form, values, checks={"narrative_figures"}) == []
    values["s1.text"] = values["s1.text"].replace(
        "受理政府信息公开申请 3119 件", "受理政府信息公开申请 3120 件"
    )
    (finding,) = check_values(huaian.form, values, checks={"narrative_figures"})
    assert finding.fields == ("s1.text", "s3.new.total")
    assert "3119" in finding.message and "相差 1" in finding.message
