"""Table text pasted in one go, read the same way by the chat and by the web sheet."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.chat.paste import parse_block
from bot.chat.paste_reader import (
    PastedLine,
    fit_cells,
    fit_rows,
    fit_wide,
    read_lines,
    split_label,
    table_rows,
)
from bot.chat.table_paste import parse_table
from bot.core.form import load_form

FORM = load_form("gov-disclosure-2021")
S2, S3, S4 = FORM.section("s2"), FORM.section("s3"), FORM.section("s4")


def test_without_a_tab_cells_are_split_as_a_typed_row_and_lines_keep_their_numbers() -> None:
    assert read_lines("规章 1、0，3\r\n\r\n行政许可 ５") == [
        PastedLine(1, "规章 1、0，3", ("规章",), ("1", "0", "3")),
        PastedLine(3, "行政许可 ５", ("行政许可",), ("5",)),
    ]
    # A label is kept as pasted (a refused row is named by it); figures split after it.
    [line] = read_lines("合计、小计 1、2")
    assert (line.labels, line.figures) == (("合计、小计",), ("1", "2"))


def test_a_spreadsheet_copy_keeps_empty_cells_between_figures_not_after() -> None:
    [line] = read_lines("\t（三）不予公开\t1.属于国家秘密\t2\t\t1,234\t\t")
    assert line.labels == ("(三)不予公开", "1.属于国家秘密")  # full-width forms normalised
    assert line.label == "(三)不予公开1.属于国家秘密"
    assert line.figures == ("2", "", "1,234")


def test_figures_with_units_and_blank_marks_are_not_labels() -> None:
    assert split_label(["行政事业性收费", "12.5万元"]) == (["行政事业性收费"], ["12.5万元"])
    assert split_label(["无", "3件", "—"]) == ([], ["无", "3件", "—"])


def test_leading_empty_cells_are_merged_cells_beside_a_label_else_missing_figures() -> None:
    assert split_label(["", "规章", "", "1"]) == (["规章"], ["1"])
    assert split_label(["", "", "1", "2"]) == ([], ["", "", "1", "2"])


def test_a_header_line_has_no_figure() -> None:
    header, row = read_lines("\t\t自然人\t商业企业\n\t一、本年新收\t3\t0")
    assert not header.has_figure and header.figures == ()
    assert row.has_figure


def test_computed_cells_and_rows_may_be_left_out() -> None:
    rows = table_rows(FORM, S3)
    new = rows[0]
    assert fit_cells(FORM, new, 7) == list(new)
    assert fit_cells(FORM, new, 6) == [f for f in new if not f.endswith(".total")]
    assert fit_cells(FORM, new, 5) is None
    assert fit_rows(FORM, rows, 25) == list(range(25))
    assert fit_rows(FORM, rows, 24) == [i for i in range(25) if i != 23]  # （七）总计 is row 24
    assert fit_rows(FORM, rows, 2) is None
    four = table_rows(FORM, S4)
    assert (fit_wide(FORM, four, 15), fit_wide(FORM, four, 12), fit_wide(FORM, four, 14)) == (
        5,
        4,
        None,
    )


@pytest.mark.parametrize(
    ("section", "text", "expected"),
    [
        (
            S2,
            "规章 1 0 3\n行政规范性文件 2 1 10\n行政许可 5\n行政处罚 0\n行政强制 0\n"
            "行政事业性收费 12.5万元",
            {"s2.fees.amount": Decimal("12.5"), "s2.normative.repealed": 1},
        ),
        (
            S2,
            "规章\t1\t0\t5\n行政规范性文件\t2\t1\t9\n行政许可\t30\n行政处罚\t4\n行政强制\t0\n"
            "行政事业性收费\t1.5",
            {"s2.fees.amount": Decimal("1.5"), "s2.normative.in_force": 9},
        ),
        (
            S4,
            "1 0 0 0 1 0 1 0 0 1 0 0 0 0 0",
            {"s4.review.upheld": 1, "s4.suit_direct.upheld": 0},
        ),
    ],
    ids=["table two typed", "table two from a spreadsheet", "table four as printed"],
)
def test_the_chat_and_the_web_read_a_whole_table_alike(section, text, expected) -> None:
    chat = parse_table(FORM, section, text)
    web = parse_block(FORM, section, text)
    assert chat.refusals() == [] and web.problems == {}
    assert chat.values == web.values
    # Compared as printed: an amount keeps the places typed.
    assert {f: str(chat.values[f]) for f in expected} == {f: str(v) for f, v in expected.items()}


def test_a_blank_mark_where_a_figure_belongs_is_refused_not_taken_for_a_label() -> None:
    text = "一、本年新收政府信息公开申请数量\t无\t1\t0\t0\t0\t0"
    reason = "不能为空或填“无”，数量为零时请填写 0"
    assert parse_table(FORM, S3, text).refusals() == [
        f"第 1 行「一 本年新收政府信…」：自然人：{reason}"
    ]
    web = parse_block(FORM, S3, text)
    assert web.problems == {
        "s3.new.natural": f"表三「一、本年新收政府信息公开申请数量」行「自然人」列：{reason}"
    }
    assert web.values["s3.new.commercial"] == 1
