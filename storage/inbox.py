"""The Telegram inbox: every update is stored here before Telegram is told it arrived.

Telegram forgets an update once the bot confirms it (the next getUpdates offset, or a 200 to
the webhook). Storing it first makes processing at-least-once: an update the process died
with is still here, without `handled_at`, and is replayed at the next start. Redelivery stays
harmless because the update id is unique here: Telegram delivering an update again finds its
row, and an answer commits its reply (`turn`) into the row in the same transaction as its
answers, so a replayed answer is answered again from the row, never applied twice.

Update ids are not unique for ever: after a week without updates Telegram picks the next id at
random, and it may be one seen long ago. Telegram keeps an undelivered update for 24 hours,
so a row older than that cannot be a redelivery: the same id then is a new update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage import clock
from storage.db import upsert_statement, write_transaction
from storage.models import InboxUpdate

# How long Telegram keeps an update it could not deliver.
REDELIVERY_WINDOW = timedelta(hours=24)
# Handled rows are kept this long (for a look after an incident), then pruned at start.
KEEP_HANDLED = timedelta(days=7)

_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Received:
    """An update as it arrived: its id, its sender (None for some kinds), its JSON."""

    update_id: int
    user_id: int | None
    payload: dict[str, Any]


def record_updates(
    session: Session, *, received: Sequence[Received], handled: Sequence[int] = ()
) -> list[int]:
    """Store received updates and mark `handled` ones, in one write transaction (a commit
    costs more than the statements: a whole getUpdates batch takes one). The ids of the
    updates that are new, in order; a redelivery of one stored already is left out. Commits."""
    now = clock.utcnow()
    new: list[int] = []
    with write_transaction(session):
        if handled:
            _mark(session, handled, now)
        for update in received:
            row = {
                "update_id": update.update_id,
                "user_id": update.user_id,
                "payload": update.payload,
                "received_at": now,
            }
            if session.connection().execute(_insert(session), row).first() is not None:
                new.append(update.update_id)
                continue
            received_at = session.execute(
                sa.select(_INBOX.c.received_at).where(_INBOX.c.update_id == update.update_id)
            ).scalar_one()
            if received_at > now - REDELIVERY_WINDOW:
                continue
            # A reused id: the old row goes, the new update takes its place in arrival order.
            session.execute(sa.delete(_INBOX).where(_INBOX.c.update_id == update.update_id))
            session.execute(sa.insert(_INBOX).values(**row, attempts=0))
            new.append(update.update_id)
    return new


_INSERTS: dict[str, Any] = {}


def _insert(session: Session) -> Any:
    """INSERT … ON CONFLICT (update_id) DO NOTHING RETURNING id, built once per database kind
    (building it costs more than running it; a batch runs it once per update)."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        _INSERTS[dialect] = (
            upsert_statement(session, InboxUpdate)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(_INBOX.c.id)
        )
    return _INSERTS[dialect]


# Built once: every answer runs both (building a statement costs more than running it).
_TURN = sa.select(_INBOX.c.turn).where(_INBOX.c.update_id == sa.bindparam("update_id"))
_SET_TURN = (
    sa.update(_INBOX)
    .where(_INBOX.c.update_id == sa.bindparam("b_update_id"))
    .values(turn=sa.bindparam("b_turn", type_=_INBOX.c.turn.type))
)


def answered_turn(session: Session, *, update_id: int) -> dict[str, Any] | None:
    """The reply committed with the answer of this update, if it was applied already."""
    rows = session.connection().execute(_TURN, {"update_id": update_id})
    return rows.scalar_one_or_none()


def stage_turn(session: Session, *, update_id: int, turn: dict[str, Any]) -> None:
    """Record the reply of this update's answer in the caller's write transaction, so that
    it commits (or not) together with the answer. No row (the update did not come through
    the inbox): nothing to record."""
    session.connection().execute(_SET_TURN, {"b_update_id": update_id, "b_turn": turn})


def mark_handled(session: Session, *, update_ids: Sequence[int]) -> None:
    """The updates' replies went out: not replayed again. Commits."""
    with write_transaction(session):
        _mark(session, update_ids, clock.utcnow())


def _mark(session: Session, update_ids: Sequence[int], now: datetime) -> None:
    session.execute(
        sa.update(_INBOX)
        .where(_INBOX.c.update_id.in_(list(update_ids)), _INBOX.c.handled_at.is_(None))
        .values(handled_at=now)
    )


def take_unhandled(session: Session, *, max_attempts: int) -> tuple[list[InboxUpdate], list[int]]:
    """At start: the updates to replay, in arrival order, each counted as one more attempt,
    and the ids of those given up after `max_attempts` (marked handled: an update that killed
    the process every time must not stop the bot for ever). Prunes old handled rows. Commits."""
    now = clock.utcnow()
    with write_transaction(session):
        session.execute(sa.delete(_INBOX).where(_INBOX.c.handled_at < now - KEEP_HANDLED))
        rows: Sequence[InboxUpdate] = session.exec(
            select(InboxUpdate)
            .where(col(InboxUpdate.handled_at).is_(None))
            .order_by(col(InboxUpdate.id))
            .execution_options(populate_existing=True)
        ).all()
        replay = [row for row in rows if row.attempts < max_attempts]
        given_up = [row.update_id for row in rows if row.attempts >= max_attempts]
        if given_up:
            session.execute(
                sa.update(_INBOX).where(_INBOX.c.update_id.in_(given_up)).values(handled_at=now)
            )
        if replay:
            session.execute(
                sa.update(_INBOX)
                .where(_INBOX.c.update_id.in_([row.update_id for row in replay]))
                .values(attempts=_INBOX.c.attempts + 1)
            )
        return list(replay), given_up
