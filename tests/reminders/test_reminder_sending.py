"""Sending over real HTTP to the fake Bot API: once, nothing lost, blocked members reported.

Pacing runs on a controlled clock (its waits are recorded, not slept), so a 429 with
retry_after=1 costs the test no real second.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select
from telegram.ext import ExtBot

from bot.reminders.delivery import Plan
from bot.reminders.plan import plan_reminders
from bot.reminders.policy import ReminderPolicy
from bot.reminders.sender import Pacer
from bot.reminders.sweep import Sweeper
from storage.db import make_engine
from storage.models import Member, ReminderLog
from storage.reminders import mark_reminder
from tests.fake_telegram import FakeTelegram
from tests.reminders.support import DUE, FakeClock, RecordingBot, World, at

NOW = at(DUE - timedelta(days=7))


async def new_bot(tg: FakeTelegram) -> ExtBot[None]:
    bot: ExtBot[None] = ExtBot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
    await bot.initialize()
    return bot


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[ExtBot[None]]:
    bot = await new_bot(tg)
    yield bot
    await bot.shutdown()


def sweeper_for(world: World, bot: Any, policy: ReminderPolicy, clock: FakeClock, **kw: Any):
    pacer = Pacer(policy.messages_per_second, clock=clock, sleep=clock.sleep)
    return Sweeper(world.engine, bot, policy, pacer=pacer, **kw)


def planned(world: World, policy: ReminderPolicy) -> int:
    with Session(world.engine) as session:
        return len(plan_reminders(session, now=NOW, policy=policy).deliveries)


def message_counts(users: dict[str, Any]) -> dict[str, int]:
    return {name: len(user.messages) for name, user in users.items()}


def expected_recipients() -> dict[str, int]:
    # A week before the departments' deadline: their staff, and both supervisors' digests.
    return {
        "王芳": 1,
        "李强": 1,
        "周丽": 1,
        "赵敏": 1,
        "吴刚": 0,
        "陈督导": 1,
        "孙督导": 1,
    }


async def test_sweep_delivers_once_over_http(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    sweeper = sweeper_for(world, bot, policy, clock)
    report = await sweeper.sweep(NOW)
    assert (report.planned, report.sent, report.failed) == (6, 6, 0)
    assert message_counts(users) == expected_recipients()
    message = users["王芳"].last_message
    assert "距截止还有 7 天" in message["text"]
    (row,) = message["reply_markup"]["inline_keyboard"]
    assert row[0] == {"text": "继续填写", "callback_data": "0:0:R"}
    assert "【年报督办】" in users["孙督导"].last_message["text"]
    assert "reply_markup" not in users["孙督导"].last_message
    assert {r.status for r in world.log()} == {"sent"}
    # Later sweeps the same day: nothing more goes out.
    again = await sweeper.sweep(NOW + timedelta(hours=4))
    assert again.planned == 0
    assert tg.call_count("sendMessage") == 6


async def test_planned_in_a_process_of_its_own_the_sweep_sends_the_same(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    """The bot plans in another process (its answers keep their pace meanwhile)."""
    sweeper = sweeper_for(world, bot, policy, clock, plan_in_process=True)
    report = await sweeper.sweep(NOW)
    assert (report.planned, report.sent, report.failed) == (6, 6, 0)
    assert message_counts(users) == expected_recipients()


async def test_429_delays_but_loses_nothing(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    tg.fail_next("sendMessage", retry_after=1, times=2)
    sweeper = sweeper_for(world, bot, policy, clock)
    report = await sweeper.sweep(NOW)
    assert (report.sent, report.failed, report.retry_after_waits) == (6, 0, 2)
    assert message_counts(users) == expected_recipients()
    assert tg.call_count("sendMessage") == 8  # two refused, each sent again
    # Waited as told: the controlled clock moved by at least the two retry_after seconds.
    assert sum(clock.slept) >= 2
    assert all(r.status == "sent" and r.attempts == 1 for r in world.log())


async def test_blocked_member_is_reported_to_the_supervisor(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    users["王芳"].block()
    sweeper = sweeper_for(world, bot, policy, clock)
    report = await sweeper.sweep(NOW)
    assert (report.blocked, report.notices) == (1, 1)
    with Session(world.engine) as session:
        member = session.get(Member, world.members["王芳"].id)
        assert member is not None and member.blocked_at is not None
        row = session.exec(
            select(ReminderLog).where(ReminderLog.member_id == world.members["王芳"].id)
        ).one()
        assert (row.status, row.attempts) == ("blocked", 1)
        assert "blocked" in (row.last_error or "")
    notice = users["陈督导"].wait_for_text("提醒未送达")
    assert "洪泽区科技局的填报人员王芳已屏蔽本机器人" in notice["text"]
    # The nearest supervisors are told, not everyone up the tree.
    assert not any("提醒未送达" in m["text"] for m in users["孙督导"].messages)
    # A later sweep neither retries the blocked member nor repeats the notice.
    count = tg.call_count("sendMessage")
    await sweeper.sweep(NOW + timedelta(hours=3))
    assert tg.call_count("sendMessage") == count


async def test_network_failure_is_retried_by_the_next_sweep(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    tg.fail_next("sendMessage", status=502)
    sweeper = sweeper_for(world, bot, policy, clock)
    first = await sweeper.sweep(NOW)
    assert (first.sent, first.failed) == (5, 1)
    (failed,) = [r for r in world.log() if r.status == "failed"]
    assert failed.attempts == 1 and failed.last_error
    second = await sweeper.sweep(NOW + timedelta(minutes=15))
    assert (second.planned, second.sent) == (1, 1)
    assert message_counts(users) == expected_recipients()
    row = next(r for r in world.log() if r.key == failed.key)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_retries_are_bounded(
    tg: FakeTelegram, world: World, users, bot, policy: ReminderPolicy, clock
) -> None:
    tg.fail_next("sendMessage", status=502)
    bounded = ReminderPolicy(timezone=policy.timezone, max_attempts=2)
    sweeper = sweeper_for(world, bot, bounded, clock)
    await sweeper.sweep(NOW)
    (failed,) = [r for r in world.log() if r.status == "failed"]
    with Session(world.engine) as session:
        mark_reminder(session, key=failed.key, status="failed", error="NetworkError: again")
    later = await sweeper.sweep(NOW + timedelta(minutes=15))
    assert later.planned == 0  # two attempts made: given up, still recorded as failed


async def test_restart_mid_sweep_sends_nothing_twice(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    total = planned(world, policy)

    class StopAfter:
        """The bot of a process told to shut down after its third message."""

        def __init__(self) -> None:
            self.sent = 0

        async def send_message(self, *args: Any, **kwargs: Any) -> Any:
            result = await bot.send_message(*args, **kwargs)
            self.sent += 1
            if self.sent == 3:
                first.stop()
            return result

    first = sweeper_for(world, StopAfter(), policy, clock, workers=1)
    stopped = await first.sweep(NOW)
    assert stopped.stopped and stopped.sent == 3
    # The restarted process: its own engine and bot, the same database and clock time.
    engine = make_engine(world.engine.url.render_as_string(hide_password=False))
    restarted_bot = await new_bot(tg)
    try:
        second = Sweeper(engine, restarted_bot, policy, pacer=Pacer(clock=clock, sleep=clock.sleep))
        resumed = await second.sweep(NOW)
    finally:
        await restarted_bot.shutdown()
        engine.dispose()
    assert resumed.sent == total - 3
    assert message_counts(users) == expected_recipients()
    assert tg.call_count("sendMessage") == total


async def test_crash_between_send_and_record_is_not_resent(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    """Killed after Telegram took the message but before the outcome was written: the row
    stays "pending" and is never sent again (a duplicate is worse than the next step)."""
    total = planned(world, policy)

    class DiesAfterSecond:
        def __init__(self) -> None:
            self.sent = 0

        async def send_message(self, *args: Any, **kwargs: Any) -> Any:
            await bot.send_message(*args, **kwargs)
            self.sent += 1
            if self.sent == 2:
                raise asyncio.CancelledError  # the process dies here

    crashing = sweeper_for(world, DiesAfterSecond(), policy, clock, workers=1)
    with pytest.raises(asyncio.CancelledError):
        await crashing.sweep(NOW)
    restarted = sweeper_for(world, bot, policy, clock)
    resumed = await restarted.sweep(NOW)
    assert resumed.sent == total - 2
    assert set(message_counts(users).values()) <= {0, 1}
    assert tg.call_count("sendMessage") == total
    pending = [r for r in world.log() if r.status == "pending"]
    assert len(pending) == 1 and pending[0].attempts == 0


async def test_two_sweeps_racing_send_once(
    tg: FakeTelegram, world: World, users, bot, policy, clock
) -> None:
    total = planned(world, policy)
    both_planned = threading.Barrier(2, timeout=10)

    class Racing(Sweeper):
        """Both processes have planned every message before either sends one."""

        def plan(self, now: datetime | None = None) -> Plan:
            plan = super().plan(now)
            both_planned.wait()
            return plan

    engine = make_engine(world.engine.url.render_as_string(hide_password=False))
    other_bot = await new_bot(tg)
    try:
        one = Racing(world.engine, bot, policy, pacer=Pacer(clock=clock, sleep=clock.sleep))
        two = Racing(engine, other_bot, policy, pacer=Pacer(clock=clock, sleep=clock.sleep))
        first, second = await asyncio.gather(one.sweep(NOW), two.sweep(NOW))
    finally:
        await other_bot.shutdown()
        engine.dispose()
    assert first.sent + second.sent == total
    assert first.skipped + second.skipped == total
    assert message_counts(users) == expected_recipients()
    assert tg.call_count("sendMessage") == total
    assert len(world.log()) == total


async def test_planning_leaves_the_chat_worker_threads_free(
    world: World, policy: ReminderPolicy, clock: FakeClock
) -> None:
    """A sweep's planning (seconds over thousands of organisations) never holds the threads
    members' answers run on, even when there is only one."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(1, thread_name_prefix="chat"))
    sweeper = sweeper_for(world, RecordingBot(), policy, clock)
    planning, release = threading.Event(), threading.Event()
    plan_thread: list[str] = []

    def slow_plan(now: datetime | None = None) -> Plan:
        plan_thread.append(threading.current_thread().name)
        planning.set()
        assert release.wait(10)
        return Plan(NOW, NOW.date(), NOW.year - 1, quiet=True)

    sweeper.plan = slow_plan  # type: ignore[method-assign]
    sweep = asyncio.create_task(sweeper.sweep(NOW))
    assert await asyncio.to_thread(planning.wait, 10)  # answered by the chat thread
    release.set()
    report = await sweep
    assert report.quiet
    assert plan_thread and not plan_thread[0].startswith("chat")
