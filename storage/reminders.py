"""The reminder log: each reminder is claimed once, even with several bot processes running.

The sender first claims a key (e.g. "deadline:2024:member:7:d-7"); only the caller whose
INSERT created the row sends, then records the outcome.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from storage import clock
from storage.db import insert_ignore, write_transaction
from storage.errors import NotFound, StorageError
from storage.models import REMINDER_STATUSES, ReminderLog


def claim_reminder(
    session: Session, *, key: str, member_id: int, report_id: int | None, step: str
) -> bool:
    """True for exactly one caller per key, across processes. Commits."""
    with write_transaction(session):
        return insert_ignore(
            session,
            ReminderLog,
            {
                "key": key,
                "member_id": member_id,
                "report_id": report_id,
                "step": step,
                "status": "pending",
                "attempts": 0,
                "created_at": clock.utcnow(),
            },
            conflict_columns=["key"],
        )


def mark_reminder(session: Session, *, key: str, status: str, error: str | None = None) -> None:
    """Record an attempt's outcome ("sent", "failed", "blocked", or back to "pending"). Commits."""
    if status not in REMINDER_STATUSES:
        raise StorageError(f"提醒状态「{status}」无效")
    values: dict[str, object] = {
        "status": status,
        "last_error": error,
        "attempts": ReminderLog.attempts + 1,
    }
    if status == "sent":
        values["sent_at"] = clock.utcnow()
    with write_transaction(session):
        updated = session.execute(
            sa.update(ReminderLog).where(ReminderLog.key == key).values(**values)  # type: ignore[arg-type]
        )
        if updated.rowcount != 1:
            raise NotFound(f"提醒记录「{key}」不存在")
