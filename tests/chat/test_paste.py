"""Blocks copied from Excel or WPS laid onto the official tables."""

from __future__ import annotations

import pytest

from bot.chat.paste import PasteProblem, parse_block

APPLICANTS = ("natural", "commercial", "research", "nonprofit", "legal", "other")


def test_whole_table_three_with_labels_totals_and_the_total_row(form_2021) -> None:
    section = form_2021.section("s3")
    lines = []
    for index, row in enumerate(section.rows):
        labels = [row.within or "", row.group or "", row.label]
        lines.append("\t".join(labels + [str(index)] * 6 + [str(index * 6)]))
    result = parse_block(form_2021, section, "\r\n".join(lines) + "\r\n")
    assert result.problems == {}
    assert len(result.values) == 24 * 6
    assert result.values["s3.carried_out.other"] == len(section.rows) - 1
    assert result.totals["s3.new.total"] == 0 and "s3.results_total.natural" in result.totals


def test_bad_cells_are_named_with_the_chats_reasons(form_2021) -> None:
    result = parse_block(form_2021, form_2021.section("s3"), "1\t二\t0\t0\t0\t1,5")
    assert result.values == {
        "s3.new.natural": 1,
        "s3.new.research": 0,
        "s3.new.nonprofit": 0,
        "s3.new.legal": 0,
    }
    assert result.problems["s3.new.commercial"] == (
        "表三「一、本年新收政府信息公开申请数量」行「商业企业」列：“二”不是数字，请只填写阿拉伯数字（如 0、12、1,024）"
    )
    assert result.typed["s3.new.other"] == "1,5"


def test_a_row_from_a_chosen_row_and_a_block_from_a_cell(form_2021) -> None:
    section = form_2021.section("s3")
    row = parse_block(form_2021, section, "3 0 1 0 0 0", start_row=2)
    assert row.values == {
        f"s3.disclosed.{c}": v for c, v in zip(APPLICANTS, (3, 0, 1, 0, 0, 0), strict=True)
    }
    block = parse_block(form_2021, section, "7\t8\n9\t10", start_row=1, start_column=4)
    assert block.values == {
        "s3.carried_in.legal": 7,
        "s3.carried_in.other": 8,
        "s3.disclosed.legal": 9,
        "s3.disclosed.other": 10,
    }


def test_table_four_in_its_official_single_line_gives_its_totals(form_2021) -> None:
    four = parse_block(form_2021, form_2021.section("s4"), "\t".join(str(n) for n in range(15)))
    assert four.values["s4.suit_after_review.pending"] == 13
    assert four.totals["s4.review.total"] == 4


def test_a_block_that_does_not_fit_is_refused_whole(form_2021) -> None:
    section = form_2021.section("s3")
    with pytest.raises(PasteProblem, match="粘贴了 30 行，表三共 25 行（其中需填写 24 行）"):
        parse_block(form_2021, section, "\n".join(["1\t1\t1\t1\t1\t1"] * 30))
    with pytest.raises(PasteProblem, match="「一、本年新收政府信息公开申请数量」行共 7 格"):
        parse_block(form_2021, section, "1\t2\t3\t4\t5\t6\t7\t8")
    with pytest.raises(PasteProblem, match="未收到数字"):
        parse_block(form_2021, section, "\n\n")
