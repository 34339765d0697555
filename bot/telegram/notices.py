"""Delivering the review desk's notifications to members' private chats, from the bot's
handlers and from the web front end alike."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from sqlalchemy.engine import Engine
from telegram.error import Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.chat.desk_results import Notification
from bot.telegram.replies import send_turn
from storage import members
from storage.db import session_scope

logger = logging.getLogger(__name__)


def _mark_blocked(engine: Engine, member_id: int) -> None:
    with session_scope(engine) as session:
        members.mark_blocked(session, member_id=member_id, blocked=True)


async def send_notifications(
    bot: ExtBot[None], engine: Engine, notifications: Iterable[Notification]
) -> None:
    """Send each notification; one member's blocked chat does not stop the others."""
    for note in notifications:
        try:
            await send_turn(bot, note.chat_id, note.turn)
        except Forbidden:
            logger.info("member %s has blocked the bot; notification not delivered", note.member_id)
            if note.member_id is not None:
                await asyncio.to_thread(_mark_blocked, engine, note.member_id)
        except TelegramError as exc:
            logger.warning("notification to member %s failed: %s", note.member_id, exc)
