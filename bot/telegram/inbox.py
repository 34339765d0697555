"""The application's update queue, backed by the inbox table (storage.inbox).

Telegram forgets an update once the bot confirms it: in polling mode the next getUpdates
(its offset confirms the batch before), in webhook mode the 200. So no update reaches the
handlers, and none is confirmed, before it is stored:

- `put` (what PTB's Updater calls for each update of a batch) only collects it; `flush`
  stores what was collected in one transaction and queues the updates that are new. The
  getUpdates request runs `flush` before it is sent (`InboxPollRequest`), so a batch is
  stored before the poll that confirms it, and a redelivered update is not queued twice.
- The webhook puts the update and flushes before answering 200.

The application reports an update handled once its replies went out (`done`); the marks are
written with the next batch, or on their own at most `MARK_DELAY` later: a reply is sent
again after a crash only if the process died within that second. `replay` queues what a dead
process left unhandled, in arrival order, before any new update is taken.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from telegram import Bot, Update

from bot.telegram.request import AiohttpRequest
from storage import inbox
from storage.db import session_scope
from storage.models import InboxUpdate

logger = logging.getLogger(__name__)
T = TypeVar("T")

# An update that was replayed this many times without being handled (it killed the process
# each time) is given up, with an error in the log, so that it cannot stop the bot for ever.
MAX_ATTEMPTS = 5
# Handled marks wait at most this long for a batch to be written with. A crash within it
# sends those updates' replies again (their answers are not applied again).
MARK_DELAY = 1.0


class InboxQueue(asyncio.Queue[object]):
    """An update queue that stores each update before it is queued (see the module)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._received: list[Update] = []
        self._handled: list[int] = []
        self._writing = asyncio.Lock()
        self._marking: asyncio.Task[None] | None = None
        self._replayed: set[int] = set()
        # Its own thread: taking updates in must not wait behind the answers being applied on
        # the worker threads (one on SQLite), nor behind /generate on the reader threads.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="nianbao-inbox")

    async def _in_thread(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, partial(call, *args))

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            self._received.append(item)
            return
        await self.flush()  # PTB's stop signal: after every update taken so far
        await super().put(item)

    async def flush(self) -> None:
        """Store the updates put so far (and the handled marks waiting); queue the new ones.
        When it returns, every update put before the call is in the database."""
        async with self._writing:
            received, self._received = self._received, []
            handled, self._handled = self._handled, []
            if not received and not handled:
                return
            store = asyncio.ensure_future(self._in_thread(self._store, received, handled))
            try:
                new = await asyncio.shield(store)
            except asyncio.CancelledError:
                # The transaction goes on in its thread: what it stores must still be queued.
                self._queue_new(received, await store)
                raise
            except Exception:
                # Not stored: kept for the next flush (the poll that would confirm them
                # fails with this error and is retried).
                self._received[:0] = received
                self._handled[:0] = handled
                raise
            self._queue_new(received, new)

    def _queue_new(self, received: list[Update], new: list[int]) -> None:
        stored = set(new)
        for update in received:
            if update.update_id in stored:
                super().put_nowait(update)
            else:
                logger.info("update %s delivered again: already taken", update.update_id)

    def _store(self, received: list[Update], handled: list[int]) -> list[int]:
        rows = [
            inbox.Received(
                update.update_id,
                update.effective_user.id if update.effective_user is not None else None,
                update.to_dict(),
            )
            for update in received
        ]
        with session_scope(self.engine) as session:
            return inbox.record_updates(session, received=rows, handled=handled)

    def is_replay(self, update: Update) -> bool:
        return update.update_id in self._replayed

    def done(self, update: Update) -> None:
        """The update's replies went out: mark it handled, with the next batch stored or
        within `MARK_DELAY` (a commit is what costs, and a busy bot polls more often)."""
        self._handled.append(update.update_id)
        self._replayed.discard(update.update_id)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.get_running_loop().create_task(self._write_marks())

    async def _write_marks(self) -> None:
        while self._handled:  # marks added while a flush ran wait for the next round
            await asyncio.sleep(MARK_DELAY)
            try:
                await self.flush()
            except Exception:  # kept for the next flush; at worst replies are sent again
                logger.exception("handled marks not written")

    async def close(self) -> None:
        """At stop: write the marks still waiting."""
        await self.flush()
        if self._marking is not None:
            self._marking.cancel()  # asleep, or waiting for the lock with nothing to write
        self._thread.shutdown(wait=False)

    def _take_unhandled(self) -> tuple[list[InboxUpdate], list[int]]:
        with session_scope(self.engine) as session:
            return inbox.take_unhandled(session, max_attempts=MAX_ATTEMPTS)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates left unhandled by an earlier run; how many."""
        rows, given_up = await self._in_thread(self._take_unhandled)
        for update_id in given_up:
            logger.error(
                "update %s given up after %d attempts that did not finish", update_id, MAX_ATTEMPTS
            )
        for row in rows:
            self._replayed.add(row.update_id)
            super().put_nowait(Update.de_json(row.payload, bot))
        if rows:
            logger.info("%d updates left unhandled by the last run queued again", len(rows))
        return len(rows)


class InboxPollRequest(AiohttpRequest):
    """The getUpdates connection: before each poll, whose offset confirms the batch before
    it, that batch is stored (`InboxQueue.flush`)."""

    __slots__ = ("_queue",)

    def __init__(self, queue: InboxQueue) -> None:
        super().__init__(1)
        self._queue = queue

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self._queue.flush()
        return await super().do_request(*args, **kwargs)
