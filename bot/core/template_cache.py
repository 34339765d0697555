"""The Word template's parts compiled once per template, kept on disk between processes.

Preparing a template (docxtpl's tag clean-up, then compiling each tagged part with Jinja)
costs about 60 ms, and importing docxtpl for the clean-up as much again: more than half of
what `nianbao render` cost as a whole process, every time. The compiled Python code of each
part is stored under the user's cache directory, keyed by the template's bytes and the
versions that shaped the code, so a changed template or library never reads a stale entry;
a cache that cannot be read or written is simply not used.

Each part is compiled for `ReportRenderer`'s way of rendering: without autoescape (the
context arrives escaped, bot/core/xml_context.py) and with every cell's `fit(v[field], width)`
tag made a lookup of run properties computed before rendering.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from types import CodeType

from bot.core.docx_zip import DocxPackage

_TAG = re.compile(r"\{[{%#]")
_PARAGRAPH_AFTER_NEWLINE = re.compile(r"\n<w:p([ >])")
# The run properties of a figure's cell as bot/core/template_builder.py writes them.
_FIT_TAG = re.compile(r"\{\{ fit\(v\['([^'\\{}]+)'\], (\d+(?:\.\d+)?)\) \}\}")
# What a rewritten fit tag prints from: the run properties computed before rendering.
FITTED = "fitted_run_properties"
BRACE_MARKERS = {"{_{": "{{", "}_}": "}}", "{_%": "{%", "%_}": "%}"}
# Bumped when what is stored changes shape.
_FORMAT = 2


@dataclass(frozen=True)
class CompiledPart:
    name: str
    code: CodeType  # Jinja's compiled template module, for Template.from_code
    # docxtpl's escaped-brace markers ({_{ for a literal {{) occur in the part.
    has_brace_markers: bool
    # Each `fit(v[field], width)` tag, now `FITTED[key]`: key -> (field id, width in pt).
    fitted_cells: dict[str, tuple[str, float]]


def compiled_parts(template_path: Path, package: DocxPackage) -> list[CompiledPart]:
    """Every XML part of the template that holds tags, compiled (from the cache if there)."""
    path = _cache_path(template_path)
    parts = _read(path)
    if parts is None:
        parts = _compile(template_path, package)
        _write(path, parts)
    return parts


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nianbao" / "templates"


def _cache_path(template_path: Path) -> Path:
    digest = hashlib.sha256(template_path.read_bytes())
    for part in (str(_FORMAT), sys.version, version("Jinja2"), version("docxtpl")):
        digest.update(b"\0" + part.encode())
    return cache_dir() / f"{digest.hexdigest()[:32]}.marshal"


def _compile(template_path: Path, package: DocxPackage) -> list[CompiledPart]:
    from docxtpl import DocxTemplate
    from jinja2 import Environment

    helper = DocxTemplate(template_path)
    # Without autoescape: the renderer escapes the context once instead (bot/core/xml_context.py).
    env = Environment(autoescape=False)
    parts = []
    for name in package.names:
        if not name.endswith(".xml"):
            continue
        xml = package.read(name).decode("utf-8")
        if not _TAG.search(xml):
            continue
        xml = helper.patch_xml(xml)
        # docxtpl compiles each paragraph on a line of its own (for its error messages) and
        # joins them after rendering; a newline already before a paragraph is dropped too.
        # Dropping it before compiling renders the same XML without a pass over it.
        xml = _PARAGRAPH_AFTER_NEWLINE.sub(r"<w:p\1", xml)
        markers = any(marker in xml for marker in BRACE_MARKERS)
        xml, fitted = _without_fit_calls(xml)
        parts.append(CompiledPart(name, env.compile(xml), markers, fitted))
    return parts


def _without_fit_calls(xml: str) -> tuple[str, dict[str, tuple[str, float]]]:
    """Every cell's `fit(v[field], width)` made a lookup in what the renderer computes before
    rendering: a Jinja call costs more than the fit itself, 200 times a report."""
    fitted: dict[str, tuple[str, float]] = {}

    def lookup(match: re.Match[str]) -> str:
        field_id, width = match[1], match[2]
        key = f"{field_id} {width}"
        fitted[key] = (field_id, float(width))
        return f"{{{{ {FITTED}['{key}'] }}}}"

    return _FIT_TAG.sub(lookup, xml), fitted


def _read(path: Path) -> list[CompiledPart] | None:
    try:
        stored = marshal.loads(path.read_bytes())
        return [CompiledPart(*entry) for entry in stored]
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _write(path: Path, parts: Iterable[CompiledPart]) -> None:
    data = marshal.dumps([(p.name, p.code, p.has_brace_markers, p.fitted_cells) for p in parts])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a process reading at the same time sees all or nothing.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
            temporary.write(data)
        os.replace(temporary.name, path)
    except OSError:
        pass
