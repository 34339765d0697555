"""The real bot (python-telegram-bot over HTTP) against the fake Bot API, on a fresh database.

`running_bot` starts the application in this test's event loop, so tests must use the fake
users' `*_async` waits. Organisations and invites are made through storage, as an admin would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from telegram.ext import Application

from bot.chat.service import ReportChat
from bot.config import Settings
from bot.telegram.application import build_application
from storage import members, orgs
from storage.db import session_scope
from tests.fake_telegram import FakeTelegram

# The 2025 report is being prepared (the current national format).
TODAY = date(2026, 1, 10)
REPORT_YEAR = 2025


@pytest.fixture
def settings(tg: FakeTelegram, database_url: str) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_BASE_URL=tg.base_url,
        TELEGRAM_BASE_FILE_URL=tg.base_file_url,
    )


@pytest.fixture
def service(engine: Engine) -> ReportChat:
    return ReportChat(engine, today=lambda: TODAY)


@pytest.fixture
async def running_bot(settings: Settings, service: ReportChat) -> AsyncIterator[Application]:
    application = build_application(settings, service)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


@pytest.fixture
def make_org(engine: Engine) -> Callable[..., int]:
    def create(name: str, org_type: str = "department", parent_id: int | None = None) -> int:
        with session_scope(engine) as session:
            org = orgs.create_org(session, name=name, org_type=org_type, parent_id=parent_id)
            assert org.id is not None
            return org.id

    return create


@pytest.fixture
def make_invite(engine: Engine) -> Callable[..., str]:
    def create(org_id: int, role: str = "staff") -> str:
        with session_scope(engine) as session:
            _, code = members.create_invite(session, org_id=org_id, role=role, created_by="admin")
            return code

    return create
