"""Keeping a figure on one line in its table cell.

The official grids are narrow (table 三's applicant columns about 12 mm, table 四's about
10 mm) and a cell may hold any accepted value: counts up to 999,999,999, 万元 amounts with
six decimals. The template records each value cell's usable width; at render time a value
that would not fit in 五号 is set smaller, and below the smallest legible size narrowed
(character scale), so it never wraps. Widths are those of Times New Roman (Liberation Serif
has the same metrics), the font the figures are set in.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from markupsafe import Markup

TABLE_PT = 10.5  # 五号, the table text of the official templates
SMALLEST_PT = 7.5  # below this the figures of a printed table become hard to read
SMALLEST_SCALE = 50  # percent; narrower digits stop being legible
# Word and LibreOffice round and kern a little differently: keep a margin.
SAFETY = 0.93

# Advance widths in em of Times New Roman / Liberation Serif.
_WIDTHS = {".": 0.25, ",": 0.25, "+": 0.564, "-": 0.333, " ": 0.25, "/": 0.278, "%": 0.833}


def text_em(text: str) -> float:
    """The width of `text` in em: digits half an em, Chinese characters a full one."""
    width = 0.0
    for ch in text:
        if ch.isdigit() and ch.isascii():
            width += 0.5
        elif ch in _WIDTHS:
            width += _WIDTHS[ch]
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 1.0
        else:
            width += 0.6  # Latin letters: wider than the average, never too narrow
    return width


def fit(text: object, width_pt: float) -> tuple[float, int]:
    """The font size (pt) and character scale (percent) that keep `text` on one line."""
    em = text_em(str(text or ""))
    if em == 0:
        return TABLE_PT, 100
    usable = width_pt * SAFETY
    size = min(TABLE_PT, usable / em)
    if size >= SMALLEST_PT:
        # Half points are what Word stores (w:sz).
        return int(size * 2) / 2, 100
    scale = int(100 * usable / (em * SMALLEST_PT))
    return SMALLEST_PT, max(SMALLEST_SCALE, scale)


def fit_run_properties(text: object, width_pt: float) -> Markup:
    """The w:rPr children that set a cell's figure smaller or narrower, if it needs it."""
    return _run_properties(str(text or ""), width_pt)


# Called for every value cell of every render (about 200 a report), mostly with the same few
# short figures; keyed by the text as printed (Decimal 1.0 and 1.00 are equal, not alike).
@lru_cache(maxsize=4096)
def _run_properties(text: str, width_pt: float) -> Markup:
    size, scale = fit(text, width_pt)
    if size == TABLE_PT and scale == 100:
        return Markup("")
    half_points = int(size * 2)
    xml = f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
    if scale != 100:
        xml = f'<w:w w:val="{scale}"/>' + xml
    return Markup(xml)
