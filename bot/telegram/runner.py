"""`nianbao run`: the bot, by long polling or behind a webhook."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import InvalidToken

from bot.chat.service import ReportChat
from bot.config import Settings
from bot.telegram.application import build_application
from storage.db import get_engine, upgrade_database

logger = logging.getLogger(__name__)


class BotStartError(Exception):
    """The bot cannot start; the message (Chinese) says what to fix, `exit_code` for the CLI."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def run_bot(settings: Settings) -> None:
    """Migrate the database, then poll Telegram until SIGINT/SIGTERM (in-flight updates finish)."""
    if not settings.telegram_bot_token:
        raise BotStartError(
            "未设置 TELEGRAM_BOT_TOKEN。请向 @BotFather 申请机器人令牌，"
            "写入环境变量或 .env 文件后重试。",
            exit_code=2,
        )
    upgrade_database(settings.database_url)
    application = build_application(settings, ReportChat(get_engine()))
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken as exc:
        raise BotStartError(
            "Telegram 拒绝了该机器人令牌（TELEGRAM_BOT_TOKEN 无效或已被撤销），请核对后重试。",
            exit_code=3,
        ) from exc
