"""Before the first request: what every request uses is built, then kept out of the garbage
collector's full passes.

A full collection walks every object the collector tracks. Start-up leaves about 200,000
(modules, SQLAlchemy's mappings, the report forms, compiled templates), and walking them took
140 ms on the 2-core server: every request in flight waited that long, several times a
minute while members fill their reports (bench/web.py's p99 per saved cell). Frozen
(`gc.freeze`), they are skipped; a full pass walks only what requests left, a few ms.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from bot.core.form import available_kinds, load_form


def warm(app: FastAPI) -> None:
    """Load every report form and compile every page template now, then freeze the heap."""
    for kind in available_kinds():
        load_form(kind)
    environment = app.state.templates.env
    for name in environment.list_templates():
        environment.get_template(name)
    gc.collect()
    gc.freeze()
