"""What every handler module shares: the services in bot_data and the per-member lock."""

from __future__ import annotations

import asyncio
from weakref import WeakValueDictionary

from telegram.ext import ContextTypes

from bot.chat.review import ReviewDesk
from bot.chat.service import ReportChat, Turn
from bot.chat.uploads import ReportUploads

# One lock per user: updates of different members run concurrently, one member's in order.
_locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()


def member_lock(user_id: int) -> asyncio.Lock:
    lock = _locks.get(user_id)
    if lock is None:
        lock = asyncio.Lock()
        _locks[user_id] = lock
    return lock


def report_chat(context: ContextTypes.DEFAULT_TYPE) -> ReportChat:
    return context.bot_data["chat"]


def report_uploads(context: ContextTypes.DEFAULT_TYPE) -> ReportUploads:
    return context.bot_data["uploads"]


def review_desk(context: ContextTypes.DEFAULT_TYPE) -> ReviewDesk:
    return context.bot_data["review"]


async def with_pdf(context: ContextTypes.DEFAULT_TYPE, turn: Turn) -> Turn:
    """The turn with the PDF beside its Word report, made on the PDF threads: a conversion
    holds neither the event loop nor a database worker thread."""
    chat = report_chat(context)
    if turn.document is None or chat.pdf is None:
        return turn
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(context.bot_data["pdf_threads"], chat.with_pdf, turn)
