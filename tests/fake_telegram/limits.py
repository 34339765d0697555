"""Telegram's limits: message/caption sizes, inline keyboards, bot commands, flood control.

Each check raises :class:`ApiError` with the description the real Bot API uses, so that the bot's
error handling is exercised against the same strings it will meet in production.
"""

from __future__ import annotations

import collections
import copy
import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors
from .entities import (
    Entity,
    EntityParseError,
    parse_formatted,
    trim,
    utf16_len,
)
from .errors import ApiError, bad_request

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files on the public Bot API
MAX_UPLOAD_SIZE = 50 * 1024 * 1024

# Methods that put something in front of the user and therefore fall under flood control.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


# --- Text --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[Entity]


def parse_text(raw: str, parse_mode: str | None, entities: Any) -> FormattedText:
    """Apply ``parse_mode`` (or explicit ``entities``) and trim, like the Bot API."""
    if parse_mode:
        try:
            text, parsed = parse_formatted(raw, parse_mode)
        except KeyError:
            raise bad_request("unsupported parse_mode") from None
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        text = raw
        parsed = [dict(entity) for entity in entities or [] if isinstance(entity, dict)]
    text, parsed = trim(text, parsed)
    return FormattedText(text, parsed)


def check_message_text(text: FormattedText) -> None:
    if not text.text:
        raise ApiError(400, errors.MESSAGE_TEXT_EMPTY)
    if utf16_len(text.text) > MAX_MESSAGE_LENGTH:
        raise ApiError(400, errors.MESSAGE_TOO_LONG)


def check_caption(caption: FormattedText) -> None:
    if utf16_len(caption.text) > MAX_CAPTION_LENGTH:
        raise ApiError(400, errors.CAPTION_TOO_LONG)


# --- Reply markup ------------------------------------------------------------------------------


def parse_reply_markup(raw: Any) -> dict[str, Any] | None:
    """Structural checks the Bot API performs itself, before it even looks at the chat."""
    if raw is None or raw == "":
        return None
    markup = raw
    if isinstance(raw, str):
        try:
            markup = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" not in markup:
        # Reply keyboards, keyboard removal and force_reply are accepted but not echoed back.
        return copy.deepcopy(markup)
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: expected an Object")
            if not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not any(action in button for action in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button and not isinstance(button["callback_data"], str):
                raise bad_request(
                    "can't parse inline keyboard button: "
                    'Field "callback_data" must be of type String'
                )
    return {"inline_keyboard": copy.deepcopy(rows)}


def check_inline_keyboard(markup: dict[str, Any] | None) -> None:
    """Checks Telegram's servers perform (after the chat was resolved)."""
    if not markup or "inline_keyboard" not in markup:
        return
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if "callback_data" in button:
            size = len(button["callback_data"].encode("utf-8"))
            if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                raise ApiError(400, errors.BUTTON_DATA_INVALID)
        if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
            raise bad_request("BUTTON_URL_INVALID")


def echoed_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only inline keyboards are part of the Message object Telegram returns."""
    if markup and "inline_keyboard" in markup:
        return copy.deepcopy(markup)
    return None


# --- Bot commands ------------------------------------------------------------------------------


def parse_commands(raw: Any) -> list[dict[str, str]]:
    """Validate setMyCommands' ``commands`` the way tdlib and Telegram's servers do."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse commands JSON object") from None
    if value is None:
        value = []
    if not isinstance(value, list):
        raise bad_request('Field "commands" must be an Array')
    if len(value) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    commands = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: expected BotCommand")
        for field in ("command", "description"):
            if not isinstance(item.get(field), str):
                raise bad_request(f"can't parse BotCommand: Can't find field \"{field}\"")
        command = item["command"].strip()
        command = command.removeprefix("/")
        description = item["description"].strip()
        if not command:
            raise bad_request("Command must be non-empty")
        if len(command) > MAX_COMMAND_LENGTH:
            raise bad_request(f"Command length must not exceed {MAX_COMMAND_LENGTH}")
        if not description:
            raise bad_request("Command description must be non-empty")
        if len(description) > MAX_COMMAND_DESCRIPTION_LENGTH:
            raise bad_request(
                f"Command description length must not exceed {MAX_COMMAND_DESCRIPTION_LENGTH}"
            )
        # Only the servers enforce the alphabet, hence the different style of message.
        if not re.fullmatch(r"[a-z0-9_]+", command):
            raise bad_request("BOT_COMMAND_INVALID")
        commands.append({"command": command, "description": description})
    return commands


# --- Flood control -----------------------------------------------------------------------------


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


class RateLimiter:
    """Telegram's flood control as token buckets: one for the bot, one per chat.

    Telegram documents "about 30 messages per second" overall and "about one message per second"
    in a chat, with short bursts tolerated. Each bucket holds ``burst`` tokens and refills at
    ``rate`` per second; a send takes one token from both the bot's bucket and the chat's. When
    either is empty the send is refused with 429 and ``retry_after`` is the whole number of
    seconds until both have a token again (what a well-behaved bot has to wait). Refused sends
    take nothing. O(1) per call.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.enabled = False
        self.global_rate = 30.0
        self.global_burst = 30.0
        self.chat_rate = 1.0
        self.chat_burst = 3.0
        self._global: _Bucket | None = None
        self._chats: dict[int, _Bucket] = {}
        self.refused = 0
        self.refused_by_chat: collections.Counter[int] = collections.Counter()
        self.granted = 0

    def configure(
        self,
        enabled: bool = True,
        *,
        global_per_second: float = 30.0,
        global_burst: float | None = None,
        per_chat_per_second: float = 1.0,
        per_chat_burst: float = 3.0,
    ) -> None:
        with self._lock:
            self.enabled = enabled
            self.global_rate = float(global_per_second)
            self.global_burst = float(
                global_burst if global_burst is not None else global_per_second
            )
            self.chat_rate = float(per_chat_per_second)
            self.chat_burst = float(per_chat_burst)
            self._global = None
            self._chats.clear()

    @staticmethod
    def _refill(bucket: _Bucket, rate: float, burst: float, now: float) -> None:
        if now > bucket.stamp:
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now

    def acquire(self, chat_id: int | None) -> None:
        """Take a token for one send now, or raise 429 (and count it)."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            if self._global is None:
                self._global = _Bucket(self.global_burst, now)
            buckets = [(self._global, self.global_rate, self.global_burst)]
            if chat_id is not None:
                bucket = self._chats.get(chat_id)
                if bucket is None:
                    bucket = self._chats[chat_id] = _Bucket(self.chat_burst, now)
                buckets.append((bucket, self.chat_rate, self.chat_burst))
            wait = 0.0
            for bucket, rate, burst in buckets:
                self._refill(bucket, rate, burst, now)
                if bucket.tokens < 1.0:
                    wait = max(wait, (1.0 - bucket.tokens) / rate if rate > 0 else 3600.0)
            if wait > 0:
                self.refused += 1
                if chat_id is not None:
                    self.refused_by_chat[chat_id] += 1
                raise errors.too_many_requests(max(1, math.ceil(wait)))
            for bucket, _, _ in buckets:
                bucket.tokens -= 1.0
            self.granted += 1


@dataclass
class Fault:
    """One injected failure for the next call of a method."""

    status: int
    retry_after: int = 1
    description: str | None = None
    drop: bool = False


class FaultPlan:
    """Failures queued by ``FakeTelegram.fail_next``; each is consumed by one call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, collections.deque[Fault]] = collections.defaultdict(
            collections.deque
        )

    def add(self, method: str, fault: Fault, count: int) -> None:
        with self._lock:
            self._faults[method.lower()].extend(copy.copy(fault) for _ in range(count))

    def take(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(method.lower())
            return queue.popleft() if queue else None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def error_for(self, fault: Fault) -> ApiError:
        if fault.status == 429:
            error = errors.too_many_requests(fault.retry_after)
            if fault.description:
                error.description = fault.description
            return error
        return ApiError(fault.status, fault.description or errors.default_description(fault.status))
