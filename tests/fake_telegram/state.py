"""Everything the fake server knows: users, chats, messages, files, the update queue.

One re-entrant lock guards all of it and one condition variable (on that lock) is notified on
every observable change, so test threads can block until something happens instead of sleeping.
The HTTP handlers run on the server's own event loop thread and only ever hold the lock briefly.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

JSON = dict[str, Any]
T = TypeVar("T")

# What Telegram delivers when allowed_updates was never set (or set to []).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Signal:
    """Wakes waiters when something changes: threads (a condition on the state lock) and
    coroutines on any event loop (futures resolved through ``call_soon_threadsafe``).

    ``fire`` must be called with the state lock held; waiters check their predicate under the
    same lock before they sleep, so no wake-up is ever lost.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.cond = threading.Condition(lock)
        self._async: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def fire(self) -> None:
        self.cond.notify_all()
        if self._async:
            waiters, self._async = self._async, []
            for loop, future in waiters:
                with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                    loop.call_soon_threadsafe(_resolve, future)

    def wait(self, ready: Callable[[], T | None], timeout: float, describe: Callable[[], str]) -> T:
        """Block until ``ready()`` returns something other than None; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = ready()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(describe())
                self.cond.wait(remaining)

    async def wait_async(
        self, ready: Callable[[], T | None], timeout: float, describe: Callable[[], str]
    ) -> T:
        """The same for coroutines: never blocks the calling event loop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self.lock:
                result = ready()
                if result is not None:
                    return result
                future: asyncio.Future[None] = loop.create_future()
                self._async.append((loop, future))
            remaining = deadline - loop.time()
            if remaining <= 0:
                with self.lock:
                    result = ready()
                if result is not None:
                    return result
                raise AssertionError(describe())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, remaining)


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    # A user who never pressed Start cannot be written to by a bot.
    started: bool = True
    blocked: bool = False

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> JSON:
        data: JSON = {"id": self.id, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["type"] = "private"
        return data


@dataclass
class StoredMessage:
    data: JSON  # the Telegram Message object as it currently is
    from_bot: bool


@dataclass(frozen=True)
class SentDocument:
    """A document the bot sent to a chat, with its bytes."""

    message_id: int
    file_id: str
    file_name: str | None
    mime_type: str | None
    content: bytes
    caption: str | None


@dataclass
class Chat:
    """A private chat between the bot and one user (chat id == user id, as in Telegram).

    Message ids are shared by both sides and increase by one. ``inbox`` holds a snapshot of each
    message the bot sent, in order, and ``edits`` a snapshot per edit; the test-side user reads
    both with its own cursors.
    """

    user: User
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_message_ids: list[int] = field(default_factory=list)
    inbox: list[JSON] = field(default_factory=list)
    cursor: int = 0
    edits: list[JSON] = field(default_factory=list)
    edit_cursor: int = 0
    documents: list[SentDocument] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    signal: Signal | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def chat_instance(self) -> str:
        # Telegram's chat_instance is an opaque, stable number per chat.
        return str(-8_000_000_000_000_000_000 + self.user.id)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str

    def document_json(self) -> JSON:
        data: JSON = {}
        if self.file_name is not None:
            data["file_name"] = self.file_name
        if self.mime_type is not None:
            data["mime_type"] = self.mime_type
        data.update(
            file_id=self.file_id,
            file_unique_id=self.file_unique_id,
            file_size=len(self.content),
        )
        return data


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    message_id: int
    data: str
    created_at: float
    answered: bool = False
    expired: bool = False


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a button tap (``text`` is the toast or alert)."""

    callback_query_id: str
    user_id: int
    data: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the webhook; ``status`` is None if no HTTP answer."""

    update_id: int
    attempt: int
    url: str
    status: int | None
    error: str | None
    secret_token: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class RequestRecord:
    """One Bot API request as the server saw it; ``status`` is set when it is answered."""

    method: str
    params: JSON
    chat_id: int | None
    received_at: float  # on the fake's clock (time.monotonic by default)
    wall_time: float  # time.time(), for humans
    content_type: str | None = None  # how the parameters came: JSON, a form or multipart
    client_port: int | None = None  # the bot's end of the connection it came on
    status: int | None = None
    description: str | None = None
    finished_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class BotState:
    def __init__(
        self,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        clock: Callable[[], float],
        wall_clock: Callable[[], float] = time.time,
        first_update_id: int = 100_000_001,
    ) -> None:
        self.lock = threading.RLock()
        self.signal = Signal(self.lock)
        self.changed = self.signal.cond
        self.clock = clock
        self.wall_clock = wall_clock
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name

        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self._file_counter = 0

        self.updates: collections.deque[JSON] = collections.deque()
        self.update_log: list[JSON] = []
        self.next_update_id = first_update_id
        # The first id since Telegram last chose ids anew (see restart_update_ids).
        self.first_id_of_run = first_update_id
        self.allowed_updates: list[str] | None = None
        self._update_listeners: list[Callable[[], None]] = []

        self.webhook: WebhookConfig | None = None
        self.webhook_last_error: tuple[int, str] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []

        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self._callback_counter = 0

        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (kind, language) -> description etc.
        self.menu_buttons: dict[int | None, JSON] = {}

        self.requests: list[RequestRecord] = []
        self.requests_by_method: dict[str, list[RequestRecord]] = collections.defaultdict(list)
        self.calls: collections.Counter[str] = collections.Counter()
        self.last_request_at: float | None = None

    # --- notification ----------------------------------------------------------------------

    def fire(self, chat: Chat | None = None) -> None:
        """Wake everyone waiting on the state (and on ``chat``). Call with the lock held."""
        self.signal.fire()
        if chat is not None and chat.signal is not None:
            chat.signal.fire()

    def add_update_listener(self, listener: Callable[[], None]) -> None:
        self._update_listeners.append(listener)

    def bot_json(self, full: bool = False) -> JSON:
        data: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        if full:
            data.update(
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
        return data

    # --- chats and messages ----------------------------------------------------------------

    def now(self) -> int:
        return int(self.wall_clock())

    def chat(self, user_id: int) -> Chat:
        with self.lock:
            try:
                return self.chats[user_id]
            except KeyError:
                raise KeyError(f"unknown user {user_id}; call add_user() first") from None

    def add_user(self, user: User) -> Chat:
        with self.changed:
            chat = self.chats.get(user.id)
            if chat is None:
                chat = self.chats[user.id] = Chat(user, signal=Signal(self.lock))
            self.fire(chat)
            return chat

    def new_message(self, chat: Chat, *, from_bot: bool, fields: JSON) -> JSON:
        """Store a message with the next id of the chat (both sides share the sequence)."""
        with self.changed:
            message_id = chat.next_message_id
            chat.next_message_id += 1
            data: JSON = {
                "message_id": message_id,
                "from": self.bot_json() if from_bot else chat.user.to_json(),
                "chat": chat.user.chat_json(),
                "date": self.now(),
            }
            data.update(fields)
            chat.messages[message_id] = StoredMessage(data, from_bot)
            snapshot = copy.deepcopy(data)
            if from_bot:
                chat.bot_message_ids.append(message_id)
                chat.inbox.append(copy.deepcopy(data))
            self.fire(chat)
            return snapshot

    def record_edit(self, chat: Chat, data: JSON) -> None:
        with self.changed:
            chat.edits.append(copy.deepcopy(data))
            self.fire(chat)

    # --- files -----------------------------------------------------------------------------

    def store_file(
        self, content: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        with self.lock:
            self._file_counter += 1
            number = self._file_counter
            token = base64.urlsafe_b64encode(f"{self.bot_id}:{number}".encode()).decode()
            extension = ""
            if file_name and "." in file_name:
                extension = "." + file_name.rsplit(".", 1)[1]
            stored = StoredFile(
                file_id="BQACAgUAAxkBAAI" + token.rstrip("="),
                file_unique_id="AgAD"
                + base64.urlsafe_b64encode(str(number).encode()).decode().rstrip("="),
                content=bytes(content),
                file_name=file_name,
                mime_type=mime_type,
                file_path=f"documents/file_{number}{extension}",
            )
            self.files[stored.file_id] = stored
            self.files_by_path[stored.file_path] = stored
            return stored

    # --- updates ---------------------------------------------------------------------------

    def update_allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_EXCLUDED_UPDATES

    def enqueue_update(self, kind: str, payload: JSON) -> int | None:
        """Queue an update; like Telegram, types outside allowed_updates are never created."""
        with self.changed:
            if not self.update_allowed(kind):
                return None
            update_id = self.next_update_id
            self.next_update_id += 1
            update = {"update_id": update_id, kind: copy.deepcopy(payload)}
            self.updates.append(update)
            self.update_log.append(update)
            self.signal.fire()
        for listener in list(self._update_listeners):
            listener()
        return update_id

    def restart_update_ids(self, next_update_id: int) -> None:
        """What Telegram does after a week without updates: the next update id is chosen anew
        (at random there, by the test here), and may be far below the last one. Only possible
        with no update pending, as after such a week."""
        with self.changed:
            if self.updates:
                raise RuntimeError("update ids restart only after a quiet spell: updates pending")
            self.next_update_id = self.first_id_of_run = next_update_id

    def take_updates(self, offset: int, limit: int) -> list[JSON]:
        """getUpdates' queue semantics: a higher offset confirms (forgets) older updates.

        An offset outside the ids issued since the last restart of ids (a bot still holding
        the offset from before the quiet week, above or below them) confirms nothing:
        otherwise no bot would see an update again after ids restarted lower.
        """
        with self.changed:
            before = len(self.updates)
            if offset > 0 and not self.first_id_of_run <= offset <= self.next_update_id:
                offset = 0
            if offset < 0:
                while len(self.updates) > -offset:
                    self.updates.popleft()
            elif offset > 0:
                while self.updates and self.updates[0]["update_id"] < offset:
                    self.updates.popleft()
            if len(self.updates) != before:
                self.signal.fire()
            return [copy.deepcopy(update) for update in list(self.updates)[:limit]]

    def confirm_update(self, update_id: int) -> None:
        with self.changed:
            if self.updates and self.updates[0]["update_id"] == update_id:
                self.updates.popleft()
            else:
                self.updates = collections.deque(
                    update for update in self.updates if update["update_id"] != update_id
                )
            self.signal.fire()

    def drop_pending_updates(self) -> None:
        with self.changed:
            self.updates.clear()
            self.signal.fire()

    # --- requests --------------------------------------------------------------------------

    def log_request(
        self,
        method: str,
        params: JSON,
        chat_id: int | None,
        content_type: str | None = None,
        client_port: int | None = None,
    ) -> RequestRecord:
        with self.changed:
            record = RequestRecord(
                method=method,
                params=params,
                chat_id=chat_id,
                received_at=self.clock(),
                wall_time=self.wall_clock(),
                content_type=content_type,
                client_port=client_port,
            )
            self.requests.append(record)
            self.requests_by_method[method.lower()].append(record)
            self.calls[method] += 1
            if method != "getUpdates":
                self.last_request_at = record.received_at
            self.signal.fire()
            return record

    def finish_request(self, record: RequestRecord, status: int, description: str | None) -> None:
        with self.changed:
            record.status = status
            record.description = description
            record.finished_at = self.clock()
            self.signal.fire()

    # --- callback queries ------------------------------------------------------------------

    def new_callback_query(self, user_id: int, message_id: int, data: str) -> CallbackQueryRecord:
        with self.lock:
            self._callback_counter += 1
            record = CallbackQueryRecord(
                id=str(
                    4_400_000_000_000_000_000 + self.bot_id % 1000 * 10**9 + self._callback_counter
                ),
                user_id=user_id,
                message_id=message_id,
                data=data,
                created_at=self.clock(),
            )
            self.callback_queries[record.id] = record
            return record
