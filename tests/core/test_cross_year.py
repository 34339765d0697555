"""Checks across consecutive years: 2019→2020 (the 2019 format's 表二), 2020→2021 (a change of
format), 2023→2024; plausibility against last year; copied text; last year's report must be
last year's, of the same agency."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from bot.core.answers import AnswersFile
from bot.core.checks import check_answers
from bot.core.previous import previous_mismatch


def a_year_earlier(answers: AnswersFile, **values: object) -> AnswersFile:
    """The same agency's report of the year before (same format), with some values changed."""
    return AnswersFile(answers.kind, answers.agency, answers.year - 1, {**answers.values, **values})


def checks_of(answers: AnswersFile, previous: AnswersFile, check: str) -> list:
    return [f for f in check_answers(answers, previous) if f.check == check]


def test_2019_format_items_continue_from_last_years_count_and_change(
    tongjiang: AnswersFile,
) -> None:
    # 2020's 上一年项目数量 (0) = 2019's 上一年项目数量 (0) + 2019's 本年增/减 (0): consistent.
    consistent = a_year_earlier(tongjiang, **{"s2.licensing.change": 0, "s2.penalty.change": 0})
    consistent.values["s2.other_services.change"] = 0
    assert checks_of(tongjiang, consistent, "items_continuity") == []
    # 2019 added 2 licensing items, but 2020's 上一年项目数量 still says 0.
    grown = a_year_earlier(tongjiang, **{"s2.licensing.prev_items": 5, "s2.licensing.change": 2})
    findings = checks_of(tongjiang, grown, "items_continuity")
    licensing = [f for f in findings if f.fields == ("s2.licensing.prev_items",)]
    (finding,) = licensing
    assert finding.severity == "warning"
    assert "上一年项目数量 0" in finding.message
    assert "上年报告上一年项目数量 5 ＋ 上年报告本年增/减 +2 ＝ 7" in finding.message
    assert "相差 7" in finding.message


def tongjiang_2021(tongjiang: AnswersFile, huaian: AnswersFile, **values: object) -> AnswersFile:
    """同江's 2021 report in the 2021 format: 淮安's figures, with nothing carried in."""
    data = copy.deepcopy(huaian.values)
    for column in ("natural", "commercial", "research", "nonprofit", "legal", "other", "total"):
        data[f"s3.carried_in.{column}"] = 0
        data[f"s3.new.{column}"] = huaian.values[f"s3.new.{column}"] - huaian.values.get(
            f"s3.carried_in.{column}", 0
        )
    return AnswersFile(huaian.kind, tongjiang.agency, 2021, {**data, **values})


def test_the_2020_to_2021_change_of_format_keeps_the_cross_year_checks(
    tongjiang: AnswersFile, huaian: AnswersFile
) -> None:
    report = tongjiang_2021(tongjiang, huaian)
    findings = check_answers(report, tongjiang)
    # 上年结转 against the 2019 format's 结转下年度: both 0, no finding; fields the 2019
    # format lacks (现行有效件数 of 规章) are skipped, not errors.
    assert [f for f in findings if f.check in ("carry_over", "stock_continuity")] == []
    carried = tongjiang_2021(tongjiang, huaian, **{"s3.carried_in.natural": 3})
    (finding,) = [f for f in check_answers(carried, tongjiang) if f.check == "carry_over"]
    assert finding.fields == ("s3.carried_in.natural",)
    # 五 copied from the 2020 report, across the change of format.
    copied = tongjiang_2021(tongjiang, huaian, **{"s5.text": tongjiang.values["s5.text"]})
    (finding,) = [f for f in check_answers(copied, tongjiang) if f.check == "copied_from_last_year"]
    assert finding.fields == ("s5.text",) and "约占 100%" in finding.message


def test_a_figure_five_times_last_years_is_a_warning(huaian: AnswersFile) -> None:
    last = a_year_earlier(huaian, **{"s3.new.total": 500, "s2.penalty.decisions": 3985758})
    (finding,) = checks_of(huaian, last, "implausible_change")
    assert finding.severity == "warning" and finding.fields == ("s3.new.total",)
    assert "为 3119" in finding.message and "上年报告为 500" in finding.message
    assert "6.2 倍" in finding.message


def test_a_figure_below_a_fifth_of_last_years_and_fees_are_compared(huaian: AnswersFile) -> None:
    last = a_year_earlier(huaian, **{"s2.licensing.decisions": 5_000_000, "s2.fees.amount": 9.5})
    findings = checks_of(huaian, last, "implausible_change")
    assert [f.fields for f in findings] == [("s2.licensing.decisions",), ("s2.fees.amount",)]
    assert "不到上年的五分之一（9%）" in findings[0].message
    assert "96171.6 万元" in findings[1].message and "9.5 万元" in findings[1].message


def test_a_figure_dropped_to_zero_is_a_warning_once(
    huaian: AnswersFile, tongjiang: AnswersFile
) -> None:
    values = {**huaian.values, "s2.licensing.decisions": 0}
    report = AnswersFile(huaian.kind, huaian.agency, huaian.year, values)
    (finding,) = checks_of(report, a_year_earlier(huaian), "implausible_change")
    assert finding.fields == ("s2.licensing.decisions",)
    assert "为 0，上年报告为 447228" in finding.message and "（0%）" in finding.message
    # A whole 表三 at 0 is table_all_zero's, not one warning per figure.
    last = AnswersFile(tongjiang.kind, tongjiang.agency, 2019, {"s3.new.total": 12})
    assert [f.check for f in check_answers(tongjiang, last) if f.severity == "warning"] == [
        "table_all_zero"
    ]


def test_small_figures_and_a_year_within_five_times_raise_nothing(huaian: AnswersFile) -> None:
    last = a_year_earlier(huaian, **{"s3.new.total": 700, "s2.enforcement.decisions": 0})
    assert checks_of(huaian, last, "implausible_change") == []


def test_a_table_all_zero_after_a_year_with_applications(
    tongjiang: AnswersFile, huaian: AnswersFile
) -> None:
    last = AnswersFile(tongjiang.kind, tongjiang.agency, 2019, {"s3.new.total": 12})
    (finding,) = checks_of(tongjiang, last, "table_all_zero")
    assert "表三本年各项均为 0" in finding.message and "为 12" in finding.message
    quiet = AnswersFile(tongjiang.kind, tongjiang.agency, 2019, {"s3.new.total": 0})
    assert checks_of(tongjiang, quiet, "table_all_zero") == []


def test_other_processing_far_above_the_rest_is_a_warning(huaian: AnswersFile) -> None:
    values = dict(huaian.values)
    moved = values["s3.disclosed.natural"] - 10
    values["s3.disclosed.natural"] = 10
    values["s3.disclosed.total"] = values["s3.disclosed.total"] - moved
    values["s3.other_other.natural"] += moved
    values["s3.other_other.total"] += moved
    report = AnswersFile(huaian.kind, huaian.agency, huaian.year, values)
    (finding,) = [f for f in check_answers(report) if f.check == "other_processing_share"]
    assert "（六）其他处理」共 1465 件" in finding.message and "48%" in finding.message
    assert [f for f in check_answers(huaian) if f.check == "other_processing_share"] == []


@pytest.mark.parametrize(
    ("previous_year", "expected"),
    [
        (2024, "与本报告是同一年度（2024年）"),
        (2022, "早于上一年度（2023年）"),
        (2025, "晚于本报告年度（2024年）"),
    ],
)
def test_last_years_report_of_another_year_is_refused(previous_year: int, expected: str) -> None:
    mismatch = previous_mismatch(
        agency="某某局", year=2024, previous_agency="某某局", previous_year=previous_year
    )
    assert mismatch is not None and mismatch.kind == "year"
    assert expected in mismatch.message and "请使用2023年度的报告" in mismatch.message
    renamed = previous_mismatch(
        agency="某某局", year=2024, previous_agency="某某局", previous_year=2022, renamed=True
    )
    assert renamed is not None  # a rename does not make another year last year's


def test_another_agency_is_refused_unless_the_office_was_renamed() -> None:
    mismatch = previous_mismatch(
        agency="某某市数据局", year=2024, previous_agency="某某市大数据中心", previous_year=2023
    )
    assert mismatch is not None and mismatch.kind == "agency"
    assert "「某某市大数据中心」" in mismatch.message and "更名" in mismatch.message
    assert (
        previous_mismatch(
            agency="某某市数据局",
            year=2024,
            previous_agency="某某市大数据中心",
            previous_year=2023,
            renamed=True,
        )
        is None
    )
    assert (
        previous_mismatch(
            agency="某某市 数据局", year=2024, previous_agency="某某市数据局", previous_year=2023
        )
        is None
    )


def test_decimal_fees_of_last_year_compare_exactly(huaian: AnswersFile) -> None:
    last = a_year_earlier(huaian, **{"s2.fees.amount": Decimal("19234.32")})
    assert checks_of(huaian, last, "implausible_change") == []
