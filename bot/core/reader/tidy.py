"""Layouts people give a report that say nothing about its content, undone before reading.

- Section headings and their text set in one-column tables (a box around each section):
  the cells become paragraphs, line by line.
- A run-in heading: "一、总体情况" in bold at the start of the paragraph holding its text.
- A signature block and date after section 六: not part of any section's text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.core.reader.labels import normalise_label
from bot.core.reader.layout import Block, Grid, Paragraph, distinct

_DATE = re.compile(
    r"[\d〇零一二三四五六七八九]{4}年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日"
)
_SENTENCE_MARKS = re.compile(r"[。，；,;：:]")
_MAX_SIGNATURE_LINES = 2
# An agency's name or "（盖章）"; a shorter line ("无") is text.
_MIN_SIGNATURE_CHARS = 4
_MAX_SIGNATURE_CHARS = 40


def tidy_blocks(blocks: Iterable[Block], headings: frozenset[str]) -> list[Block]:
    """The blocks with text tables unwrapped and run-in headings on a paragraph of their own;
    `headings` are the normalised section headings."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Grid) and all(len(distinct(row)) == 1 for row in block.rows):
            for cell in distinct([row[0] for row in block.rows]):
                out += [Paragraph(line) for line in cell.text.split("\n")]
        elif isinstance(block, Paragraph) and block.lead and _is_heading(block.lead, headings):
            rest = block.text.strip()[len(block.lead.strip()) :]
            out.append(Paragraph(block.lead))
            if rest.strip():
                out.append(Paragraph(rest.lstrip(" 　：:。.")))
        else:
            out.append(block)
    return out


def _is_heading(text: str, headings: frozenset[str]) -> bool:
    key = normalise_label(text)
    return any(key == h or key == h.split("、", 1)[-1] for h in headings)


def body_end(blocks: list[Block]) -> int:
    """Where the body ends: before a closing signature (up to two short lines, no sentence)
    and date, or at the end of the document."""
    index = len(blocks)
    while index > 0 and isinstance(blocks[index - 1], Paragraph) and not _text(blocks[index - 1]):
        index -= 1
    if not (index > 0 and _DATE.fullmatch(_text(blocks[index - 1]))):
        return len(blocks)
    index -= 1
    signed = 0
    while index > 0 and signed < _MAX_SIGNATURE_LINES:
        block = blocks[index - 1]
        if not isinstance(block, Paragraph):
            break
        text = _text(block)
        if text and (
            not _MIN_SIGNATURE_CHARS <= len(text) <= _MAX_SIGNATURE_CHARS
            or _SENTENCE_MARKS.search(text)
        ):
            break
        signed += bool(text)
        index -= 1
    return index


def _text(block: Block) -> str:
    if not isinstance(block, Paragraph):
        return "\0"  # a table is never part of a signature
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", block.text))
