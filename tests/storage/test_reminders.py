"""A reminder key is claimed exactly once, even by many threads at the same moment."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.errors import NotFound, StorageError
from storage.models import ReminderLog
from storage.reminders import claim_reminder, mark_reminder


def test_claimed_once_across_threads(engine: Engine, staff) -> None:
    def claim(_: int) -> bool:
        with Session(engine) as session:
            return claim_reminder(
                session, key="deadline:2024:d-7", member_id=staff.id, report_id=None, step="d-7"
            )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(16)))
    assert results.count(True) == 1


def test_mark_outcome(session: Session, staff) -> None:
    assert claim_reminder(session, key="k", member_id=staff.id, report_id=None, step="d-1")
    mark_reminder(session, key="k", status="failed", error="RetryAfter 5")
    mark_reminder(session, key="k", status="sent")
    row = session.exec(select(ReminderLog).execution_options(populate_existing=True)).one()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert row.sent_at is not None
    with pytest.raises(NotFound):
        mark_reminder(session, key="nope", status="sent")
    with pytest.raises(StorageError, match="提醒状态"):
        mark_reminder(session, key="k", status="lost")
