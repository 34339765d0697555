"""How a draft shows what is still missing or wrong: shaded cells, refused values in place.

A final report has no marks. A draft (rendered while checks still fail) shades every blank
figure cell in yellow and every cell named by an error in red, and prints a value the form
refused (e.g. "12件3") as it was typed, in its red cell, instead of dropping it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from bot.core.checks import Finding

BLANK_FILL = "FFF2CC"  # light yellow: not filled in yet
ERROR_FILL = "F4CCCC"  # light red: named by a failed check, or a refused value


def _shading(fill: str) -> Markup:
    return Markup(f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>')


def cell_shading(
    printed: Mapping[str, str],
    *,
    draft: bool,
    error_fields: Collection[str] = (),
) -> dict[str, Markup]:
    """The w:shd of every figure cell: none in a final report."""
    nothing = Markup("")
    if not draft:
        return dict.fromkeys(printed, nothing)
    shading = {}
    for field_id, text in printed.items():
        if field_id in error_fields:
            shading[field_id] = _shading(ERROR_FILL)
        elif not text:
            shading[field_id] = _shading(BLANK_FILL)
        else:
            shading[field_id] = nothing
    return shading


def with_refused(printed: Mapping[str, str], refused: Mapping[str, str]) -> dict[str, str]:
    """The printed cells with each refused value's text where the cell is otherwise blank."""
    cells = dict(printed)
    for field_id, text in refused.items():
        if field_id in cells and not cells[field_id]:
            cells[field_id] = text
    return cells


def draft_options(errors: Sequence[Finding]) -> dict[str, Any]:
    """render_report's draft arguments for a report with these errors (final if none)."""
    return {
        "draft": bool(errors),
        "draft_errors": len(errors),
        "error_fields": {field for finding in errors for field in finding.fields},
    }
