"""A table pasted in one message: rows found by label or order, each checked on its own."""

from __future__ import annotations

import pytest

from bot.chat.table_paste import looks_like_table, parse_table
from bot.core.form import load_form

FORM = load_form("gov-disclosure-2021")
S3, S4 = FORM.section("s3"), FORM.section("s4")


def zero_rows(*, labels: bool, totals: bool = True) -> list[str]:
    lines = []
    for row in S3.rows:
        cells = ["0"] * (7 if totals else 6)
        if not totals and row.id == "results_total":
            continue
        lines.append("\t".join(([row.group or "", row.label] if labels else []) + cells))
    return lines


def test_a_paste_is_told_from_a_typed_row() -> None:
    assert looks_like_table("3 0 1 0 0 0\n0")
    assert looks_like_table("一、本年新收\t3\t0\t1\t0\t0\t0")
    assert looks_like_table("规章 1 0 3")  # one row with its label
    assert not looks_like_table("3 0 1 0 0 0")
    assert not looks_like_table("3 0 x 0 0 0")


def test_labelled_rows_with_merged_group_cells_and_a_header_line() -> None:
    lines = zero_rows(labels=True)
    lines[0] = "\t一、本年新收政府信息公开申请数量\t3\t0\t1\t0\t0\t0\t4"
    header = "\t\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计"
    paste = parse_table(FORM, S3, "\n".join([header, *lines]))
    assert paste.skipped == (1,)
    assert paste.refusals() == []
    assert len(paste.accepted) == 24  # （七）总计 is checked, never stored
    assert paste.values["s3.new.research"] == 1
    assert "s3.new.total" not in paste.values


@pytest.mark.parametrize(
    "label",
    [
        "（三）不予公开：1.属于国家秘密",
        "1.属于国家秘密",
        "三（三）1",
        "属于国家秘密",
        "(三)不予公开 1.属于国家秘密",
    ],
)
def test_a_row_is_found_by_any_of_its_names(label: str) -> None:
    paste = parse_table(FORM, S3, f"{label}\t2\t0\t0\t0\t0\t0")
    assert paste.values == {
        f"s3.withheld_secret.{c}": 0
        for c in ("commercial", "research", "nonprofit", "legal", "other")
    } | {"s3.withheld_secret.natural": 2}


def test_rows_that_look_alike_are_kept_apart() -> None:
    text = (
        "1.申请人无正当理由逾期不补正\t1\t0\t0\t0\t0\t0\n2.申请人逾期未按收费通知\t2\t0\t0\t0\t0\t0"
    )
    paste = parse_table(FORM, S3, text)
    assert paste.values["s3.other_no_correction.natural"] == 1
    assert paste.values["s3.other_unpaid_fee.natural"] == 2


def test_a_wrong_row_is_refused_by_line_and_label_and_the_others_kept() -> None:
    lines = zero_rows(labels=True)
    lines[4] = lines[4].replace("\t0\t0\t0\t0", "\t0\tx\t0\t0", 1)
    lines[6] = "\t".join(lines[6].split("\t")[:-2])  # two cells short
    paste = parse_table(FORM, S3, "\n".join(lines))
    assert paste.refusals() == [
        "第 5 行「三（三）1 属于国家秘密」：商业企业：“x”不是数字，请只填写阿拉伯数字（如 0、12、1,024）",
        "第 7 行「三（三）3 危及“三安全一…」：有 5 个数，本行应为 6 个数（或连同合计 7 个数）",
    ]
    assert len(paste.accepted) == 22


def test_a_total_that_does_not_add_up_refuses_its_row() -> None:
    paste = parse_table(FORM, S3, "一、本年新收政府信息公开申请数量\t3\t0\t1\t0\t0\t0\t5")
    assert paste.values == {}
    assert paste.refusals() == ["第 1 行「一 本年新收政府信…」：“总计”填 5，与各格之和 4 不符"]


def test_the_computed_results_row_is_checked_against_the_rows_above() -> None:
    lines = zero_rows(labels=True)
    lines[2] = "\t（一）予以公开\t1\t0\t0\t0\t0\t0\t1"  # 予以公开 1, but （七）总计 says 0
    paste = parse_table(FORM, S3, "\n".join(lines))
    [refusal] = paste.refusals()
    assert refusal.startswith(
        "第 24 行「三（七） 总计」：与各项之和不符：“自然人”填 0、各项之和为 1"
    )


def test_rows_without_labels_go_in_order_when_their_count_fits() -> None:
    asked = parse_table(FORM, S3, "\n".join(zero_rows(labels=False, totals=False)))
    assert len(asked.accepted) == 24
    every = parse_table(
        FORM, S3, "\n".join(" ".join(line.split("\t")) for line in zero_rows(labels=False))
    )
    assert len(every.accepted) == 24
    short = parse_table(FORM, S3, "1 0 0 0 0 0\n0 0 0 0 0 0")
    assert short.values == {} and "有 2 行数字、没有行名" in (short.problem or "")
    assert "24 行（不含合计行）或 25 行（含合计行）" in (short.problem or "")


def test_a_label_that_is_no_row_is_named() -> None:
    paste = parse_table(FORM, S3, "合计\t1\t0\t0\t0\t0\t0\n一、本年新收政府信息公开申请数量\t0")
    assert paste.refusals() == ["第 1 行「合计」：“合计”不是表三的行名"]
    assert len(paste.accepted) == 1


def test_a_row_pasted_twice_counts_once() -> None:
    paste = parse_table(
        FORM, S3, "1.属于国家秘密\t1\t0\t0\t0\t0\t0\n1.属于国家秘密\t2\t0\t0\t0\t0\t0"
    )
    assert paste.values["s3.withheld_secret.natural"] == 1
    assert paste.refusals() == ["第 2 行「三（三）1 属于国家秘密」：与第 1 行重复，未采用"]


def test_table_four_as_printed_in_one_line_with_a_wrong_total() -> None:
    wrong = parse_table(FORM, S4, "1 0 0 0 2 0 1 0 0 1 0 0 0 0 0")
    assert wrong.refusals() == ["第 1 行「行政复议」：“总计”填 2，与各格之和 1 不符"]


def test_nothing_to_read() -> None:
    paste = parse_table(FORM, S3, "自然人\t商业企业\n\t")
    assert paste.values == {} and "未找到数字" in (paste.problem or "")
