"""Recognising official labels as people actually typed them in Word.

Labels are compared after normalisation: full-width forms folded (NFKC), whitespace and
quotation marks dropped, item numbers written alike (1、 1. 1．), and typos and synonyms
seen in published reports (合计 for 总计) corrected. Long labels may then differ by a
character or two; short ones
(自然人, 总计, 其他) must match exactly, so that a figure is never put under the wrong label.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cached_property, lru_cache
from typing import Generic, TypeVar

T = TypeVar("T")

# Typos found in published reports, and the official wording.
TYPOS = {
    "只记": "只计",
}

_DROP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉:：;；。]")
_ITEM_NUMBER = re.compile(r"^(\d+)[、.,，]")
_HEADING_NUMBER = re.compile(r"^([一二三四五六七八九十]+)[、.,，]")
# 合计 printed for 总计, as a column ("合计") or a row ("（七）合计").
_TOTAL = re.compile(r"合计$")
_MIN_FUZZY_CHARS = 5
_GROUP_HEADING = re.compile(r"[(（][一二三四五六七八九十]+[)）][^()（）\d]{2,8}")
_FUZZY_RATIO = 0.8
_MARGIN = 0.05


# Labels are normalised where a matcher is built and every cell's text where it is matched,
# the same few hundred strings over and over while a report is read.
@lru_cache(maxsize=4096)
def normalise_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _DROP.sub("", text)
    text = _ITEM_NUMBER.sub(r"\1.", text)
    text = _HEADING_NUMBER.sub(r"\1、", text)
    for typo, official in TYPOS.items():
        text = text.replace(typo, official)
    return _TOTAL.sub("总计", text)


class LabelMatcher(Generic[T]):
    """Finds which of a set of official labels a typed label stands for."""

    def __init__(self, labels: Iterable[tuple[str, T]]) -> None:
        self._labels: dict[str, T] = {}
        self._cache: dict[str, T | None] = {}
        for label, value in labels:
            self._labels.setdefault(normalise_label(label), value)

    def __contains__(self, text: str) -> bool:
        return self.match(text) is not None

    def match(self, text: str) -> T | None:
        key = normalise_label(text)
        if key not in self._cache:
            self._cache[key] = self._match(key)
        return self._cache[key]

    def match_lines(self, text: str) -> T | None:
        """The label of the text, or else of its last line that is one: a cell holding a group
        and its first row ("（三）不予公开\n1.属于国家秘密") stands for the row. Where the
        line break is lost (a PDF wraps the cell anew), a label after a group heading
        "（三）……" counts too."""
        found = self.match(text)
        if found is None and "\n" in text:
            lines = reversed(text.split("\n"))
            found = next((f for f in map(self.match, lines) if f is not None), None)
        if found is None:
            key = normalise_label(text)
            if _GROUP_HEADING.match(key):
                found = next(
                    (
                        value
                        for label, value in self._labels.items()
                        if len(label) >= _MIN_FUZZY_CHARS
                        and key.endswith(label)
                        and _GROUP_HEADING.fullmatch(key[: -len(label)])
                    ),
                    None,
                )
        return found

    @cached_property
    def _long_labels(self) -> list[tuple[str, Counter[str]]]:
        """The labels that may be matched approximately, each with its characters counted."""
        return [(label, Counter(label)) for label in self._labels if len(label) >= _MIN_FUZZY_CHARS]

    def _match(self, key: str) -> T | None:
        if not key:
            return None
        if key in self._labels:
            return self._labels[key]
        if len(key) < _MIN_FUZZY_CHARS:
            return None
        # difflib's upper bounds (real_quick_ratio: the lengths; quick_ratio: the characters in
        # common, whatever their order) computed from the counts kept per label, so that only
        # the few labels that could fit are compared in full. Near misses are kept to tell
        # when two labels fit alike.
        floor = _FUZZY_RATIO - _MARGIN
        key_chars = Counter(key)
        scored = []
        for label, label_chars in self._long_labels:
            length = len(key) + len(label)
            if 2.0 * min(len(key), len(label)) / length < floor:
                continue
            common = sum(min(count, label_chars[char]) for char, count in key_chars.items())
            if 2.0 * common / length < floor:
                continue
            matcher = difflib.SequenceMatcher(None, key, label, autojunk=False)
            scored.append((matcher.ratio(), label))
        scored.sort(reverse=True)
        if not scored or scored[0][0] < _FUZZY_RATIO:
            return None
        if len(scored) > 1 and scored[1][0] > scored[0][0] - _MARGIN:
            return None  # two labels fit about equally well: do not pick one
        return self._labels[scored[0][1]]
