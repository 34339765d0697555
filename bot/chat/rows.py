"""A whole table row typed in one message: "3 0 1 0 0 0", or a single "0" for all zeros."""

from __future__ import annotations

import re
import unicodedata

from bot.core.form import FieldDef, Question, ReportForm
from bot.core.values import Value, ValueProblem, parse_value

# Numbers are separated by spaces or Chinese list punctuation; an ASCII comma separates too,
# unless it sits inside a thousands group such as 1,234.
_SEPARATORS = re.compile(r"[\s、，；;]+")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?\D*$")


class RowProblem(ValueError):
    """Why a typed row was refused; `str(exc)` is the reply in Chinese."""


def split_row(text: str) -> list[str]:
    tokens: list[str] = []
    normalised = unicodedata.normalize("NFKC", text).strip()
    for token in _SEPARATORS.split(normalised):
        if not token:
            continue
        if "," in token and not _GROUPED.match(token):
            tokens.extend(t for t in token.split(",") if t)
        else:
            tokens.append(token)
    return tokens


def _one_value(fields: list[FieldDef], token: str, names: str) -> str:
    """One figure for a row of several: which cells there are, and how to write it."""
    expected = f"本行需要填写 {len(fields)} 个数（依次为：{names}），用空格分隔"
    try:
        parse_value(fields[0], token)
    except ValueProblem as exc:
        return f"{exc}。{expected}，请重新输入整行。"
    zeros = " ".join([token, *["0"] * (len(fields) - 1)])
    return (
        f"只收到 1 个数“{token}”。{expected}；只填一个数仅限“0”，表示本行全部为 0。"
        f"如 {token} 件全部是{fields[0].column}，请填写“{zeros}”。"
    )


def _shown(tokens: list[str]) -> str:
    shown = " ".join(tokens)
    return shown if len(shown) <= 60 else shown[:60] + "…"


def parse_row(form: ReportForm, question: Question, text: str) -> dict[str, Value]:
    """The values of every cell of `question` from one message, or `RowProblem`."""
    fields = [form.field(f) for f in question.fields]
    names = "、".join(f.column or f.row or f.id for f in fields)
    tokens = split_row(text)
    if not tokens:
        raise RowProblem("未收到数字。请按顺序填写本行各项数字，用空格分隔。")
    if len(tokens) == 1 and len(fields) > 1 and tokens[0] == "0":
        tokens = ["0"] * len(fields)
    if len(tokens) == 1 and len(fields) > 1:
        raise RowProblem(_one_value(fields, tokens[0], names))
    if len(tokens) < len(fields):
        missing = "、".join(f"“{f.column or f.id}”" for f in fields[len(tokens) :])
        raise RowProblem(
            f"本行需要填写 {len(fields)} 个数（依次为：{names}），您填写了 {len(tokens)} 个数"
            f"（{_shown(tokens)}），缺少{missing}。请重新输入整行，没有的填 0。"
        )
    if len(tokens) != len(fields):
        shown = _shown(tokens)
        raise RowProblem(
            f"本行需要填写 {len(fields)} 个数（依次为：{names}），"
            f"您填写了 {len(tokens)} 个数：{shown}，多了 {len(tokens) - len(fields)} 个，"
            "请重新输入整行；全部为 0 可只填“0”。"
        )
    values: dict[str, Value] = {}
    problems = []
    for position, (field_def, token) in enumerate(zip(fields, tokens, strict=True), start=1):
        try:
            values[field_def.id] = parse_value(field_def, token)
        except ValueProblem as exc:
            where = f"第 {position} 个数（{field_def.column}）" if len(fields) > 1 else "所填数字"
            problems.append(f"{where}：{exc}")
    if problems:
        raise RowProblem("；\n".join(problems) + "。\n请重新输入整行。")
    return values
