import pytest

from bot.chat.rows import RowProblem, parse_row, split_row
from bot.core.form import load_form

FORM = load_form("gov-disclosure-2021")
NEW = next(q for q in FORM.questions if q.id == "s3.new")
FEES = next(q for q in FORM.questions if q.id == "s2.fees")
COLUMNS = ["natural", "commercial", "research", "nonprofit", "legal", "other"]


def _row(*numbers: int) -> dict[str, int]:
    return {f"s3.new.{c}": n for c, n in zip(COLUMNS, numbers, strict=True)}


@pytest.mark.parametrize(
    "typed",
    [
        "3 0 1 0 0 0",
        "３ ０ １ ０ ０ ０",
        "3、0、1、0、0、0",
        "3,0,1,0,0,0",
        "  3  0 1 0 0 0\n",
        "3件 0 1 0 0 0",
    ],
)
def test_a_row_typed_the_way_people_type_it(typed: str) -> None:
    assert parse_row(FORM, NEW, typed) == _row(3, 0, 1, 0, 0, 0)


def test_single_zero_fills_the_whole_row() -> None:
    assert parse_row(FORM, NEW, "0") == _row(0, 0, 0, 0, 0, 0)


def test_thousands_separator_is_not_a_column_separator() -> None:
    assert split_row("1,234 0 0 0 0 0") == ["1,234", "0", "0", "0", "0", "0"]
    assert parse_row(FORM, NEW, "1,234 0 0 0 0 0")["s3.new.natural"] == 1234


@pytest.mark.parametrize("typed, count", [("3 0 1 0 0", 5), ("3 0 1 0 0 0 0 0", 8)])
def test_wrong_number_of_values_names_the_columns(typed: str, count: int) -> None:
    with pytest.raises(RowProblem) as caught:
        parse_row(FORM, NEW, typed)
    message = str(caught.value)
    assert "需要填写 6 个数" in message
    assert f"您填写了 {count} 个" in message
    assert "自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他" in message


@pytest.mark.parametrize(
    "typed, column, reason",
    [
        ("3 0 abc 0 0 0", "科研机构", "不是数字"),
        ("3 0 -1 0 0 0", "科研机构", "负数"),
        ("1e9 0 0 0 0 0", "自然人", "科学计数法"),
        ("3 0 0 0 0 1.5", "其他", "不是整数"),
        ("3 0 0 0 0 1234567890", "其他", "数值过大"),
        ("3 0 0 😀 0 0", "社会公益组织", "不是数字"),
    ],
)
def test_bad_cells_are_named_with_the_reason(typed: str, column: str, reason: str) -> None:
    with pytest.raises(RowProblem) as caught:
        parse_row(FORM, NEW, typed)
    assert column in str(caught.value)
    assert reason in str(caught.value)


def test_amount_cell_takes_decimals() -> None:
    assert str(parse_row(FORM, FEES, "12.5")["s2.fees.amount"]) == "12.5"


def test_empty_message_is_refused() -> None:
    with pytest.raises(RowProblem, match="未收到数字"):
        parse_row(FORM, NEW, "   ")


def test_a_short_row_names_the_cells_missing_in_quotes() -> None:
    # Quoted: the column 其他 must not read as "the others".
    with pytest.raises(RowProblem, match="您填写了 4 个数（3 0 1 0），缺少“法律服务机构”、“其他”"):
        parse_row(FORM, NEW, "3 0 1 0")
