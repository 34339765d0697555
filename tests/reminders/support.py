"""Helpers for the reminder tests: a supervision tree, a controlled clock, a recording bot.

Dates: the 2024 report (2021 format); departments and townships are due 2025-01-31,
county and city governments 2025-03-31, unless a test sets an override.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.db import session_scope
from storage.members import create_invite, redeem_invite
from storage.models import Member, Organisation, ReminderLog
from storage.orgs import create_org

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2024
DUE = date(2025, 1, 31)  # departments and townships
_user_ids = itertools.count(8_100_000_001)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Shanghai) moment: what the sweep is given as `now`."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class World:
    engine: Engine
    orgs: dict[str, Organisation] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)

    def org(self, name: str, org_type: str, parent: str | None = None) -> Organisation:
        with session_scope(self.engine) as session:
            parent_id = self.orgs[parent].id if parent else None
            org = create_org(session, name=name, org_type=org_type, parent_id=parent_id)
        self.orgs[name] = org
        return org

    def member(self, name: str, org: str, role: str = "staff", *, chat: bool = True) -> Member:
        user_id = next(_user_ids)
        with session_scope(self.engine) as session:
            _, code = create_invite(session, org_id=self.orgs[org].id, role=role, created_by="test")
            member = redeem_invite(
                session,
                code=code,
                telegram_user_id=user_id,
                name=name,
                chat_id=user_id if chat else None,
            )
        self.members[name] = member
        return member

    def chat(self, name: str) -> int:
        chat_id = self.members[name].chat_id
        assert chat_id is not None
        return chat_id

    def log(self) -> list[ReminderLog]:
        with Session(self.engine) as session:
            return list(session.exec(select(ReminderLog).order_by(ReminderLog.id)).all())

    def log_keys(self) -> list[str]:
        return [row.key for row in self.log()]


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class RecordingBot:
    """Stands in for ExtBot in tests of what is sent when (not of HTTP): records each message."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        self.sent.append({"chat_id": chat_id, "text": text, **kwargs})
        await asyncio.sleep(0)

    def texts(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent if m["chat_id"] == chat_id]
