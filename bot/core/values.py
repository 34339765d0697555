"""Reading numbers the way people type them, and printing them the way reports show them.

Accepted: full-width digits and signs (NFKC), thousands separators (1,234 / 1，234),
a trailing unit (3件, 12.5万元), +3 / -2 where the cell is a 本年增/减, and amounts to the fen
in their unit (万元 to six places, as published: 5949.088667). Amounts are Decimals that keep
the places typed, and print as typed. Everything else is refused with a reason in Chinese that
the chat and the checks show as they are.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from bot.core.form import FieldDef, ValueType

Number = int | Decimal
Value = int | Decimal | str

# Upper bound for one cell: larger figures are typing slips (an extra digit, a pasted phone
# number), not real counts; the largest published counts are in the millions.
MAX_NUMBER = 999_999_999
MAX_TEXT_CHARS = 20_000

BLANK_MARKS = frozenset({"", "/", "-", "—", "－", "——", "无", "空"})

_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_UNITS = ("万元", "元", "件", "个", "项", "次")


class ValueProblem(ValueError):
    """A typed value that cannot be accepted; `str(exc)` is the reason in Chinese."""


def is_blank(raw: object) -> bool:
    """True for what published reports print instead of a number: nothing, "/", "—", "无"."""
    if raw is None:
        return True
    return isinstance(raw, str) and unicodedata.normalize("NFKC", raw).strip() in BLANK_MARKS


def parse_value(field: FieldDef, raw: object) -> Value:
    """The value of `field` from what a person typed (or a YAML file held)."""
    if field.type.kind == "text":
        return normalise_text(raw)
    return parse_number(field.type, raw)


def parse_number(value_type: ValueType, raw: object) -> Number:
    if isinstance(raw, bool):
        raise ValueProblem("应填写数字")
    if isinstance(raw, int):
        return _check_range(value_type, raw, str(raw))
    if isinstance(raw, float | Decimal):
        raw = format(raw, "f") if isinstance(raw, Decimal) else repr(raw)
    if not isinstance(raw, str):
        raise ValueProblem("应填写数字")
    typed = raw.strip()
    text = unicodedata.normalize("NFKC", typed).strip().replace("，", ",")
    if re.search(r"\d\s+\d", text):
        raise ValueProblem(f"“{_clip(typed)}”中间有空格，一格只填写一个数字")
    text = re.sub(r"\s+", "", text)
    if text in BLANK_MARKS:
        raise ValueProblem(f"不能为空或填“{typed}”，数量为零时请填写 0")
    for unit in _UNITS:
        if text.endswith(unit) and len(text) > len(unit):
            if unit.endswith("元") and value_type.kind != "amount":
                raise ValueProblem(f"“{typed}”是金额，本格填写的是数量，单位不是元")
            if value_type.unit and unit.endswith("元") and unit != value_type.unit:
                raise ValueProblem(f"本格单位为{value_type.unit}，请换算后只填写数字")
            text = text.removesuffix(unit)
            break
    sign = 1
    if text[:1] in "+-":
        if text[0] == "-" and value_type.kind != "signed":
            raise ValueProblem(f"“{typed}”是负数，本格不能为负数")
        if text[0] == "+" and value_type.kind != "signed":
            raise ValueProblem(f"“{typed}”带有正负号，本格只填写数字")
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if re.fullmatch(r"\d+(\.\d+)?[eE][+-]?\d+", text):
        raise ValueProblem(f"“{typed}”是科学计数法，请写出完整的数字")
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise ValueProblem(f"“{_clip(typed)}”不是数字，请只填写阿拉伯数字（如 0、12、1,024）")
    if "." in text:
        if value_type.kind != "amount":
            raise ValueProblem(f"“{typed}”不是整数，本格填写件数，应为整数")
        try:
            number: Number = Decimal(text) * sign
        except InvalidOperation as exc:  # pragma: no cover - guarded by the regex above
            raise ValueProblem(f"“{typed}”不是有效的金额") from exc
        places = -number.as_tuple().exponent  # type: ignore[operator]
        if places > value_type.decimals:
            raise ValueProblem(
                f"“{typed}”小数位过多：本格以{value_type.unit or '元'}为单位，"
                f"最多保留 {value_type.decimals} 位小数（精确到分）"
            )
    else:
        number = int(text) * sign
    return _check_range(value_type, number, typed)


def _check_range(value_type: ValueType, number: Number, typed: str) -> Number:
    if number < 0 and value_type.kind != "signed":
        raise ValueProblem(f"“{typed}”是负数，本格不能为负数")
    if abs(number) > MAX_NUMBER:
        raise ValueProblem(f"“{_clip(typed)}”数值过大（超过 {MAX_NUMBER:,}），请核实后重新填写")
    return number


def normalise_text(raw: object) -> str:
    """User text made safe for the Word file: no control characters, line breaks kept."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = str(raw)
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn")
    )
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if len(text) > MAX_TEXT_CHARS:
        raise ValueProblem(f"内容过长（{len(text)} 字），请控制在 {MAX_TEXT_CHARS} 字以内")
    return text


def format_value(value: Value | None, value_type: ValueType) -> str:
    """A value as printed in the report: 0 stays 0, 本年增/减 carries its sign."""
    if value is None:
        return ""
    if value_type.kind == "signed" and isinstance(value, int) and value > 0:
        return f"+{value}"
    if isinstance(value, Decimal):
        return format(value, "f")  # as typed: 5949.088600 keeps its places
    return str(value)


def _clip(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
