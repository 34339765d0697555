"""What the reminder log already holds for the keys a plan considers, read in chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.reminders.chunks import chunks
from storage.models import ReminderLog


@dataclass(frozen=True)
class LogRow:
    status: str
    attempts: int
    last_error: str | None
    step: str


def _read_log(session: Session, condition: Any, rows: dict[str, LogRow]) -> None:
    for key, status, attempts, error, step in session.execute(
        sa.select(
            ReminderLog.key,
            ReminderLog.status,
            ReminderLog.attempts,
            ReminderLog.last_error,
            ReminderLog.step,
        ).where(condition)
    ):
        rows[key] = LogRow(status, attempts, error, step)


def log_rows(session: Session, keys: Sequence[str]) -> dict[str, LogRow]:
    rows: dict[str, LogRow] = {}
    for chunk in chunks(keys):
        _read_log(session, ReminderLog.key.in_(chunk), rows)  # type: ignore[attr-defined]
    return rows


def part_rows(session: Session, base_keys: Sequence[str]) -> dict[str, LogRow]:
    """Rows of the later parts (`{key}:p{k}`) of the given multi-part messages."""
    rows: dict[str, LogRow] = {}
    for chunk in chunks(base_keys, 50):
        condition = sa.or_(*(ReminderLog.key.startswith(f"{key}:p") for key in chunk))  # type: ignore[attr-defined]
        _read_log(session, condition, rows)
    return rows


def part_count(step: str) -> int:
    """How many parts a message has, from its first part's logged step ("digest 1/3" → 3)."""
    _, _, fraction = step.rpartition(" ")
    if "/" in fraction:
        try:
            return int(fraction.split("/", 1)[1])
        except ValueError:
            return 1
    return 1
