"""The ladder, quiet hours and pacing, as pure functions of a controlled clock."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.config import Settings
from bot.reminders.messages import DigestEntry, digest_text
from bot.reminders.policy import ReminderPolicy, due_step, parse_clock
from bot.reminders.sender import Pacer
from tests.reminders.support import SHANGHAI, FakeClock, at

DEADLINE = date(2025, 1, 31)


def step_on(days_before: int) -> str | None:
    step = due_step(DEADLINE - timedelta(days=days_before), DEADLINE)
    return step.name if step else None


def test_ladder_steps() -> None:
    assert step_on(20) is None
    assert step_on(15) is None
    assert [step_on(n) for n in (14, 13, 8)] == ["d-14"] * 3
    assert [step_on(n) for n in (7, 4)] == ["d-7"] * 2
    assert [step_on(n) for n in (3, 2)] == ["d-3"] * 2
    assert step_on(1) == "d-1"
    assert step_on(0) == "d-0"
    assert [step_on(-n) for n in (1, 2, 30)] == ["overdue"] * 3


def test_step_states_the_real_distance() -> None:
    step = due_step(DEADLINE - timedelta(days=5), DEADLINE)
    assert step is not None and (step.name, step.days_left, step.overdue) == ("d-7", 5, False)
    late = due_step(DEADLINE + timedelta(days=3), DEADLINE)
    assert late is not None and (late.days_left, late.overdue) == (-3, True)


def test_quiet_hours_span_midnight() -> None:
    policy = ReminderPolicy(timezone=SHANGHAI)
    day = date(2025, 1, 24)
    assert policy.quiet(at(day, 21, 0))
    assert policy.quiet(at(day, 23, 59))
    assert policy.quiet(at(day, 0, 30))
    assert policy.quiet(at(day, 7, 59))
    assert not policy.quiet(at(day, 8, 0))
    assert not policy.quiet(at(day, 20, 59))
    # The zone matters, not the zone of `now`: 00:30 UTC is 08:30 in Shanghai.
    assert not policy.quiet(datetime(2025, 1, 24, 0, 30, tzinfo=UTC))
    assert policy.quiet(datetime(2025, 1, 24, 14, 0, tzinfo=UTC))


def test_quiet_hours_within_a_day_and_off() -> None:
    lunch = ReminderPolicy(timezone=SHANGHAI, quiet_start=time(12, 0), quiet_end=time(13, 30))
    day = date(2025, 1, 24)
    assert lunch.quiet(at(day, 12, 45))
    assert not lunch.quiet(at(day, 13, 30))
    assert not lunch.quiet(at(day, 22, 0))
    never = ReminderPolicy(timezone=SHANGHAI, quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert not never.quiet(at(day, 3, 0))


def test_policy_from_settings() -> None:
    settings = Settings(
        NIANBAO_TIMEZONE="Asia/Urumqi",
        NIANBAO_REMINDER_QUIET_START="22:30",
        NIANBAO_REMINDER_QUIET_END="7:00",
        NIANBAO_REMINDER_RATE=20,
    )
    policy = ReminderPolicy.from_settings(settings)
    assert policy.timezone.key == "Asia/Urumqi"
    assert (policy.quiet_start, policy.quiet_end) == (time(22, 30), time(7, 0))
    assert policy.messages_per_second == 20
    assert policy.quiet_label == "22:30–07:00"
    assert parse_clock("8") == time(8, 0)


def test_naive_now_is_refused() -> None:
    policy = ReminderPolicy(timezone=SHANGHAI)
    with pytest.raises(ValueError, match="naive"):
        policy.quiet(at(date(2025, 1, 1)).replace(tzinfo=None))


async def test_pacer_spaces_messages_overall(clock: FakeClock) -> None:
    pacer = Pacer(30, per_chat_interval=1.0, clock=clock, sleep=clock.sleep)
    start = clock.now
    sent = []
    for chat in range(90):
        await pacer.wait(chat)
        sent.append(clock.now - start)
    # Exactly 1/30 s apart on the timeline: 90 messages over 3 s, none early.
    assert sent[0] == 0
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) == pytest.approx(1 / 30)
    assert sent[-1] == pytest.approx(89 / 30)


async def test_pacer_spaces_one_chat(clock: FakeClock) -> None:
    pacer = Pacer(30, per_chat_interval=1.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(4):
        await pacer.wait(42)
        times.append(clock.now)
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [1.0, 1.0, 1.0]


async def test_pacer_pause_holds_every_chat(clock: FakeClock) -> None:
    pacer = Pacer(30, clock=clock, sleep=clock.sleep)
    await pacer.wait(1)
    paused_at = clock.now
    pacer.pause(5, chat_id=1)
    await pacer.wait(2)
    assert clock.now >= paused_at + 5
    await pacer.wait(1)
    assert clock.now >= paused_at + 5


def test_digest_counts_match_its_headings() -> None:
    """A returned report that is also overdue is counted once, as overdue, in the summary line
    and in the groups, so the supervisor's numbers add up."""
    entries = [
        DigestEntry("甲局", "returned", DEADLINE, -2, (3, 36)),
        DigestEntry("乙局", "returned", DEADLINE, 1, (30, 36)),
        DigestEntry("丙局", None, DEADLINE, 1, None),
    ]
    text = digest_text(
        scope_name="某区人民政府",
        year=2024,
        today=DEADLINE - timedelta(days=1),
        total=4,
        submitted=1,
        entries=entries,
        max_listed=200,
    )
    assert "未提交 3 个（其中逾期 1 个，退回待修改 1 个）" in text
    assert (
        "逾期未提交（1 个）：\n· 甲局：逾期 2 天（截止1月31日），已填 3/36 项，已退回待修改" in text
    )
    assert "退回待修改（1 个）：\n· 乙局" in text
    assert "尚未提交（1 个）：\n· 丙局：还有 1 天截止（1月31日），尚未开始填写" in text
