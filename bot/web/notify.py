"""The review desk's notifications from the web: to members' Telegram chats when this
process has the bot's token (`TELEGRAM_BOT_TOKEN`), sent after the response so a page never
waits for Telegram (unreachable on many government networks). Members without Telegram read
the same news on their report page."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy.engine import Engine
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.chat.desk_results import DeskResult, Notification
from bot.config import Settings
from bot.telegram.notices import send_notifications

logger = logging.getLogger(__name__)


class TelegramNotices:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    async def deliver(self, notifications: Sequence[Notification]) -> None:
        token = self.settings.telegram_bot_token
        if not token or not notifications:
            return
        bot: ExtBot[None] = ExtBot(
            token,
            base_url=self.settings.telegram_base_url,
            base_file_url=self.settings.telegram_base_file_url,
        )
        try:
            async with bot:
                await send_notifications(bot, self.engine, notifications)
        except TelegramError as exc:
            count = len(notifications)
            logger.warning("Telegram unreachable; %d notifications not sent: %s", count, exc)


def get_notices(request: Request) -> TelegramNotices:
    return request.app.state.notices


Notices = Annotated[TelegramNotices, Depends(get_notices)]


def send_later(background: BackgroundTasks, notices: TelegramNotices, result: DeskResult) -> None:
    """Deliver the result's notifications once the response is sent."""
    if result.notifications:
        background.add_task(notices.deliver, result.notifications)
