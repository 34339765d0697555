"""The render context escaped once, for templates compiled without autoescape.

Jinja's autoescape wraps every printed expression in `markupsafe.escape`, which builds a new
`Markup` even for a value that is one already: about 600 calls per report, more time than
the rest of the render (docs/benchmarks.md, "Render"). `ReportRenderer` compiles its parts
without it and renders them from `escaped_context(context)` instead: every text a template
can print is escaped here, before the template sees it, so a member's text can reach the XML
only escaped. A whole mapping or list is checked in one pass and copied only when one of its
texts has something to escape; nearly all cells are plain figures.

What the template sees is therefore the text as it will be printed: the official templates
print values, loop over paragraphs and test for truth, all of which give the same XML either
way (tests/core/test_render_identity.py compares the bytes with the autoescaped render). A
filter that measured or changed a text (`length`, `replace`) would see it escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

# Exactly what markupsafe.escape replaces.
_SPECIAL = re.compile(r"[&<>\"']")
# Printed as str() prints them: digits, signs, points, True/False/None, nothing to escape.
_PLAIN = (bool, int, float, Decimal, type(None))


def escaped_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """`context` with every text escaped (Markup kept as it is), ready for a template
    compiled with autoescape off."""
    return {name: escaped(value) for name, value in context.items()}


def escaped(value: Any) -> Any:
    """`value` as autoescape would print it, through mappings and lists.

    Anything else is refused: a template could print an object's attributes unescaped, and a
    function it called would be given escaped texts."""
    if isinstance(value, str):
        if isinstance(value, Markup) or _SPECIAL.search(value) is None:
            return value
        return str(escape(value))
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Mapping):
        if _all_plain_texts(value.values()):
            return value
        return {key: escaped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        if _all_plain_texts(value):
            return value
        return [escaped(item) for item in value]
    if hasattr(value, "__html__"):
        return str(escape(value))  # its own markup, as autoescape prints it
    raise TypeError(f"cannot put a {type(value).__name__} into a report template safely")


def _all_plain_texts(items: Any) -> bool:
    """Every item a text (or Markup) and none with anything to escape, checked in one pass."""
    try:
        joined = "".join(items)
    except TypeError:  # not all texts: item by item
        return False
    return _SPECIAL.search(joined) is None
