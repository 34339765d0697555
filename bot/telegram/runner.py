"""`nianbao run`: the bot, by long polling or behind a webhook, until SIGTERM/SIGINT.

Start: check the settings (exit 2 with a Chinese message when something is missing or
malformed), migrate the database, `getMe` (a token Telegram rejects: exit 3), queue the
updates the last run took but did not finish (the inbox, bot/telegram/inbox.py), then either
start long polling or start our webhook server and call setWebhook(url, secret_token,
allowed_updates). /healthz answers 200 from then on.

Stop (SIGTERM or SIGINT, once): /healthz turns 503 "stopping"; no new updates are taken (polling
ends and confirms what it fetched; the webhook server stops listening and answers 503 to a
request still arriving, which Telegram delivers again later); every update already taken is
handled to the end, replies included; then the process exits 0. The webhook stays registered
with Telegram, which keeps updates for us while we are down (`nianbao run` in polling mode
removes it). Every update is in the inbox before Telegram is told it arrived, and answers
are committed per message, so even a SIGKILL loses no message.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.chat.service import ReportChat
from bot.config import Settings
from bot.core.pdf import warm_in_background
from bot.logging_setup import add_secrets
from bot.telegram.application import build_application
from bot.telegram.health import BotStatus, HTTPServerHandle, start_health_server
from bot.telegram.inbox import InboxQueue
from bot.telegram.webhook import (
    check_webhook_url,
    generate_secret,
    start_webhook_server,
    valid_secret,
)
from storage.db import dispose_engines, get_engine, upgrade_database

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = Update.ALL_TYPES
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Long polling: how long one getUpdates waits on Telegram's side (stop does not wait for it).
POLL_TIMEOUT = 10

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class BotStartError(Exception):
    """The bot cannot start; the message (Chinese) says what to fix, `exit_code` for the CLI."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET if set (and valid), else a fresh random one for this run."""
    secret = settings.telegram_webhook_secret
    if not secret:
        return generate_secret()
    if not valid_secret(secret):
        raise BotStartError(
            "TELEGRAM_WEBHOOK_SECRET（或 --secret-token）格式不正确：应为 1–256 个字符，"
            "只能包含英文字母、数字、下划线“_”和连字符“-”。",
            exit_code=2,
        )
    return secret


def check_settings(settings: Settings) -> str | None:
    """Raise `BotStartError` (exit 2) for unusable settings; the webhook secret if webhook mode."""
    if not settings.telegram_bot_token:
        raise BotStartError(
            "未设置 TELEGRAM_BOT_TOKEN。请向 @BotFather 申请机器人令牌，"
            "写入环境变量或 .env 文件后重试。",
            exit_code=2,
        )
    if not settings.webhook_url:
        return None
    problem = check_webhook_url(settings.webhook_url)
    if problem:
        raise BotStartError(problem, exit_code=2)
    return webhook_secret(settings)


def run_bot(settings: Settings) -> None:
    """Migrate the database, then serve updates until SIGINT/SIGTERM (in-flight ones finish)."""
    secret = check_settings(settings)
    add_secrets(settings.telegram_bot_token, secret)
    upgrade_database(settings.database_url)
    application = build_application(settings, ReportChat(get_engine()))
    warm_in_background()
    try:
        asyncio.run(serve(application, settings, secret))
    except InvalidToken as exc:
        raise BotStartError(
            "Telegram 拒绝了该机器人令牌（TELEGRAM_BOT_TOKEN 无效或已被撤销），请核对后重试。",
            exit_code=3,
        ) from exc
    except NetworkError as exc:
        raise BotStartError(
            f"无法连接 Telegram（{settings.telegram_base_url}）：{exc}。请检查网络后重试。",
            exit_code=1,
        ) from exc
    finally:
        dispose_engines()


async def serve(application: AnyApplication, settings: Settings, secret: str | None) -> None:
    """Start, wait for a stop signal, stop gracefully. `secret` set means webhook mode."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    status = BotStatus(engine=get_engine(), mode="webhook" if secret else "polling")
    try:
        try:
            await application.initialize()  # getMe: InvalidToken or NetworkError here
        except BaseException:
            # The application counts as not initialised and its shutdown does nothing, but
            # the bot's HTTP sessions were opened before getMe failed: close them.
            await application.bot.shutdown()
            raise
        try:
            await _run_until(stop, application, settings, secret, status)
        finally:
            await application.shutdown()
            if application.post_shutdown:
                await application.post_shutdown(application)
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
    logger.info("bot stopped")


async def replay_inbox(application: AnyApplication) -> None:
    queue = application.update_queue
    if isinstance(queue, InboxQueue):
        await queue.replay(application.bot)


@contextmanager
def _listening(address: str, port: int) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise BotStartError(
            f"无法在 {address}:{port} 上监听：{exc.strerror or exc}。请换一个端口或地址。",
            exit_code=1,
        ) from exc


async def _run_until(
    stop: asyncio.Event,
    application: AnyApplication,
    settings: Settings,
    secret: str | None,
    status: BotStatus,
) -> None:
    webhook_server: HTTPServerHandle | None = None
    health_server: HTTPServerHandle | None = None
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        # What the last run took from Telegram but did not finish, before anything new.
        await replay_inbox(application)
        if secret is not None:
            assert settings.webhook_url is not None
            with _listening(settings.webhook_listen, settings.webhook_port):
                webhook_server = await start_webhook_server(
                    application,
                    status=status,
                    url=settings.webhook_url,
                    secret=secret,
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                )
        if settings.health_port is not None and not (
            webhook_server is not None and settings.health_port == settings.webhook_port
        ):
            with _listening(settings.health_listen, settings.health_port):
                health_server = await start_health_server(
                    status, settings.health_listen, settings.health_port
                )
        if secret is not None:
            await application.bot.set_webhook(
                settings.webhook_url,  # type: ignore[arg-type]
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
            )
        status.phase = "running"
        logger.info("bot running (%s)", status.mode)
        await stop.wait()
        logger.info("stop signal: taking no new updates, finishing those in progress")
    finally:
        status.phase = "stopping"
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if webhook_server is not None:
            await webhook_server.stop()
        if application.running:
            await application.stop()  # handles every queued update, waits for running ones
            if application.post_stop:
                await application.post_stop(application)
        if health_server is not None:
            await health_server.stop()
