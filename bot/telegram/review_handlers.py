"""Telegram handlers for submission and review: /submit, /review, /overview, /summary, the
review desk's buttons and a supervisor's return comment.

Everything is registered in handler group 0, ahead of the walkthrough (group 1). Commands
and the desk's buttons (callback data matching `CALLBACK_PATTERN`) end the update's
processing. A return comment arrives as an ordinary text message: the walkthrough's text
handler passes every text to `ReviewDesk.receive_text`, which claims it when a comment is
pending. Each handler looks the member up afresh, so a removed member is refused on their
very next update.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.chat.desk_actions import CALLBACK_PATTERN, parse_year_argument
from bot.chat.desk_results import DeskResult, Notification
from bot.chat.help import NOT_A_MEMBER, NOT_A_MEMBER_BUTTON
from bot.chat.review import ReviewDesk
from bot.chat.state import Reply
from bot.chat.turn import Turn
from bot.telegram.common import member_lock, report_chat, review_desk
from bot.telegram.notices import send_notifications
from bot.telegram.replies import answer_query, send_turn, with_retries
from storage.models import Member

logger = logging.getLogger(__name__)


async def deliver(
    context: ContextTypes.DEFAULT_TYPE, notifications: Iterable[Notification]
) -> None:
    await send_notifications(context.bot, review_desk(context).engine, notifications)


async def respond(update: Update, context: ContextTypes.DEFAULT_TYPE, result: DeskResult) -> None:
    assert update.effective_chat is not None
    await send_turn(context.bot, update.effective_chat.id, result.turn)
    await deliver(context, result.notifications)


async def _member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Member | None:
    assert update.effective_user is not None
    return await asyncio.to_thread(report_chat(context).member, update.effective_user.id)


DeskCall = Callable[[ReviewDesk, Member, list[str]], DeskResult]


def desk_command(
    call: DeskCall,
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.effective_chat is not None
        async with member_lock(update.effective_user.id):
            member = await _member(update, context)
            if member is None:
                await send_turn(context.bot, update.effective_chat.id, Turn((Reply(NOT_A_MEMBER),)))
            else:
                args = list(context.args or [])
                result = await asyncio.to_thread(call, review_desk(context), member, args)
                await respond(update, context, result)
        raise ApplicationHandlerStop

    return handler


def _with_year(
    method: Callable[..., DeskResult], command: str
) -> Callable[[ReviewDesk, Member, list[str]], DeskResult]:
    def call(desk: ReviewDesk, member: Member, args: list[str]) -> DeskResult:
        try:
            year = parse_year_argument(args)
        except ValueError:
            return DeskResult(
                Turn((Reply(f"年度请用四位数字，如“/{command} 2025”；不写年度时为当前填报年度。"),))
            )
        return method(desk, member, year=year)

    return call


async def desk_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    async with member_lock(update.effective_user.id):
        member = await _member(update, context)
        if member is None:
            await answer_query(query, NOT_A_MEMBER_BUTTON, show_alert=True)
            raise ApplicationHandlerStop
        result = await asyncio.to_thread(review_desk(context).press, member, query.data or "")
        await answer_query(query, result.turn.notice)
        if query.message is not None and result.turn.replies:
            # The pressed message keeps its text but loses its buttons: no second press.
            try:
                await with_retries(lambda: query.edit_message_reply_markup(reply_markup=None))
            except BadRequest as exc:  # already without buttons (a double tap), or too old
                logger.debug("buttons not removed: %s", exc)
        await respond(update, context, result)
    raise ApplicationHandlerStop


def add_review_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register the review desk in group 0 (call from `add_handlers`)."""
    commands: dict[str, DeskCall] = {
        "submit": lambda desk, member, args: desk.submit(member),
        "review": lambda desk, member, args: desk.review(member),
        "overview": _with_year(ReviewDesk.overview, "overview"),
        "summary": _with_year(ReviewDesk.summary, "summary"),
    }
    for name, call in commands.items():
        application.add_handler(CommandHandler(name, desk_command(call)), group=0)
    application.add_handler(CallbackQueryHandler(desk_button, pattern=CALLBACK_PATTERN), group=0)
