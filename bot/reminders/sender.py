"""Sending reminders within Telegram's limits: an overall token bucket, spacing per chat, and
the outcome of each send in terms the reminder log understands.

Reminders are sent through their own `ExtBot` without PTB's `AIORateLimiter` (see
docs/reminders.md): that limiter retries a 429 by pausing every request of the bot, answers
included, and does not space messages to one private chat; here a 429 is waited out as told
and the message resent, and pacing keeps 429s from happening in the first place.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.chat.turn import OPEN_REPORT, encode_button
from bot.reminders.delivery import PERMANENT_ERROR, Delivery
from bot.reminders.messages import CONTINUE_BUTTON

logger = logging.getLogger(__name__)

# A message answered with 429 this many times in a row is left for the next sweep.
MAX_RETRY_AFTER = 10

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """An overall token bucket (GCRA: `rate` per second, `burst` at once) and a minimum
    interval between two messages to the same chat.

    `wait(chat_id)` returns when a message to that chat may go: first the chat's turn, then a
    slot in the overall bucket, so a message waiting for its chat holds no overall slot. Slots
    are reserved on a timeline rather than measured after waking up, so scheduling jitter does
    not add up. `pause(seconds)` (after a 429) moves every slot past the pause.
    """

    def __init__(
        self,
        rate: float = 30.0,
        *,
        per_chat_interval: float = 1.0,
        burst: int = 1,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.per_chat_interval = per_chat_interval
        self.burst = max(1, burst)
        self.clock = clock
        self.sleep = sleep
        self._tat = float("-inf")  # theoretical arrival time of the next message
        self._paused_until = float("-inf")
        self._chats: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        # The chat's turn; reserved at once so a concurrent send to the same chat queues up.
        while True:
            now = self.clock()
            ready = max(self._chats.get(chat_id, now), self._paused_until)
            if ready <= now:
                break
            await self.sleep(ready - now)
        self._chats[chat_id] = now + self.per_chat_interval
        # An overall slot; if a pause began while waiting for it, take a new one after it.
        while True:
            now = self.clock()
            if now < self._paused_until:
                await self.sleep(self._paused_until - now)
                continue
            tat = max(self._tat, now)
            slot = max(now, tat - (self.burst - 1) * self.interval)
            self._tat = tat + self.interval
            if slot > now:
                await self.sleep(slot - now)
            if self.clock() >= self._paused_until:
                break
        # The chat's next message is spaced from when this one really goes.
        self._chats[chat_id] = self.clock() + self.per_chat_interval
        if len(self._chats) > 4096:
            self._forget(self.clock())

    def pause(self, seconds: float, chat_id: int | None = None) -> None:
        """Hold every message until `seconds` from now (Telegram's retry_after)."""
        until = self.clock() + seconds
        self._paused_until = max(self._paused_until, until)
        self._tat = max(self._tat, until)
        if chat_id is not None:
            self._chats[chat_id] = max(self._chats.get(chat_id, until), until)

    def _forget(self, now: float) -> None:
        for chat_id, slot in list(self._chats.items()):
            if slot <= now:
                del self._chats[chat_id]


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whether PTB_TIMEDELTA is set or not (without its warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


@dataclass(frozen=True)
class Outcome:
    """What happened to one delivery: "sent", "failed" (retry later or not) or "blocked"."""

    status: str
    error: str | None = None
    retry_after_waits: int = 0


def keyboard(delivery: Delivery) -> InlineKeyboardMarkup | None:
    if not delivery.button:
        return None
    data = encode_button(delivery.report_id or 0, 0, OPEN_REPORT)
    return InlineKeyboardMarkup([[InlineKeyboardButton(CONTINUE_BUTTON, callback_data=data)]])


class Sender:
    """Sends deliveries through `bot` at the pacer's rate; never raises for one chat's failure."""

    def __init__(self, bot: ExtBot[None], pacer: Pacer) -> None:
        self.bot = bot
        self.pacer = pacer

    async def send(self, delivery: Delivery) -> Outcome:
        waits = 0
        while True:
            await self.pacer.wait(delivery.chat_id)
            try:
                await self.bot.send_message(
                    delivery.chat_id, delivery.text, reply_markup=keyboard(delivery)
                )
                return Outcome("sent", retry_after_waits=waits)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                waits += 1
                logger.info("429 for reminder %s: waiting %.1f s", delivery.key, seconds)
                self.pacer.pause(seconds, delivery.chat_id)
                if waits >= MAX_RETRY_AFTER:
                    return Outcome("failed", f"RetryAfter {seconds:g} s", waits)
            except Forbidden as exc:
                return Outcome("blocked", f"Forbidden: {exc.message}", waits)
            except BadRequest as exc:
                # Before NetworkError: BadRequest is its subclass, but resending cannot help.
                return Outcome("failed", f"{PERMANENT_ERROR}BadRequest: {exc.message}", waits)
            except NetworkError as exc:  # TimedOut included
                return Outcome("failed", f"{type(exc).__name__}: {exc.message}", waits)
            except (InvalidToken, EndPointNotFound):
                raise  # the bot itself is misconfigured: stop the sweep, not one reminder
            except TelegramError as exc:
                return Outcome("failed", f"{PERMANENT_ERROR}{type(exc).__name__}: {exc}", waits)
