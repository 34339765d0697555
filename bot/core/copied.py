"""Text copied between organisations: local scoring sheets deduct for a report whose
narrative repeats another unit's (与其他单位雷同). Sentences are compared exactly (spaces
ignored); a section is listed when the sentences it shares with the same section of another
unit's report make up much of it. Phrasing most reports share (the statistics-period
statement, the law's wording) is not counted."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from bot.core.form import ReportForm

MIN_SENTENCE = 15  # characters: shorter ones are set phrases
MIN_SHARED = 100  # characters shared before a pair is worth a look
MIN_SHARE = 0.3  # of the shorter section's sentences, by length
_SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CopiedSection:
    section: str  # heading
    first: str  # unit names
    second: str
    shared_chars: int
    share: float  # of the shorter section
    example: str  # the longest shared sentence


def sentences(text: str) -> set[str]:
    parts = (_SPACE.sub("", part) for part in _SENTENCE_END.split(text or ""))
    return {part for part in parts if len(part) >= MIN_SENTENCE}


def copied_sections(
    form: ReportForm, reports: Sequence[tuple[str, Mapping[str, object]]]
) -> list[CopiedSection]:
    """Pairs of units whose narrative sections share much text, most shared first."""
    found = []
    for section in form.sections:
        if not section.text_field:
            continue
        units = [
            (name, sentences(str(values.get(section.text_field) or ""))) for name, values in reports
        ]
        common = Counter(s for _, found_sentences in units for s in found_sentences)
        standard = {s for s, n in common.items() if n >= 3 and n * 2 >= len(units)}
        for (a, first), (b, second) in combinations(units, 2):
            shared = (first & second) - standard
            chars = sum(len(s) for s in shared)
            shorter = min(
                sum(len(s) for s in first - standard), sum(len(s) for s in second - standard)
            )
            if chars < MIN_SHARED or not shorter or chars / shorter < MIN_SHARE:
                continue
            found.append(
                CopiedSection(section.heading, a, b, chars, chars / shorter, max(shared, key=len))
            )
    return sorted(found, key=lambda c: (-c.shared_chars, c.section, c.first, c.second))
