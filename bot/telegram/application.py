"""Building and running the Telegram application from the settings."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.chat.help import COMMANDS
from bot.chat.review import ReviewDesk
from bot.chat.service import ReportChat
from bot.chat.uploads import ReportUploads
from bot.config import Settings
from bot.reminders.service import start_reminders, stop_reminders
from bot.telegram.common import READERS, reader_pool
from bot.telegram.handlers import add_handlers
from bot.telegram.inbox import InboxPollRequest, InboxQueue
from bot.telegram.request import AiohttpRequest

logger = logging.getLogger(__name__)

# RetryAfter from Telegram: wait as told and try again, up to this many times.
RATE_LIMIT_RETRIES = 5


class LoggingApplication(Application):  # type: ignore[type-arg]
    """One log line per update: its id and how long it took, never its contents. An update
    that went through to its end (replies sent, or its failure reported) is marked handled in
    the inbox; one cut short by the process dying is replayed at the next start."""

    async def process_update(self, update: object) -> None:
        started = time.perf_counter()
        await super().process_update(update)  # handler errors go to the error handler
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(update, Update) and isinstance(self.update_queue, InboxQueue):
            self.update_queue.done(update)
        elapsed = (time.perf_counter() - started) * 1000
        logger.info("update %s handled in %.1f ms", update_id, elapsed)

    async def stop(self) -> None:
        await super().stop()  # handles every queued update, waits for running ones
        if isinstance(self.update_queue, InboxQueue):
            await self.update_queue.close()  # their handled marks


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    await application.bot.set_my_commands([BotCommand(c.name, c.menu) for c in COMMANDS])


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    await stop_reminders(application)
    application.bot_data[READERS].shutdown(wait=True)
    application.bot_data["pdf_threads"].shutdown(wait=False)


def build_application(
    settings: Settings, chat: ReportChat, *, rate_limited: bool = True
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot. `rate_limited=False` drops the pacing to Telegram's limits: only for
    benchmarks against a fake server that does not enforce them."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # RetryAfter.retry_after as a timedelta, PTB's next default: the AIORateLimiter reads it
    # on every 429 and warns about the old int; our own reads take both (reminders.sender).
    os.environ.setdefault("PTB_TIMEDELTA", "1")

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        # asyncio.to_thread runs on the loop's default executor: keep it small.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(settings.worker_thread_count, thread_name_prefix="nianbao-worker")
        )
        await register_commands(application)
        # Deadline reminders: a scheduler on this event loop (docs/reminders.md).
        await start_reminders(application, settings, chat.engine)

    queue = InboxQueue(chat.engine)
    builder = (
        ApplicationBuilder()
        .application_class(LoggingApplication)
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .update_queue(queue)
        .request(AiohttpRequest())
        .get_updates_request(InboxPollRequest(queue))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
    application = builder.build()
    # PDFs are made on threads of their own (bot.telegram.common.pdf_after): a conversion takes
    # seconds, and the database workers (one on SQLite) serve every other member meanwhile.
    chat.defer_pdf = True
    application.bot_data["chat"] = chat
    application.bot_data[READERS] = reader_pool()
    application.bot_data["pdf_threads"] = ThreadPoolExecutor(
        settings.pdf_workers, thread_name_prefix="nianbao-pdf"
    )
    application.bot_data["uploads"] = ReportUploads(chat.engine, today=chat.today)
    application.bot_data["review"] = ReviewDesk(chat.engine, today=chat.today)
    add_handlers(application)
    return application
