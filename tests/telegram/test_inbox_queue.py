"""The inbox queue: nothing reaches the handlers, or is confirmed, before it is stored."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from telegram import Bot, Update

from bot.telegram import inbox as telegram_inbox
from bot.telegram.inbox import InboxQueue
from storage.db import session_scope
from storage.models import InboxUpdate

BOT = Bot("123456:TEST-token")


def update(update_id: int, text: str = "0") -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": 42, "is_bot": False, "first_name": "周"},
            "chat": {"id": 42, "type": "private", "first_name": "周"},
            "date": 1_767_000_000,
            "text": text,
        },
    }
    return Update.de_json(data, BOT)


def rows(engine: Engine) -> list[tuple[int, bool]]:
    with session_scope(engine) as session:
        found = session.exec(select(InboxUpdate).order_by(InboxUpdate.id)).all()
        return [(row.update_id, row.handled_at is not None) for row in found]


def drain(queue: InboxQueue) -> list[int]:
    taken = []
    while not queue.empty():
        item = queue.get_nowait()
        assert isinstance(item, Update)
        taken.append(item.update_id)
    return taken


async def test_updates_are_stored_before_they_are_queued(engine: Engine) -> None:
    queue = InboxQueue(engine)
    for update_id in (10, 11):
        await queue.put(update(update_id))
    assert queue.empty() and rows(engine) == []  # collected: the next poll stores them
    await queue.flush()
    assert rows(engine) == [(10, False), (11, False)]
    assert drain(queue) == [10, 11]
    # Telegram delivers 11 again (it was not confirmed yet), and a new one: 11 is not queued.
    await queue.put(update(11))
    await queue.put(update(12))
    await queue.flush()
    assert drain(queue) == [12]


async def test_updates_not_stored_stay_for_the_next_flush(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = InboxQueue(engine)
    await queue.put(update(20))

    def database_down(*args: object, **kwargs: object) -> list[int]:
        raise OSError("database went away")

    monkeypatch.setattr(telegram_inbox.inbox, "record_updates", database_down)
    with pytest.raises(OSError):
        await queue.flush()  # the poll that would confirm update 20 is not sent
    assert queue.empty()
    monkeypatch.undo()
    await queue.flush()
    assert drain(queue) == [20] and rows(engine) == [(20, False)]


async def test_handled_updates_are_marked_and_the_rest_replayed_in_order(engine: Engine) -> None:
    first = InboxQueue(engine)
    for update_id in (30, 31, 32):
        await first.put(update(update_id))
    await first.flush()
    drain(first)
    first.done(update(30))
    await first.close()  # stopping: the waiting mark is written
    assert rows(engine) == [(30, True), (31, False), (32, False)]

    # The process died with 31 and 32 taken: the next start queues them first, in order.
    second = InboxQueue(engine)
    assert await second.replay(BOT) == 2
    assert [second.is_replay(update(i)) for i in (30, 31, 32)] == [False, True, True]
    assert drain(second) == [31, 32]
    second.done(update(31))
    assert not second.is_replay(update(31))
    await second.close()
    assert rows(engine) == [(30, True), (31, True), (32, False)]
