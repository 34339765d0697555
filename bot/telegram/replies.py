"""Turning walkthrough replies into Telegram messages within Telegram's limits."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import ExtBot

from bot.chat.state import Button, Reply
from bot.chat.turn import Turn

logger = logging.getLogger(__name__)

# Telegram counts UTF-16 code units after entity parsing; leave room for the <pre> entity.
TEXT_BUDGET = MessageLimit.MAX_TEXT_LENGTH - 96
NETWORK_ATTEMPTS = 3

T = TypeVar("T")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, budget: int = TEXT_BUDGET) -> list[str]:
    """Pieces of at most `budget` UTF-16 units, cut at line ends where possible."""
    if utf16_len(text) <= budget:  # nearly every reply: no line-by-line pass
        return [text]
    pieces: list[str] = []
    current, size = "", 0  # size: current's length in UTF-16 units, kept as lines are added
    for line in text.split("\n"):
        length = utf16_len(line)
        while length > budget:
            head, line = _cut(line, budget)
            length = utf16_len(line)
            if current:
                pieces.append(current)
                current, size = "", 0
            pieces.append(head)
        joined = size + 1 + length if current else length
        if joined > budget:
            pieces.append(current)
            current, size = line, length
        else:
            current = f"{current}\n{line}" if current else line
            size = joined
    if current or not pieces:
        pieces.append(current)
    return pieces


def _cut(line: str, budget: int) -> tuple[str, str]:
    size = 0
    for index, char in enumerate(line):
        size += utf16_len(char)
        if size > budget:
            return line[:index], line[index:]
    return line, ""


def message_parts(reply: Reply) -> list[str]:
    """HTML message texts for one reply; the monospace block goes whole into one part if it can."""
    parts = [html.escape(p) for p in split_text(reply.text)] if reply.text else []
    if reply.pre:
        blocks = split_text(reply.pre)
        if len(blocks) == 1 and parts and utf16_len(reply.text + reply.pre) + 1 <= TEXT_BUDGET:
            parts[-1] += f"\n<pre>{html.escape(blocks[0])}</pre>"
        else:
            parts += [f"<pre>{html.escape(block)}</pre>" for block in blocks]
    return parts or ["…"]


def keyboard(
    turn: Turn, reply: Reply | None = None, buttons: tuple[tuple[Button, ...], ...] = ()
) -> InlineKeyboardMarkup | None:
    rows = reply.buttons if reply is not None else buttons
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=turn.callback_data(b.action)) for b in row]
            for row in rows
        ]
    )


async def with_retries(send: Callable[[], Awaitable[T]]) -> T:
    """Retry a send after a network error (RetryAfter is retried by the AIORateLimiter)."""
    for attempt in range(1, NETWORK_ATTEMPTS):
        try:
            return await send()
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest):  # a subclass of NetworkError, but final
                raise
            logger.warning("network error on send (attempt %d): %s", attempt, exc)
            await asyncio.sleep(0.2 * attempt)
    return await send()


async def answer_query(query: CallbackQuery, text: str | None, *, show_alert: bool = False) -> None:
    """Answer a button press. A press handled again after a restart (from the inbox) may be
    too old to answer, or answered already: the reply to it still goes out."""
    try:
        await with_retries(lambda: query.answer(text, show_alert=show_alert))
    except BadRequest as exc:
        logger.info("button press not answered: %s", exc)


def compose(turn: Turn) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The turn as Telegram messages: replies without buttons are joined to the next one when
    the result fits, so an answer gets one message back (saved + table + next question)."""
    messages: list[tuple[str, int, InlineKeyboardMarkup | None]] = []
    for reply in turn.replies:
        parts = message_parts(reply)
        markup = keyboard(turn, reply)
        visible = utf16_len(reply.text) + utf16_len(reply.pre or "") + 1
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            size = visible if len(parts) == 1 else TEXT_BUDGET
            if messages and messages[-1][2] is None and messages[-1][1] + size + 2 <= TEXT_BUDGET:
                previous, previous_size, _ = messages.pop()
                part, size = f"{previous}\n\n{part}", previous_size + size + 2
            messages.append((part, size, markup if last else None))
    return [(text, markup) for text, _, markup in messages]


async def send_turn(bot: ExtBot[None], chat_id: int, turn: Turn) -> list[Message]:
    sent: list[Message] = []
    for text, markup in compose(turn):
        send = partial(
            bot.send_message, chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        sent.append(await with_retries(send))
    files = (turn.document, *turn.attachments) if turn.document is not None else ()
    for document in files:
        upload = partial(
            bot.send_document,
            chat_id,
            document.content,
            filename=document.filename,
            caption=document.caption,
            reply_markup=keyboard(turn, buttons=document.buttons),
        )
        sent.append(await with_retries(upload))
    return sent
