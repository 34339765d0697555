"""The application's update queue, backed by the inbox table (storage.inbox).

Long polling and the webhook both `put` each update on the application's queue, and both
wait for that call before telling Telegram the update arrived: the Updater asks for the next
batch (whose offset confirms this one) only after `put` returned, and the webhook answers 200
only then. So `put` stores the update first; an update Telegram delivers again is not queued
twice. The application marks an update handled once its replies went out (`done`), and
`replay` queues what a dead process left unhandled, in arrival order, before any new update
is taken.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine
from telegram import Bot, Update

from storage import inbox
from storage.db import session_scope
from storage.models import InboxUpdate

logger = logging.getLogger(__name__)

# An update that was replayed this many times without being handled (it killed the process
# each time) is given up, with an error in the log, so that it cannot stop the bot for ever.
MAX_ATTEMPTS = 5


class InboxQueue(asyncio.Queue[object]):
    """An update queue that stores each update before it is queued."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await asyncio.to_thread(self._record, item):
            logger.info("update %s delivered again: already taken", item.update_id)
            return
        await super().put(item)

    def _record(self, update: Update) -> bool:
        user = update.effective_user
        with session_scope(self.engine) as session:
            return inbox.record_update(
                session,
                update_id=update.update_id,
                user_id=user.id if user is not None else None,
                payload=update.to_dict(),
            )

    async def done(self, update: Update) -> None:
        await asyncio.to_thread(self._mark_handled, update.update_id)

    def _mark_handled(self, update_id: int) -> None:
        with session_scope(self.engine) as session:
            inbox.mark_handled(session, update_id=update_id)

    def _take_unhandled(self) -> tuple[list[InboxUpdate], list[int]]:
        with session_scope(self.engine) as session:
            return inbox.take_unhandled(session, max_attempts=MAX_ATTEMPTS)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates left unhandled by an earlier run; how many."""
        rows, given_up = await asyncio.to_thread(self._take_unhandled)
        for update_id in given_up:
            logger.error(
                "update %s given up after %d attempts that did not finish", update_id, MAX_ATTEMPTS
            )
        for row in rows:
            await super().put(Update.de_json(row.payload, bot))
        if rows:
            logger.info("%d updates left unhandled by the last run queued again", len(rows))
        return len(rows)
