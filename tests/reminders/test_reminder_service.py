"""The scheduler inside the bot (post_init / post_shutdown) and `nianbao remind`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.chat.service import ReportChat
from bot.cli import app
from bot.config import Settings, get_settings
from bot.reminders.service import BOT_DATA_KEY, ReminderService
from bot.telegram.application import build_application
from storage.db import dispose_engines
from tests.fake_telegram import FakeTelegram
from tests.reminders.support import DUE, World

runner = CliRunner()


def settings_for(tg: FakeTelegram, database_url: str, **extra: str) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_BASE_URL=tg.base_url,
        TELEGRAM_BASE_FILE_URL=tg.base_file_url,
        **extra,
    )


async def test_hooks_start_and_stop_the_scheduler(
    tg: FakeTelegram, engine: Engine, database_url: str
) -> None:
    application = build_application(settings_for(tg, database_url), ReportChat(engine))
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)
        assert tg.call_count("setMyCommands") == 1  # the existing hook still runs
        service = application.bot_data[BOT_DATA_KEY]
        assert isinstance(service, ReminderService) and service.scheduler is not None
        jobs = {job.id: job for job in service.scheduler.get_jobs()}
        assert set(jobs) == {"reminders-sweep", "reminders-startup"}
        sweep = jobs["reminders-sweep"]
        assert isinstance(sweep.trigger, IntervalTrigger)
        assert sweep.trigger.interval == timedelta(minutes=15)
        assert (sweep.misfire_grace_time, sweep.coalesce, sweep.max_instances) == (None, True, 1)
        # Aligned to the local quarter hours, so the end of quiet hours gets a sweep on the dot.
        assert sweep.next_run_time.minute % 15 == 0 and sweep.next_run_time.second == 0
        service.scheduler.remove_job("reminders-startup")
        report = await service.run_sweep()  # the real clock: whatever is due now, nothing here
        assert report is not None and report.sent == 0
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
    assert BOT_DATA_KEY not in application.bot_data
    assert not service.scheduler.running


async def test_reminders_can_be_switched_off(
    tg: FakeTelegram, engine: Engine, database_url: str
) -> None:
    settings = settings_for(tg, database_url, NIANBAO_REMINDERS="false")
    application = build_application(settings, ReportChat(engine))
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)
        assert BOT_DATA_KEY not in application.bot_data
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


@pytest.fixture
def nianbao(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("NIANBAO_TIMEZONE", "Asia/Shanghai")
    get_settings.cache_clear()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, ["remind", *args])
        assert result.exit_code == code, result.output
        return result

    yield run
    dispose_engines()
    get_settings.cache_clear()


def test_dry_run_lists_what_would_be_sent(world: World, nianbao) -> None:
    result = nianbao("--dry-run", "--now", "2025-01-24T09:00", "--json")
    payload = json.loads(result.stdout)
    assert payload["year"] == 2024 and payload["quiet"] is False
    assert payload["now"] == "2025-01-24T09:00:00+08:00"
    by_member = {d["member"]: d for d in payload["deliveries"]}
    assert set(by_member) == {"王芳", "李强", "周丽", "赵敏", "陈督导", "孙督导"}
    assert by_member["王芳"]["key"] == f"deadline:2024:m{world.members['王芳'].id}:d-7"
    assert by_member["王芳"]["org"] == "洪泽区科技局" and by_member["王芳"]["button"] is True
    assert by_member["陈督导"]["kind"] == "digest"
    assert world.log() == []  # no claims written

    text = nianbao("--dry-run", "--now", "2025-01-24T09:00").stdout
    assert "将发送 6 条消息（试运行，未发送、未记录）" in text
    assert "[填报提醒 d-7] 王芳（洪泽区科技局" in text
    assert "[继续填写]" in text

    quiet = nianbao("--dry-run", "--now", "2025-01-24T22:00").stdout
    assert "处于免打扰时段（21:00–08:00），不发送提醒" in quiet
    assert world.log() == []


def test_sending_needs_a_token(world: World, nianbao) -> None:
    result = nianbao("--now", "2025-01-24T09:00", code=2)
    assert "未设置 TELEGRAM_BOT_TOKEN" in result.output and "--dry-run" in result.output
    assert world.log() == []


def test_bad_now_is_explained(world: World, nianbao) -> None:
    result = nianbao("--dry-run", "--now", "明天上午", code=2)
    assert "无法识别的时间" in result.output


def test_one_sweep_from_the_command_line(
    world: World, nianbao, tg: FakeTelegram, users, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", tg.token)
    monkeypatch.setenv("TELEGRAM_BASE_URL", tg.base_url)
    get_settings.cache_clear()
    result = nianbao("--now", f"{DUE.isoformat()}T10:00", "--json")
    payload = json.loads(result.stdout)
    assert (payload["planned"], payload["sent"], payload["failed"]) == (6, 6, 0)
    assert "今天（2025年1月31日）是截止日期" in users["王芳"].last_message["text"]
    again = json.loads(nianbao("--now", f"{DUE.isoformat()}T11:00", "--json").stdout)
    assert again["planned"] == 0
    assert tg.call_count("sendMessage") == 6
