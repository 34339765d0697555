"""Each member's place in the conversation, so a restart resumes where they left off."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from storage import clock
from storage.db import begin_write
from storage.models import ChatPosition


def get_position(session: Session, *, member_id: int) -> ChatPosition | None:
    return session.get(ChatPosition, member_id, populate_existing=True)


def save_position(
    session: Session,
    *,
    member_id: int,
    report_id: int | None,
    question_id: str | None,
    state: dict[str, Any],
) -> ChatPosition:
    """Remember the member's report, question and chat state (JSON-able). Commits."""
    begin_write(session)
    position = session.get(ChatPosition, member_id) or ChatPosition(member_id=member_id)
    position.report_id = report_id
    position.question_id = question_id
    position.state = dict(state)
    position.updated_at = clock.utcnow()
    session.add(position)
    session.commit()
    return position


def clear_position(session: Session, *, member_id: int) -> None:
    """Forget where the member was (e.g. after /cancel). Commits."""
    begin_write(session)
    position = session.get(ChatPosition, member_id)
    if position is not None:
        session.delete(position)
    session.commit()
