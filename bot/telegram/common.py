"""What every handler module shares: the services in bot_data and the per-member lock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar
from weakref import WeakValueDictionary

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat.review import ReviewDesk
from bot.chat.service import ReportChat
from bot.chat.turn import Turn
from bot.chat.uploads import ReportUploads
from bot.telegram.inbox import InboxQueue

T = TypeVar("T")

# Threads for calls that read and render (/generate, /status, /preview), apart from the worker
# threads every answer's write transaction runs on: fifty members asking for their report
# at once must not wait behind each other's writes, nor behind answers (bench/generate.py).
# A write such a call makes still takes its turn at the database's write lock.
READERS = "readers"
READER_THREADS = 4


def reader_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(READER_THREADS, thread_name_prefix="nianbao-reader")


async def in_reader_thread(
    context: ContextTypes.DEFAULT_TYPE, call: Callable[..., T], *args: Any
) -> T:
    """`call(*args)` on the reader threads (see READERS)."""
    pool: ThreadPoolExecutor = context.bot_data[READERS]
    return await asyncio.get_running_loop().run_in_executor(pool, partial(call, *args))


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


def replayed(context: ContextTypes.DEFAULT_TYPE, update: Update) -> bool:
    """Handled again after a crash (from the inbox): its answer may be committed already."""
    queue = context.application.update_queue
    return isinstance(queue, InboxQueue) and queue.is_replay(update)


async def pdf_after(context: ContextTypes.DEFAULT_TYPE, turn: Turn) -> Turn | None:
    """The PDF to follow a turn's Word report, made on the PDF threads: a conversion holds
    neither the event loop nor a database worker thread."""
    chat = report_chat(context)
    if turn.document is None or chat.pdf is None:
        return None
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(context.bot_data["pdf_threads"], chat.pdf_after, turn)
