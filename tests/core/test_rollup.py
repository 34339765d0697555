"""Rolling up reports: cell-by-cell sums, recomputed totals, checks, kinds that do not mix."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.checks import complete_values
from bot.core.form import load_form
from bot.core.reader import read_report
from bot.core.rollup import RollupError, Source, is_narrative, roll_up, sum_values, summary_text

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"


@pytest.fixture
def hongze() -> AnswersFile:
    return load_answers(SAMPLES / "hongze-qzf-2024.yaml")


def source(answers: AnswersFile, **extra) -> Source:
    return Source(answers.agency, answers.kind, parse_answers(answers).values, **extra)


def test_sums_equal_cell_by_cell_sums_of_the_completed_reports(huaian, hongze) -> None:
    form = huaian.form
    a = complete_values(form, parse_answers(huaian).values)
    b = complete_values(form, parse_answers(hongze).values)
    rollup = roll_up([source(huaian), source(hongze)], agency="淮安市汇总", year=2024)
    for field_id in form.numeric_fields:
        assert rollup.values[field_id] == a[field_id] + b[field_id], field_id
    assert rollup.values["s2.fees.amount"] == a["s2.fees.amount"] + b["s2.fees.amount"]
    assert isinstance(rollup.values["s2.fees.amount"], Decimal | int)
    assert not any(field_id in rollup.values for field_id in form.text_fields)
    assert rollup.sources == ("淮安市人民政府", "淮安市洪泽区人民政府")


def test_the_sums_pass_the_checks_and_only_narrative_is_left(huaian, hongze) -> None:
    rollup = roll_up([source(huaian), source(hongze)], agency="淮安市汇总", year=2024)
    assert rollup.findings == ()
    assert {f.check for f in rollup.todo} >= {"required_text"}
    assert all(is_narrative(rollup.form, f) for f in rollup.todo)
    text = summary_text(rollup)
    assert "汇总表格校验通过" in text
    assert "一、总体情况" in text and "五、存在的主要问题及改进情况" in text


def test_totals_are_recomputed_not_summed(huaian) -> None:
    form = huaian.form
    values = parse_answers(huaian).values
    wrong = dict(values, **{"s3.new.total": 1})  # a stored total that disagrees with its parts
    sums = sum_values(form, [wrong, values])
    assert (
        sums["s3.new.total"]
        == 2
        * complete_values(form, {k: v for k, v in values.items() if not form.field(k).derived})[
            "s3.new.total"
        ]
    )


def test_a_cell_missing_in_one_report_stays_blank_and_is_an_error(huaian, hongze) -> None:
    broken = parse_answers(hongze).values
    del broken["s3.new.natural"]
    rollup = roll_up(
        [source(huaian), Source(hongze.agency, hongze.kind, broken)], agency="汇总", year=2024
    )
    assert "s3.new.natural" not in rollup.values
    assert any(f.check == "no_blank_cells" for f in rollup.errors)


def test_carry_over_checked_against_the_sum_of_last_years_reports(huaian, hongze) -> None:
    form = huaian.form
    last = {"s3.carried_out.natural": 0}
    both = parse_answers(huaian).values, parse_answers(hongze).values
    carried = [v.get("s3.carried_in.natural") for v in both]
    previous = [dict(last, **{"s3.carried_out.natural": c}) for c in carried]
    sources = [
        Source("甲", form.kind, both[0], previous=previous[0], previous_kind=form.kind),
        Source("乙", form.kind, both[1], previous=previous[1], previous_kind=form.kind),
    ]
    assert roll_up(sources, agency="汇总", year=2024).previous_checked
    off_by_one = [dict(previous[0], **{"s3.carried_out.natural": carried[0] + 1}), previous[1]]
    sources = [
        Source("甲", form.kind, both[0], previous=off_by_one[0], previous_kind=form.kind),
        Source("乙", form.kind, both[1], previous=off_by_one[1], previous_kind=form.kind),
    ]
    rollup = roll_up(sources, agency="汇总", year=2024)
    assert any("上年报告" in f.message for f in rollup.findings)
    one_without = [sources[0], Source("乙", form.kind, both[1])]
    assert not roll_up(one_without, agency="汇总", year=2024).previous_checked


def test_different_kinds_cannot_be_summed(huaian, tongjiang) -> None:
    with pytest.raises(RollupError, match="只能汇总同一格式的报告") as caught:
        roll_up([source(huaian), source(tongjiang)], agency="汇总", year=2024)
    assert "国办公开办函〔2021〕30号格式：淮安市人民政府" in str(caught.value)
    assert "〔2019〕60号" in str(caught.value)


def test_target_report_of_another_kind_is_refused(huaian) -> None:
    with pytest.raises(RollupError, match="格式不同，不能汇总"):
        roll_up([source(huaian)], agency="汇总", year=2024, target_kind="gov-disclosure-2019")


def test_nothing_to_sum(huaian) -> None:
    with pytest.raises(RollupError, match="尚无2024年度已审核通过的报告"):
        roll_up([], agency="某县人民政府", year=2024)


def test_the_document_has_the_summed_tables_and_empty_narrative(huaian, hongze) -> None:
    rollup = roll_up(
        [source(huaian), source(hongze)], agency="淮安市汇总", year=2024, left_out=["某局"]
    )
    content = rollup.render()
    body = "".join(p.text for p in Document(BytesIO(content)).paragraphs).replace("\n", "")
    assert body.startswith("淮安市汇总2024年政府信息公开工作年度报告")
    assert "草稿" not in body
    read = read_report(content)  # the document read back: every summed cell, no narrative
    typed = parse_answers(read.answers).values
    numeric = {k: v for k, v in typed.items() if rollup.form.field(k).numeric}
    assert numeric == {k: v for k, v in rollup.values.items() if rollup.form.field(k).numeric}
    assert not any(typed.get(f) for f in rollup.form.text_fields)
    assert rollup.filename == "淮安市汇总2024年政府信息公开工作年度报告（汇总）.docx"
    assert "未计入汇总：某局" in summary_text(rollup)


def test_narrative_findings_are_told_apart() -> None:
    form = load_form("gov-disclosure-2021")
    rollup = roll_up([Source("甲", form.kind, {})], agency="汇总", year=2024)
    assert rollup.errors and all(not is_narrative(form, f) for f in rollup.errors)
    assert all(f.check == "no_blank_cells" for f in rollup.errors)
