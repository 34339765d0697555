"""Staff submit their report from its page, through the desk as `/submit` does in the chat:
the same checks, the same lock, the same notices to the reviewers above."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form
from fastapi.responses import Response

from bot.chat.review import ReviewDesk
from bot.web.deps import CsrfChecked, DbEngine, Desk, SignedIn
from bot.web.notify import Notices, send_later
from bot.web.overview_table import local_time
from bot.web.pages import redirect
from storage import web_accounts
from storage.db import session_scope
from storage.models import Member

router = APIRouter()


def review_context(desk: ReviewDesk, member: Member, report_id: int) -> dict[str, Any]:
    """What the report page shows of its review: every submission, return (with the
    reviewer's comment) and approval, newest first."""
    events, _ = desk.review_record(member, report_id)
    return {"review_events": list(reversed(events)), "local_time": local_time}


@router.post("/reports/{report_id}/submit", dependencies=[CsrfChecked])
def submit(
    background: BackgroundTasks,
    notices: Notices,
    engine: DbEngine,
    desk: Desk,
    visit: SignedIn,
    report_id: int,
    version: Annotated[int, Form()],
) -> Response:
    result = desk.submit_report(visit.member, report_id, version)
    send_later(background, notices, result)
    notes = [reply.text for reply in result.turn.replies]
    if result.turn.notice and result.turn.notice not in notes[0]:
        notes.insert(0, result.turn.notice)
    with session_scope(engine) as session:
        web_accounts.set_flash(
            session, token_hash=visit.web_session.token_hash, flash={"notes": notes}
        )
    return redirect(f"/reports/{report_id}#review")
