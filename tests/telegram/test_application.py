"""How the application is put together: the worker threads database work runs on."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.engine import Engine

from bot.chat.service import ReportChat
from bot.config import Settings
from bot.telegram.application import build_application
from tests.fake_telegram import FakeTelegram


async def test_database_work_runs_on_a_small_pool_of_worker_threads(
    tg: FakeTelegram, engine: Engine, database_url: str
) -> None:
    settings = Settings(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_BASE_URL=tg.base_url,
        TELEGRAM_BASE_FILE_URL=tg.base_file_url,
        NIANBAO_REMINDERS=False,
        NIANBAO_WORKER_THREADS=3,
    )
    application = build_application(settings, ReportChat(engine))
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)
        names = await asyncio.gather(
            *(asyncio.to_thread(lambda: threading.current_thread().name) for _ in range(50))
        )
    finally:
        await application.shutdown()
    assert all(name.startswith("nianbao-worker") for name in names)
    assert len(set(names)) <= 3


@pytest.mark.parametrize(
    ("database_url", "configured", "threads"),
    [
        ("sqlite:///var/nianbao.db", None, 1),
        ("postgresql+psycopg://nianbao@db/nianbao", None, 2),
        ("sqlite:///var/nianbao.db", 4, 4),
    ],
)
def test_worker_threads_default_to_what_the_database_can_use(
    database_url: str, configured: int | None, threads: int
) -> None:
    settings = Settings(DATABASE_URL=database_url, NIANBAO_WORKER_THREADS=configured)
    assert settings.worker_thread_count == threads
