"""Numbers as reports write them: ASCII or full-width digits, 1,234, or Chinese numerals.

Python's `int()` already reads full-width digits; Chinese numerals (二百五十八, 一千零五,
两万三千, 二〇二四 as a year) are converted here. No well-kept PyPI package does only this.
"""

from __future__ import annotations

import re
from decimal import Decimal

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}

CHINESE_NUMERAL_CHARS = "".join([*_DIGITS, *_UNITS, *_BIG_UNITS])
# A figure as written in a sentence: digits (full-width too) with optional thousands
# separators and decimals, or a run of Chinese numerals.
NUMBER = (
    r"(?:[0-9０-９]{1,3}(?:[,，][0-9０-９]{3})+|[0-9０-９]+)(?:[.．][0-9０-９]+)?"
    rf"|[{CHINESE_NUMERAL_CHARS}]+"
)


def chinese_to_int(text: str) -> int:
    """二百五十八 → 258, 一千零五 → 1005, 十二 → 12, 两万三千 → 23000, 二〇二四 → 2024.

    Raises ValueError for anything that is not a well-formed Chinese numeral.
    """
    if not text or any(ch not in CHINESE_NUMERAL_CHARS for ch in text):
        raise ValueError(text)
    if len(text) == 4 and all(ch in _DIGITS for ch in text):  # a year: 二〇二四
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total = 0  # completed 万/亿 groups
    section = 0  # the group below the next 万/亿
    digit: int | None = None
    last_unit = 10**9
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0:
                raise ValueError(text)  # two digits in a row: 二三
            digit = _DIGITS[ch] or None
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit:
                raise ValueError(text)  # 百 after 十 within one group
            section += (digit if digit is not None else 1) * unit
            digit, last_unit = None, unit
        else:
            big = _BIG_UNITS[ch]
            section += digit or 0
            if section == 0:
                raise ValueError(text)
            total = (total + section) * big if big > 10_000 else total + section * big
            section, digit, last_unit = 0, None, 10**9
    return total + section + (digit or 0)


def parse_number(text: str) -> int | Decimal:
    """A figure matched by `NUMBER`: 1,234 / １２３ / 12.5 / 二百五十八."""
    text = text.strip()
    if text and text[0] in CHINESE_NUMERAL_CHARS:
        return chinese_to_int(text)
    plain = re.sub(r"[,，]", "", text).replace("．", ".")
    if "." in plain:
        return Decimal(plain)  # Decimal reads full-width digits too
    return int(plain)
