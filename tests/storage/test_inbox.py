"""The Telegram inbox: an update is stored once, replayed until handled, and an id Telegram
reuses after a quiet week counts as a new update."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from storage import clock, inbox
from storage.models import InboxUpdate


def record(session: Session, update_id: int, user_id: int | None = 5) -> bool:
    payload = {"update_id": update_id, "message": {"text": f"第{update_id}条"}}
    received = [inbox.Received(update_id, user_id, payload)]
    return inbox.record_updates(session, received=received) == [update_id]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch):
    """Move the storage clock by hand: `frozen.now += timedelta(...)`."""

    class Clock:
        now = clock.utcnow()

    monkeypatch.setattr(clock, "utcnow", lambda: Clock.now)
    return Clock


def test_an_update_delivered_again_is_taken_once(session: Session) -> None:
    assert record(session, 100) is True
    assert record(session, 100) is False
    rows, given_up = inbox.take_unhandled(session, max_attempts=3)
    assert [row.update_id for row in rows] == [100] and given_up == []


def test_a_lower_id_is_a_new_update(session: Session) -> None:
    assert record(session, 900_000_000) is True
    assert record(session, 5_000) is True
    rows, _ = inbox.take_unhandled(session, max_attempts=3)
    assert [row.update_id for row in rows] == [900_000_000, 5_000]  # arrival order, not id order


def test_an_id_reused_after_the_redelivery_window_is_a_new_update(session: Session, frozen) -> None:
    assert record(session, 42) is True
    inbox.stage_turn(session, update_id=42, turn={"replies": []})
    inbox.mark_handled(session, update_ids=[42])
    record(session, 43)
    frozen.now += inbox.REDELIVERY_WINDOW - timedelta(seconds=1)
    assert record(session, 42) is False  # still a redelivery
    frozen.now += timedelta(days=8)  # Telegram chose ids anew after a quiet week
    assert record(session, 42) is True
    assert inbox.answered_turn(session, update_id=42) is None  # the old answer is not reused
    rows, _ = inbox.take_unhandled(session, max_attempts=3)
    assert [row.update_id for row in rows] == [43, 42]


def test_handled_updates_are_not_replayed_and_old_ones_are_pruned(session: Session, frozen) -> None:
    for update_id in (1, 2, 3):
        record(session, update_id)
    inbox.mark_handled(session, update_ids=[2])
    rows, _ = inbox.take_unhandled(session, max_attempts=3)
    assert [row.update_id for row in rows] == [1, 3]
    frozen.now += inbox.KEEP_HANDLED + timedelta(minutes=1)
    inbox.take_unhandled(session, max_attempts=3)
    left = session.exec(select(InboxUpdate.update_id)).all()
    assert sorted(left) == [1, 3]


def test_an_update_that_never_finishes_is_given_up(session: Session) -> None:
    record(session, 7)
    record(session, 8)
    for _ in range(3):
        rows, given_up = inbox.take_unhandled(session, max_attempts=3)
        assert [row.update_id for row in rows] == [7, 8] and given_up == []
    inbox.mark_handled(session, update_ids=[8])
    rows, given_up = inbox.take_unhandled(session, max_attempts=3)
    assert rows == [] and given_up == [7]
    assert inbox.take_unhandled(session, max_attempts=3) == ([], [])


def test_the_turn_commits_with_the_callers_transaction(session: Session) -> None:
    record(session, 11)
    assert inbox.answered_turn(session, update_id=11) is None
    inbox.stage_turn(session, update_id=11, turn={"replies": [{"text": "已保存"}]})
    session.rollback()  # the answer failed: no turn either
    assert inbox.answered_turn(session, update_id=11) is None
    inbox.stage_turn(session, update_id=11, turn={"replies": [{"text": "已保存"}]})
    session.commit()
    assert inbox.answered_turn(session, update_id=11) == {"replies": [{"text": "已保存"}]}
    inbox.stage_turn(session, update_id=12, turn={"replies": []})  # not from the inbox: no-op
    assert inbox.answered_turn(session, update_id=12) is None


def test_a_batch_and_the_handled_marks_take_one_transaction(session: Session) -> None:
    record(session, 1)
    batch = [inbox.Received(i, 5, {"update_id": i}) for i in (1, 2, 3)]
    assert inbox.record_updates(session, received=batch, handled=[1]) == [2, 3]
    rows, _ = inbox.take_unhandled(session, max_attempts=3)
    assert [row.update_id for row in rows] == [2, 3]
