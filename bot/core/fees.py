"""Whether a text states the 信息处理费 collected in the year: an amount, or that none was.

The fee statement check asks for it in 六; the draft of 六 offers a sentence only while it is
missing (the tables do not hold the fees, so a drafted sentence could only guess).
"""

from __future__ import annotations

import re

_FEE_AMOUNT = re.compile(r"\d[\d,，.]*\s*(万元|元)")
_FEE_NONE = re.compile(r"(未|没有|不|无)(收取|产生|收费)|收取[^。；]{0,12}(为零|0\s*元)|免收")


def states_fee(text: str) -> bool:
    return "信息处理费" in text and bool(_FEE_AMOUNT.search(text) or _FEE_NONE.search(text))
