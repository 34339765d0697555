"""Figures in the narrative against the tables, on the real reports with planted sentences."""

from __future__ import annotations

import pytest

from bot.core.answers import AnswersFile, parse_answers
from bot.core.checks import complete_values
from bot.core.narrative.figures import stated_figures
from bot.core.narrative.numerals import chinese_to_int, parse_number
from tests.core.narrative_plants import (
    NOT_ABOUT_THE_TABLES,
    PLANTS,
    Plant,
    chinese,
    full_width,
    narrative_findings,
    planted,
    plants_for,
    samples,
    table_figure,
    wrong,
)

CASES = [(a, p) for a in samples() for p in plants_for(a)]
IDS = [f"{a.agency}-{p.topic}-{p.template[:12]}" for a, p in CASES]


def baseline(answers: AnswersFile) -> list:
    """What the real text already gets (洪泽区: its text says 17 applications, its table 95)."""
    values = complete_values(answers.form, parse_answers(answers).values)
    return narrative_findings(answers, values)


def test_the_real_narratives_get_no_alarm_except_the_one_real_mismatch() -> None:
    found = {a.agency: [f.message for f in baseline(a)] for a in samples()}
    assert found["淮安市人民政府"] == []
    # …not because nothing was read: its overview states 14 figures, all agreeing.
    huaian = next(a for a in samples() if a.agency == "淮安市人民政府")
    read = stated_figures(huaian.form, huaian.values["s1.text"], year=huaian.year)
    assert len(read) == 14 and {f.topic.id for f in read} >= {"new", "results", "suits.pending"}
    assert found["同江市工业信息化科技局"] == []
    (message,) = found["淮安市洪泽区人民政府"]
    assert "受理政府信息公开申请 17 件" in message and "为 95" in message


@pytest.mark.parametrize(("answers", "plant"), CASES, ids=IDS)
def test_a_correct_planted_figure_raises_no_alarm(answers: AnswersFile, plant: Plant) -> None:
    sentence = plant.template.format(n=table_figure(answers, plant))
    assert narrative_findings(answers, planted(answers, plant, sentence)) == baseline(answers)


@pytest.mark.parametrize(("answers", "plant"), CASES, ids=IDS)
def test_a_wrong_planted_figure_is_found_with_sentence_figure_and_cell(
    answers: AnswersFile, plant: Plant
) -> None:
    right = table_figure(answers, plant)
    sentence = plant.template.format(n=wrong(right))
    findings = narrative_findings(answers, planted(answers, plant, sentence))
    (finding,) = [f for f in findings if f not in baseline(answers)]
    assert finding.check == "narrative_figures" and finding.severity == "warning"
    assert finding.fields[0] == plant.section
    heading = answers.form.section(plant.section.split(".")[0]).heading
    assert f"「{heading}」" in finding.message
    assert sentence.rstrip("。").split("，")[0] in finding.message  # the sentence is quoted
    assert str(wrong(right)) in finding.message and f"为 {right}，" in finding.message
    for cell in finding.fields[1:]:
        assert cell in answers.form.fields


@pytest.mark.parametrize("answers", samples(), ids=lambda a: a.agency)
@pytest.mark.parametrize("write", [chinese, full_width], ids=["chinese", "full-width"])
def test_chinese_numerals_and_full_width_digits_are_read(answers: AnswersFile, write) -> None:
    plant = PLANTS[0]
    right = int(table_figure(answers, plant))
    good = planted(answers, plant, plant.template.format(n=write(right)))
    assert narrative_findings(answers, good) == baseline(answers)
    bad = planted(answers, plant, plant.template.format(n=write(right + 1)))
    assert len(narrative_findings(answers, bad)) == len(baseline(answers)) + 1


@pytest.mark.parametrize("sentence", NOT_ABOUT_THE_TABLES)
def test_percentages_dates_and_figures_about_something_else_are_left_alone(
    sentence: str,
) -> None:
    for answers in samples():
        plant = Plant("new", sentence)
        assert stated_figures(answers.form, sentence, year=answers.year) == []
        assert narrative_findings(answers, planted(answers, plant, sentence)) == baseline(answers)


def test_one_negation_states_zero_for_both_reviews_and_suits(huaian: AnswersFile) -> None:
    sentence = "本年度未发生政府信息公开行政复议、行政诉讼案件。"
    found = stated_figures(huaian.form, sentence, year=2024)
    assert [(f.topic.id, f.value) for f in found] == [("review", 0), ("suits", 0)]
    findings = narrative_findings(huaian, planted(huaian, Plant("review", ""), sentence))
    assert {f.fields[1] for f in findings} == {
        "s4.review.total",
        "s4.suit_direct.total",
    }
    assert all("未发生政府信息公开行政复议、行政诉讼" in f.message for f in findings)


def test_results_after_a_subject_belong_to_it(huaian: AnswersFile) -> None:
    text = huaian.values["s1.text"]
    found = {f.topic.id: f.value for f in stated_figures(huaian.form, text, year=2024)}
    assert found["review.upheld"] == 72 and found["suits.upheld"] == 25
    assert found["review.other"] == 178 and found["suits.other"] == 9


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("二百五十八", 258),
        ("一千零五", 1005),
        ("十二", 12),
        ("两万三千", 23000),
        ("三十万零五百", 300500),
        ("一亿二千万", 120_000_000),
        ("二〇二四", 2024),
    ],
)
def test_chinese_numerals(text: str, number: int) -> None:
    assert chinese_to_int(text) == number


@pytest.mark.parametrize("text", ["", "二三", "十百", "万", "abc"])
def test_malformed_chinese_numerals_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        chinese_to_int(text)


def test_written_figures() -> None:
    assert parse_number("3,119") == 3119
    assert parse_number("１２３") == 123
    assert str(parse_number("96171.6")) == "96171.6"


@pytest.mark.parametrize(
    "template",
    [
        "全年共办理政府信息公开申请{n}件（含上年结转申请）。",
        "共受理政府信息公开申请{n}件（其中上年结转申请若干件）。",
    ],
)
def test_applications_handled_may_count_last_years_in(huaian: AnswersFile, template: str) -> None:
    values = complete_values(huaian.form, parse_answers(huaian).values)
    handled = values["s3.new.total"] + values["s3.carried_in.total"]  # 3119 + 34
    plant = Plant("new", template)
    right = planted(huaian, plant, template.format(n=handled))
    assert narrative_findings(huaian, right) == []
    (finding,) = narrative_findings(huaian, planted(huaian, plant, template.format(n=3150)))
    assert "3150" in finding.message


def test_applications_finished_do_not_count_last_years_in(huaian: AnswersFile) -> None:
    sentence = "全年办结政府信息公开申请3153件。"  # 新收 + 上年结转, but 3050 were finished
    (finding,) = narrative_findings(huaian, planted(huaian, Plant("results", ""), sentence))
    assert "「（七）总计」行「总计」列为 3050" in finding.message


def test_carried_to_the_next_year_named_by_its_number(huaian: AnswersFile) -> None:
    plant = Plant("carried_out", "")
    right = planted(huaian, plant, "另有103件结转至2025年继续办理。")
    assert narrative_findings(huaian, right) == []
    (finding,) = narrative_findings(huaian, planted(huaian, plant, "结转至2025年度的申请104件。"))
    assert "「四、结转下年度继续办理」行「总计」列为 103" in finding.message
    # Carried from 2023 into the report year: 上年结转, not this year's 结转下年度.
    earlier = planted(huaian, plant, "上年度有35件申请结转至2024年办理。")
    assert narrative_findings(huaian, earlier) == []


def test_a_year_in_an_earlier_clause_dates_only_that_clause(huaian: AnswersFile) -> None:
    plant = Plant("disclosed", "")
    compared = "2024年，全市共受理政府信息公开申请3119件，较2023年增加200件，其中予以公开1300件。"
    (finding,) = narrative_findings(huaian, planted(huaian, plant, compared))
    assert "写明“予以公开1300件”" in finding.message and "为 1362" in finding.message
    for dated in (
        "2023年，本机关共收到政府信息公开申请80件，予以公开5件。",
        "2023年12月，本机关收到政府信息公开申请5件。",
        "2023年受理政府信息公开申请77件。",
    ):
        assert narrative_findings(huaian, planted(huaian, plant, dated)) == []
