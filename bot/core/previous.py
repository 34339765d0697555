"""Whether a report may serve as last year's report of another: the year before, same agency.

The cross-year checks (上年结转, copied text, plausibility) mean nothing against the wrong
report, so another year is refused outright; another agency name is refused unless the
office confirms it was renamed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class PreviousMismatch:
    """Why a report cannot be last year's; `kind` "agency" can be overridden by a rename."""

    kind: Literal["year", "agency"]
    message: str


def previous_mismatch(
    *,
    agency: str,
    year: int,
    previous_agency: str,
    previous_year: int,
    renamed: bool = False,
) -> PreviousMismatch | None:
    """None when the report of `previous_agency` for `previous_year` is last year's report
    of `agency` reporting for `year`."""
    expected = year - 1
    if previous_year != expected:
        if previous_year == year:
            why = f"与本报告是同一年度（{year}年）"
        elif previous_year > year:
            why = f"晚于本报告年度（{year}年）"
        else:
            why = f"早于上一年度（{expected}年）"
        return PreviousMismatch(
            "year",
            f"所给的上年报告是{previous_year}年度报告，{why}，不能作为上年报告；"
            f"请使用{expected}年度的报告。",
        )
    if not renamed and _name(previous_agency) != _name(agency):
        return PreviousMismatch(
            "agency",
            f"所给的上年报告是「{previous_agency}」的报告，与本单位「{agency}」不是同一机关，"
            "不能作为上年报告。如本单位已更名、这是更名前的报告，请确认后再使用。",
        )
    return None


def _name(agency: str) -> str:
    """Agency names compared without spaces, punctuation or full-width forms."""
    text = unicodedata.normalize("NFKC", agency)
    return re.sub(r"[\s\W_]", "", text)
