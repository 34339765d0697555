"""Fixtures: a fake Telegram server per test and real PTB Applications polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from telegram.ext import Application, ApplicationBuilder, BaseHandler

from tests.fake_telegram import FakeTelegram

StartApp = Callable[..., Awaitable[Application]]


def build_app(tg: FakeTelegram, token: str | None = None) -> Application:
    return (
        ApplicationBuilder()
        .token(token or tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )


@pytest.fixture
def app_builder(tg: FakeTelegram) -> Callable[..., Application]:
    """``app_builder(token=None)``: an uninitialised PTB Application pointed at the fake."""
    return lambda token=None: build_app(tg, token)


@pytest.fixture
async def start_app(tg: FakeTelegram) -> AsyncIterator[StartApp]:
    """``await start_app(handler, ...)``: a real PTB Application long-polling the fake.

    Exceptions raised in handlers are collected in ``app.bot_data["errors"]``.
    """
    apps: list[Application] = []

    async def start(*handlers: BaseHandler, polling: bool = True) -> Application:
        app = build_app(tg)
        errors: list[BaseException] = []
        app.bot_data["errors"] = errors

        async def on_error(update: object, context: Any) -> None:
            errors.append(context.error)

        app.add_error_handler(on_error)
        for handler in handlers:
            app.add_handler(handler)
        await app.initialize()
        apps.append(app)
        await app.start()
        if polling:
            await app.updater.start_polling(poll_interval=0, timeout=1)
        return app

    yield start
    for app in apps:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
