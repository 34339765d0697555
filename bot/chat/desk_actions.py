"""The review desk's buttons and command arguments, as text.

Buttons carry actions beginning with "V" (the walkthrough uses none): a letter naming the
action, then the numbers it acts on (the report, and the version the member was shown),
separated by dots. Parsing checks the shape only; `ReviewDesk.press` checks every press
against the database and the member's scope as it is now.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Button actions: a letter after "V", then numbers separated by dots.
SUBMIT = "s"  # Vs<report>.<version>: confirm submission
KEEP = "n"  # Vn: not now
OPEN = "o"  # Vo<report>: show a submitted report for review
RECEIVED = "r"  # Vr<report>.<version>: review what the submission notice already delivered
APPROVE = "a"  # Va<report>.<version>
RETURN = "t"  # Vt<report>.<version>: ask for the return comment
CANCEL_RETURN = "q"  # Vq
LIST = "l"  # Vl: the reports awaiting review
PAGE = "p"  # Vp<year>.<page>: a page of the overview
_ARITY = {
    SUBMIT: 2,
    KEEP: 0,
    OPEN: 1,
    RECEIVED: 2,
    APPROVE: 2,
    RETURN: 2,
    CANCEL_RETURN: 0,
    LIST: 0,
    PAGE: 2,
}
_ACTION = re.compile(r"^V([a-z])(\d{1,12}(?:\.\d{1,12})*)?$")

# Callback data of the desk's buttons (`encode_button(report, question, action)`).
CALLBACK_PATTERN = r"^\d+:\d+:V[a-z]"


def action(code: str, *numbers: int) -> str:
    return "V" + code + ".".join(str(n) for n in numbers)


def parse_action(data: str) -> tuple[str, tuple[int, ...]] | None:
    """The desk's action in callback data ("report:question:V…"), or None if not one."""
    parts = data.split(":", 2)
    if len(parts) != 3:
        return None
    match = _ACTION.match(parts[2])
    if match is None:
        return None
    code, numbers = match.group(1), match.group(2)
    args = tuple(int(n) for n in numbers.split(".")) if numbers else ()
    if _ARITY.get(code) != len(args):
        return None
    return code, args


def parse_year_argument(args: Sequence[str]) -> int | None:
    """`/overview 2025`: the year given, None if none; ValueError if it is not a year."""
    if not args:
        return None
    text = args[0].strip().removesuffix("年度").removesuffix("年")
    if len(args) > 1 or not text.isdigit() or len(text) != 4:
        raise ValueError(args[0])
    return int(text)
