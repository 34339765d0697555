"""Each member's place in the conversation, so a restart resumes where they left off."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from storage import clock
from storage.db import upsert, write_transaction
from storage.models import ChatPosition

# Built once: every incoming message reads its sender's position.
_POSITION = (
    select(ChatPosition)
    .where(ChatPosition.member_id == sa.bindparam("member_id"))
    .execution_options(populate_existing=True)
)


def get_position(session: Session, *, member_id: int) -> ChatPosition | None:
    return session.exec(_POSITION, params={"member_id": member_id}).first()


@dataclass(frozen=True)
class PositionWrite:
    """A position to store in the same transaction as answers (see reports.save_answers)."""

    member_id: int
    report_id: int | None
    question_id: str | None
    state: dict[str, Any]


def save_position(
    session: Session,
    *,
    member_id: int,
    report_id: int | None,
    question_id: str | None,
    state: dict[str, Any],
) -> ChatPosition:
    """Remember the member's report, question and chat state (JSON-able). Commits."""
    with write_transaction(session):
        return stage_position(session, PositionWrite(member_id, report_id, question_id, state))


def update_state(
    session: Session,
    *,
    member_id: int,
    changes: Mapping[str, Any] | None = None,
    drop: Iterable[str] = (),
) -> ChatPosition:
    """Set and remove keys of the member's chat state, keeping their report and question.
    Commits."""
    with write_transaction(session):
        position = session.get(ChatPosition, member_id) or ChatPosition(member_id=member_id)
        state = {k: v for k, v in position.state.items() if k not in set(drop)}
        state.update(changes or {})
        write = PositionWrite(member_id, position.report_id, position.question_id, state)
        return stage_position(session, write)


def stage_position(session: Session, write: PositionWrite) -> ChatPosition:
    """Write the position in the caller's open write transaction; the caller commits.

    One plain upsert (every answer writes its position: the ORM's flush at commit cost more
    than the statement); the session's copy is updated to match, not marked changed.
    """
    row = {
        "member_id": write.member_id,
        "report_id": write.report_id,
        "question_id": write.question_id,
        "state": dict(write.state),
        "updated_at": clock.utcnow(),
    }
    statement = upsert(
        session,
        ChatPosition,
        conflict=("member_id",),
        update=("report_id", "question_id", "state", "updated_at"),
    )
    session.connection().execute(statement, row)
    position = session.get(ChatPosition, write.member_id)
    assert position is not None
    for column, value in row.items():
        set_committed_value(position, column, value)
    return position


def clear_position(session: Session, *, member_id: int) -> None:
    """Forget where the member was (e.g. after /cancel). Commits."""
    with write_transaction(session):
        position = session.get(ChatPosition, member_id)
        if position is not None:
            session.delete(position)
