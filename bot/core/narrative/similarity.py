"""How much of a text repeats another: the scoring sheets' 重复率.

The share of this year's characters that lie in a run of at least `RUN` characters found in
the other text, in any order (a paragraph moved is still copied). Whitespace and punctuation
do not count, and every digit counts as the same character, so changing 2023 to 2024 does not
make a copied sentence new.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

# Shorter runs are the common words of every report (政府信息公开, 依申请公开…).
RUN = 8
# Texts shorter than this (无。/ the one-sentence fee statement every office words alike) may
# repeat without blame.
MIN_CHARS = 100


@dataclass(frozen=True)
class PeerText:
    """Another organisation's narrative texts of the same year, by field id."""

    agency: str
    texts: Mapping[str, str]


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    kept = (ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")
    return re.sub(r"\d", "0", "".join(kept))


# A report's texts change far less often than its figures, and every saved figure runs the
# checks again: the same two texts are compared again and again.
@lru_cache(maxsize=256)
def repeated_share(text: str, other: str) -> float:
    """The share (0–1) of `text` that repeats `other`; 0 for a text too short to judge."""
    mine = normalise(text)
    if len(mine) < MIN_CHARS:
        return 0.0
    return covered_chars(mine, _runs(other)) / len(mine)


def covered_chars(mine: str, other_runs: frozenset[str]) -> int:
    """How many characters of `mine` (normalised) lie in a run of `other_runs`."""
    covered = covered_until = 0
    for start in [i for i in range(len(mine) - RUN + 1) if mine[i : i + RUN] in other_runs]:
        covered += start + RUN - max(start, covered_until)
        covered_until = start + RUN
    return covered


def runs(normal: str) -> frozenset[str]:
    """Every run of `RUN` characters of a normalised text."""
    return frozenset(normal[i : i + RUN] for i in range(len(normal) - RUN + 1))


@lru_cache(maxsize=2048)
def _runs(text: str) -> frozenset[str]:
    """The runs of a text (other offices' texts are compared often)."""
    return runs(normalise(text))
