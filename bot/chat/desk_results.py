"""What a review-desk call leaves behind: the turn for the member who acted, the
`Notification`s for other members (the front end delivers both), the audit record of an
administrator's action, or the refusal of a button the member may not use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from bot.chat.state import Reply
from bot.chat.turn import Turn
from storage import audit, reports
from storage.errors import NotFound, PermissionDenied
from storage.models import Member, Report

UNAVAILABLE = "该报告不存在或您无权查看。"
STALE = "该按钮已失效。"


@dataclass(frozen=True)
class Notification:
    """A turn for another member's private chat."""

    chat_id: int
    turn: Turn
    member_id: int | None = None


@dataclass(frozen=True)
class DeskResult:
    turn: Turn
    notifications: tuple[Notification, ...] = ()


class Refusal(Exception):
    """A button the member may not use (any more); `str(exc)` says why, in Chinese."""


def said(text: str, notice: str | None = None, buttons: tuple = ()) -> DeskResult:
    return DeskResult(Turn((Reply(text, buttons=buttons),), notice=notice))


def notify(people: Iterable[Member], turn: Turn) -> list[Notification]:
    return [Notification(p.chat_id, turn, p.id) for p in people if p.chat_id is not None]


def record_admin_action(
    session: Session, actor: Member, action_name: str, **detail: object
) -> None:
    """Administrators' actions through the bot go to the audit log like CLI actions do."""
    if actor.role == "admin":
        audit.record(
            session,
            actor=f"telegram:{actor.telegram_user_id}",
            action=action_name,
            detail={"member_id": actor.id, **detail},
        )
        session.commit()


def readable_report(session: Session, actor: Member, report_id: int) -> Report:
    """The report if the actor may read it; the same refusal whether absent or foreign."""
    try:
        return reports.get_report(session, actor=actor, report_id=report_id)
    except (NotFound, PermissionDenied) as exc:
        raise Refusal(UNAVAILABLE) from exc
