"""Answer values between Python and JSON columns, exactly.

The answers core gives int (counts), Decimal (amounts) and str (narrative). JSON has no
Decimal and a float would lose digits, so an amount's Decimal is stored as its string and
turned back into the same Decimal on load; which fields are amounts comes from the form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.core.form import FieldDef
from bot.core.values import Value, ValueProblem, parse_value
from storage.errors import StorageError


def normalise(field: FieldDef, value: Any) -> Value:
    """A value as stored: parsed and range-checked by the answers core."""
    if isinstance(value, Decimal) and field.numeric:
        value = format(value, "f")
    try:
        return parse_value(field, value)
    except ValueProblem as exc:
        raise StorageError(f"{field.label}：{exc}") from exc


def to_json(value: Value) -> int | str:
    return format(value, "f") if isinstance(value, Decimal) else value


def from_json(field: FieldDef | None, stored: Any) -> Any:
    if field is not None and field.type.kind == "amount" and isinstance(stored, str):
        return Decimal(stored)
    return stored
