"""What storage keeps of a member in the walkthrough, read and written in the caller's session.

The member's current report (the one their saved position is on, else this year's), their
place in it (`ChatPosition.state`: the question, the way back, the version they saw), and the
report as the walkthrough sees it (`ReportState`). The position is read once per session:
`session.info["position"]` holds it, so that a message costs one read of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from sqlmodel import Session

from bot.chat.state import Position, ReportState
from bot.core.calendar import report_year_for
from bot.core.form import load_form
from bot.core.narrative.peer_index import OtherOffices
from storage import narratives, positions, reports
from storage.errors import StorageError
from storage.models import ChatPosition, Member, Report
from storage.positions import PositionWrite

# The report version the member's current prompt was built from (storage records it with
# every position saved together with answers); a save against an older one may conflict.
SEEN_VERSION = "report_version"
# A report in these is read-only for its members until a supervisor returns it.
LOCKED_STATUSES = ("submitted", "approved")
# Walkthrough keys of a position; the rest (e.g. a supervisor's pending review comment) stays
# when the member switches to another report.
WALKTHROUGH_KEYS = frozenset({"q", "resume", "zeroed", "zeroed_at", SEEN_VERSION, "generated"})
# A return awaiting its comment (bot.chat.review_decisions): the report and the version shown.
PENDING_RETURN_KEYS = ("review_comment_for", "review_version")


def saved_position(session: Session, member: Member) -> ChatPosition | None:
    """The member's saved position, read once per session (session.info holds it)."""
    if "position" not in session.info:
        session.info["position"] = positions.get_position(session, member_id=member.id)
    return session.info["position"]


def position_state(session: Session, member: Member) -> dict[str, Any]:
    position = saved_position(session, member)
    return dict(position.state) if position is not None else {}


def load_state(session: Session, member: Member, report: Report) -> ReportState:
    """The report as the walkthrough sees it (also used by the review desk)."""
    form = load_form(report.kind)
    values = reports.report_values(session, actor=member, report_id=report.id)
    saved = saved_position(session, member)
    raw = saved.state if saved is not None and saved.report_id == report.id else None
    position = Position.from_dict(raw, questions=len(form.questions))
    previous = reports.previous_values(session, actor=member, report=report)

    @cache  # the walkthrough checks several times per event
    def peers() -> OtherOffices:
        return narratives.other_offices(session, year=report.year, exclude_org_id=report.org_id)

    return ReportState(form, report.agency, report.year, values, position, previous, peers)


def save_position(
    session: Session, member: Member, report: Report, position: Position, **extra: Any
) -> None:
    write = position_write(member, report, position, position_state(session, member), extra)
    session.info["position"] = positions.save_position(
        session,
        member_id=write.member_id,
        report_id=write.report_id,
        question_id=write.question_id,
        state=write.state,
    )


def position_write(
    member: Member,
    report: Report,
    position: Position,
    saved: dict[str, Any],
    extra: dict[str, Any],
) -> PositionWrite:
    """The position to store with answers (storage writes both in one transaction)."""
    questions = load_form(report.kind).questions
    question = questions[position.question].id if position.question < len(questions) else None
    state = {**saved, **position.to_dict(), **extra}
    state.setdefault("active", True)
    assert member.id is not None and report.id is not None
    return PositionWrite(member.id, report.id, question, state)


def current_report(
    session: Session,
    member: Member,
    *,
    today: Callable[[], date],
    year: int | None = None,
    switch: bool = False,
) -> Report:
    """The member's current report: the one their position is on, else this year's.
    `year`: that year's instead; `switch`: the position moves onto it."""
    position = saved_position(session, member)
    if year is None and position is not None and position.report_id is not None:
        try:
            return reports.get_report(session, actor=member, report_id=position.report_id)
        except StorageError:
            pass
    year = year or report_year_for(today())
    report = reports.get_or_create_report(session, actor=member, year=year)
    if switch and (position is None or position.report_id != report.id):
        session.info["position"] = positions.save_position(
            session,
            member_id=member.id,
            report_id=report.id,
            question_id=None,
            state={**_without_walkthrough(position), "active": True},
        )
    return report


def active_report(session: Session, member: Member, *, wake: bool = False) -> Report | None:
    """The report the member is filling in; None when paused (/cancel) unless `wake`."""
    position = saved_position(session, member)
    if position is None or position.report_id is None:
        return None
    if not wake and not position.state.get("active", True):
        return None
    try:
        return reports.get_report(session, actor=member, report_id=position.report_id)
    except StorageError:
        return None


def reload_report(session: Session, member: Member, report: Report) -> Report:
    """`report` as committed by someone else meanwhile (after a version conflict)."""
    session.expire_all()
    return reports.get_report(session, actor=member, report_id=report.id)


def _without_walkthrough(position: ChatPosition | None) -> dict[str, Any]:
    if position is None:
        return {}
    return {k: v for k, v in position.state.items() if k not in WALKTHROUGH_KEYS}
