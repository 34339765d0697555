"""`nianbao web` builds what every request uses before it listens, and keeps it out of the
garbage collector's full passes (bench/web.py: those passes set the p99 of a saved cell)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.config import get_settings
from bot.core.form import available_kinds, load_form
from bot.web.app import create_app
from bot.web.warm import warm


@pytest.fixture
def unfreeze_after() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_warm_compiles_every_page_and_freezes_the_start_up_heap(
    engine: Engine, unfreeze_after: None
) -> None:
    app = create_app(get_settings(), engine=engine)
    environment = app.state.templates.env
    warm(app)

    compiled = {template.name for template in environment.cache.values()}
    assert compiled == set(environment.list_templates())
    assert load_form.cache_info().currsize == len(available_kinds())
    # What start-up built is frozen; a full pass walks only what came after.
    frozen = gc.get_freeze_count()
    assert frozen > 10 * len(gc.get_objects())
