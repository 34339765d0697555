"""Numbers are read the way people type them; everything else is refused with a reason."""

from decimal import Decimal

import pytest

from bot.core.form import ValueType, load_form
from bot.core.values import (
    MAX_TEXT_CHARS,
    ValueProblem,
    format_value,
    is_blank,
    normalise_text,
    parse_number,
)

COUNT = ValueType("count")
SIGNED = ValueType("signed")
# The form's own: 行政事业性收费 in 万元, to the fen (six places).
AMOUNT = load_form("gov-disclosure-2021").field("s2.fees.amount").type
YUAN = load_form("gov-disclosure-2019").field("s2.procurement.amount").type


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0", 0),
        ("12", 12),
        (" 7 ", 7),
        ("１２３", 123),
        ("1,234", 1234),
        ("1，234", 1234),
        ("12,345,678", 12345678),
        ("3件", 3),
        (5, 5),
        ("００", 0),
    ],
)
def test_counts_accept_what_people_type(typed: object, expected: int) -> None:
    assert parse_number(COUNT, typed) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("abc", "不是数字"),
        ("-2", "负数"),
        ("+2", "正负号"),
        ("2.5", "整数"),
        ("1e9", "科学计数法"),
        ("1000000000", "数值过大"),
        ("😀", "不是数字"),
        ("/", "数量为零时请填写 0"),
        ("", "不能为空"),
        ("12,34", "不是数字"),
        ("三", "不是数字"),
        (True, "应填写数字"),
        ("5万元", "单位"),
    ],
)
def test_counts_refuse_the_rest_with_a_reason(typed: object, reason: str) -> None:
    with pytest.raises(ValueProblem) as excinfo:
        parse_number(COUNT, typed)
    assert reason in str(excinfo.value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+3", 3),
        ("-2", -2),
        ("0", 0),
        ("＋２", 2),
        ("－1", -1),
        (4, 4),
    ],
)
def test_change_cells_take_a_sign(typed: object, expected: int) -> None:
    assert parse_number(SIGNED, typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12.5", Decimal("12.5")),
        ("0", 0),
        ("1,234.56", Decimal("1234.56")),
        (0.39, Decimal("0.39")),
        ("3万元", 3),
        # 平潭's published fees, to the fen.
        ("5949.088667", Decimal("5949.088667")),
        ("24252.311082万元", Decimal("24252.311082")),
        (4166.241619, Decimal("4166.241619")),
    ],
)
def test_amounts_take_decimals(typed: object, expected: object) -> None:
    assert parse_number(AMOUNT, typed) == expected


def test_amounts_keep_the_places_typed() -> None:
    value = parse_number(AMOUNT, "5949.088600")
    assert format_value(value, AMOUNT) == "5949.088600"


@pytest.mark.parametrize(
    ("value_type", "typed", "reason"),
    [
        (AMOUNT, "5949.0886671", "本格以万元为单位，最多保留 6 位小数"),
        (YUAN, "3940.125", "本格以元为单位，最多保留 2 位小数"),
    ],
)
def test_amounts_finer_than_the_fen_are_refused(
    value_type: ValueType, typed: str, reason: str
) -> None:
    with pytest.raises(ValueProblem, match=reason):
        parse_number(value_type, typed)


def test_amounts_refuse_a_unit_other_than_their_own() -> None:
    with pytest.raises(ValueProblem, match="万元"):
        parse_number(AMOUNT, "3940元")


@pytest.mark.parametrize("raw", [None, "", "/", "／", "—", " - ", "无"])
def test_what_reports_print_for_nothing_counts_as_blank(raw: object) -> None:
    assert is_blank(raw)


def test_zero_is_not_blank() -> None:
    assert not is_blank(0) and not is_blank("0")


def test_printing_keeps_zero_and_signs() -> None:
    assert format_value(0, COUNT) == "0"
    assert format_value(2, SIGNED) == "+2"
    assert format_value(-1, SIGNED) == "-1"
    assert format_value(0, SIGNED) == "0"
    assert format_value(Decimal("12.50"), AMOUNT) == "12.50"
    assert format_value(Decimal("100"), AMOUNT) == "100"
    assert format_value(None, COUNT) == ""


def test_text_loses_control_characters_but_keeps_lines() -> None:
    assert normalise_text("第一段\x0b\a\f\r\n第二段\x00 ") == "第一段\n第二段"


def test_text_keeps_markup_characters_literally() -> None:
    assert normalise_text("<b>&{{ x }}{% if %}") == "<b>&{{ x }}{% if %}"


def test_overlong_text_is_refused_with_its_length() -> None:
    with pytest.raises(ValueProblem, match=str(MAX_TEXT_CHARS + 1)):
        normalise_text("字" * (MAX_TEXT_CHARS + 1))


def test_digits_split_by_a_space_are_not_joined_into_one_number() -> None:
    with pytest.raises(ValueProblem, match="中间有空格"):
        parse_number(ValueType("count"), "1 2")


def test_decimal_objects_are_accepted_for_amounts() -> None:
    assert parse_number(AMOUNT, Decimal("96171.6")) == Decimal("96171.6")
