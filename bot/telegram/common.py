"""What every handler module shares: the services in bot_data and the per-member lock."""

from __future__ import annotations

import asyncio
from weakref import WeakValueDictionary

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat.review import ReviewDesk
from bot.chat.service import ReportChat
from bot.chat.uploads import ReportUploads
from bot.telegram.inbox import InboxQueue

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
