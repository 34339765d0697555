"""Fixtures: the supervision tree of `support.World`, a policy, a controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.reminders.policy import ReminderPolicy
from bot.reminders.sender import Pacer
from bot.reminders.sweep import Sweeper
from tests.fake_telegram import FakeTelegram
from tests.reminders.support import SHANGHAI, FakeClock, RecordingBot, World


@pytest.fixture
def world(engine: Engine) -> World:
    """市政府 → 区政府 → 科技局, 街道; 市政府 → 县政府 → 县科技局.

    Staff: 王芳 and 李强 (区科技局), 周丽 (街道), 赵敏 (县科技局), 吴刚 (区政府).
    Supervisors: 陈督导 (区政府: 区政府, 区科技局, 街道), 孙督导 (市政府: everything).
    """
    w = World(engine)
    w.org("淮安市人民政府", "city_gov")
    w.org("洪泽区人民政府", "county_gov", "淮安市人民政府")
    w.org("洪泽区科技局", "department", "洪泽区人民政府")
    w.org("高良涧街道", "township", "洪泽区人民政府")
    w.org("涟水县人民政府", "county_gov", "淮安市人民政府")
    w.org("涟水县科技局", "department", "涟水县人民政府")
    w.member("王芳", "洪泽区科技局")
    w.member("李强", "洪泽区科技局")
    w.member("周丽", "高良涧街道")
    w.member("赵敏", "涟水县科技局")
    w.member("吴刚", "洪泽区人民政府")
    w.member("陈督导", "洪泽区人民政府", "supervisor")
    w.member("孙督导", "淮安市人民政府", "supervisor")
    return w


@pytest.fixture
def users(tg: FakeTelegram, world: World) -> dict[str, Any]:
    """A fake Telegram user behind every member (private chat id == user id)."""
    return {
        name: tg.user(id=member.telegram_user_id, first_name=name)
        for name, member in world.members.items()
    }


@pytest.fixture
def policy() -> ReminderPolicy:
    return ReminderPolicy(timezone=SHANGHAI)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recording_sweeper(world: World, policy: ReminderPolicy, clock: FakeClock) -> Iterator[Any]:
    """``(sweeper, bot)``: a sweeper over the world's database that records instead of sending."""
    bot = RecordingBot()
    pacer = Pacer(policy.messages_per_second, clock=clock, sleep=clock.sleep)
    yield Sweeper(world.engine, bot, policy, pacer=pacer), bot  # type: ignore[arg-type]
