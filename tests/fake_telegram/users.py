"""The test side: a Telegram user talking to the bot.

Everything here is thread-safe and never sleeps: waits block on the state's condition variable
(sync) or on a future resolved by it (the ``*_async`` twins, for tests whose bot runs on the
test's own event loop; a blocking wait there would freeze the bot).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .api import guess_mime_type
from .entities import find_bot_commands
from .state import JSON, CallbackAnswer, Chat, SentDocument

if TYPE_CHECKING:
    from .server import FakeTelegram

Predicate = Callable[[JSON], bool]


def message_text(message: JSON) -> str:
    """The text or caption of a message ("" if it has neither)."""
    return str(message.get("text", message.get("caption", "")))


def buttons(message: JSON) -> list[list[JSON]]:
    """The inline keyboard rows of a message ([] if none)."""
    markup = message.get("reply_markup") or {}
    return copy.deepcopy(markup.get("inline_keyboard", []))


def _summary(message: JSON) -> str:
    text = message_text(message)
    if "document" in message:
        text = f"[document {message['document'].get('file_name')!r}] {text}"
    labels = [button.get("text") for row in buttons(message) for button in row]
    suffix = f" buttons={labels}" if labels else ""
    return f"#{message.get('message_id')}: {text[:200]!r}{suffix}"


class FakeUser:
    """A user with a private chat with the bot. Create with ``FakeTelegram.user(...)``."""

    def __init__(self, tg: FakeTelegram, chat: Chat) -> None:
        self._tg = tg
        self._state = tg.state
        self._chat = chat
        assert chat.signal is not None
        self._signal = chat.signal

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"

    # --- identity --------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self._chat.user.id

    @property
    def chat_id(self) -> int:
        return self._chat.id

    @property
    def first_name(self) -> str:
        return self._chat.user.first_name

    def to_json(self) -> JSON:
        return self._chat.user.to_json()

    # --- acting ----------------------------------------------------------------------------

    def _ensure_can_write(self) -> None:
        user = self._chat.user
        if user.blocked:
            raise RuntimeError(f"{self!r} has blocked the bot; call unblock() first")
        user.started = True

    def _send(self, fields: JSON, reply_to: int | JSON | None) -> JSON:
        with self._state.lock:
            self._ensure_can_write()
            if reply_to is not None:
                message_id = reply_to["message_id"] if isinstance(reply_to, dict) else reply_to
                stored = self._chat.messages.get(int(message_id))
                if stored is None:
                    raise ValueError(f"no message {message_id} in the chat to reply to")
                replied = copy.deepcopy(stored.data)
                replied.pop("reply_to_message", None)
                fields = {"reply_to_message": replied, **fields}
            message = self._state.new_message(self._chat, from_bot=False, fields=fields)
            self._state.enqueue_update("message", message)
            return message

    def send_text(self, text: str, *, reply_to: int | JSON | None = None) -> JSON:
        """The user types ``text``; returns the Message. /commands get bot_command entities."""
        fields: JSON = {"text": text}
        entities = find_bot_commands(text)
        if entities:
            fields["entities"] = entities
        return self._send(fields, reply_to)

    def send_command(self, command: str, argument: str | None = None) -> JSON:
        """``/command`` or ``/command ARGUMENT`` (a /start deep link payload, say)."""
        text = "/" + command.lstrip("/")
        if argument:
            text += " " + argument
        return self.send_text(text)

    def send_document(
        self,
        source: str | os.PathLike[str] | bytes,
        filename: str | None = None,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        reply_to: int | JSON | None = None,
    ) -> JSON:
        """The user sends a file; the bot can getFile it and download the bytes."""
        if isinstance(source, bytes | bytearray):
            content = bytes(source)
            filename = filename or "document"
        else:
            path = Path(source)
            content = path.read_bytes()
            filename = filename or path.name
        stored = self._state.store_file(content, filename, mime_type or guess_mime_type(filename))
        fields: JSON = {"document": stored.document_json()}
        if caption:
            fields["caption"] = caption
        return self._send(fields, reply_to)

    def _find_button(self, button: str, message: int | JSON | None) -> tuple[JSON, JSON]:
        chat = self._chat
        if message is not None:
            message_id = message["message_id"] if isinstance(message, dict) else message
            candidates: Any = [int(message_id)]
        else:
            candidates = reversed(chat.bot_message_ids)
        for message_id in candidates:
            stored = chat.messages.get(message_id)
            if stored is None or not stored.from_bot:
                continue
            rows = (stored.data.get("reply_markup") or {}).get("inline_keyboard", [])
            for field in ("text", "callback_data"):
                for row in rows:
                    for candidate in row:
                        if candidate.get(field) == button:
                            return stored.data, candidate
        recent = [_summary(chat.messages[mid].data) for mid in chat.bot_message_ids[-5:]]
        raise AssertionError(
            f"{self!r}: no inline button {button!r} "
            f"{'on message ' + str(message) if message is not None else 'on any bot message'}; "
            f"latest bot messages: {recent}"
        )

    def tap(self, button: str, message: int | JSON | None = None) -> str:
        """Tap an inline button, found by its visible text or its callback_data on the newest
        bot message that has it (or on ``message``). Returns the callback query id."""
        with self._state.lock:
            self._ensure_can_write()
            data, found = self._find_button(button, message)
            if "callback_data" not in found:
                raise AssertionError(f"button {found!r} has no callback_data (a URL button?)")
            record = self._state.new_callback_query(
                self.id, data["message_id"], found["callback_data"]
            )
            self._state.enqueue_update(
                "callback_query",
                {
                    "id": record.id,
                    "from": self.to_json(),
                    "message": copy.deepcopy(data),
                    "chat_instance": self._chat.chat_instance,
                    "data": found["callback_data"],
                },
            )
            return record.id

    def block(self) -> None:
        """The user blocks the bot: sends give 403 "bot was blocked by the user"."""
        self._set_blocked(True)

    def unblock(self) -> None:
        """The user restarts the bot (the client sends nothing else by itself)."""
        self._set_blocked(False)

    def _set_blocked(self, blocked: bool) -> None:
        with self._state.lock:
            user = self._chat.user
            if user.blocked == blocked:
                return
            user.blocked = blocked
            if not blocked:
                user.started = True
            bot = self._state.bot_json()
            member = {"status": "member", "user": bot}
            kicked = {"status": "kicked", "user": bot, "until_date": 0}
            self._state.enqueue_update(
                "my_chat_member",
                {
                    "chat": self._chat.user.chat_json(),
                    "from": self.to_json(),
                    "date": self._state.now(),
                    "old_chat_member": kicked if not blocked else member,
                    "new_chat_member": kicked if blocked else member,
                },
            )
            self._state.fire(self._chat)

    @property
    def blocked(self) -> bool:
        return self._chat.user.blocked

    # --- reading ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[JSON]:
        """The bot's messages in this chat, oldest first, as they are now (edits applied,
        deleted ones gone)."""
        with self._state.lock:
            chat = self._chat
            return [copy.deepcopy(chat.messages[mid].data) for mid in chat.bot_message_ids]

    @property
    def last_message(self) -> JSON | None:
        with self._state.lock:
            chat = self._chat
            if not chat.bot_message_ids:
                return None
            return copy.deepcopy(chat.messages[chat.bot_message_ids[-1]].data)

    @property
    def history(self) -> list[JSON]:
        """Both sides of the chat in message-id order (current state)."""
        with self._state.lock:
            return [
                copy.deepcopy(self._chat.messages[mid].data) for mid in sorted(self._chat.messages)
            ]

    def message(self, message_id: int) -> JSON | None:
        with self._state.lock:
            stored = self._chat.messages.get(message_id)
            return copy.deepcopy(stored.data) if stored else None

    @property
    def unread(self) -> list[JSON]:
        """Bot messages after the read cursor (snapshots as sent), without consuming them."""
        with self._state.lock:
            return copy.deepcopy(self._chat.inbox[self._chat.cursor :])

    def mark_read(self) -> None:
        """Move the read cursors past everything received so far (messages and edits)."""
        with self._state.lock:
            self._chat.cursor = len(self._chat.inbox)
            self._chat.edit_cursor = len(self._chat.edits)

    @property
    def documents(self) -> list[SentDocument]:
        """Documents the bot sent to this user, with their bytes."""
        with self._state.lock:
            return list(self._chat.documents)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answerCallbackQuery calls for this user's taps."""
        with self._state.lock:
            return [a for a in self._state.callback_answers if a.user_id == self.id]

    @property
    def chat_actions(self) -> list[str]:
        with self._state.lock:
            return list(self._chat.actions)

    @property
    def deleted_message_ids(self) -> list[int]:
        with self._state.lock:
            return list(self._chat.deleted)

    # --- waiting ---------------------------------------------------------------------------

    def _describe(self, what: str) -> Callable[[], str]:
        def describe() -> str:
            chat = self._chat
            unread = [_summary(m) for m in chat.inbox[chat.cursor :]]
            seen = [_summary(m) for m in chat.inbox[max(0, chat.cursor - 5) : chat.cursor]]
            edits = [_summary(m) for m in chat.edits[chat.edit_cursor :]]
            return (
                f"{self!r}: timed out waiting for {what}. Unread bot messages: {unread}; "
                f"already read (last 5): {seen}; unread edits: {edits}; "
                f"blocked={chat.user.blocked}"
            )

        return describe

    def _messages_ready(self, count: int) -> Callable[[], list[JSON] | None]:
        def ready() -> list[JSON] | None:
            chat = self._chat
            if len(chat.inbox) - chat.cursor < count:
                return None
            batch = chat.inbox[chat.cursor : chat.cursor + count]
            chat.cursor += count
            return copy.deepcopy(batch)

        return ready

    def _match_ready(self, predicate: Predicate) -> Callable[[], JSON | None]:
        def ready() -> JSON | None:
            chat = self._chat
            while chat.cursor < len(chat.inbox):
                message = chat.inbox[chat.cursor]
                chat.cursor += 1
                if predicate(message):
                    return copy.deepcopy(message)
            return None

        return ready

    def _edit_ready(self, predicate: Predicate | None) -> Callable[[], JSON | None]:
        def ready() -> JSON | None:
            chat = self._chat
            while chat.edit_cursor < len(chat.edits):
                edited = chat.edits[chat.edit_cursor]
                chat.edit_cursor += 1
                if predicate is None or predicate(edited):
                    return copy.deepcopy(edited)
            return None

        return ready

    def _answer_ready(self, query_id: str | None) -> Callable[[], CallbackAnswer | None]:
        def ready() -> CallbackAnswer | None:
            for answer in reversed(self._state.callback_answers):
                if answer.user_id == self.id and query_id in (None, answer.callback_query_id):
                    return answer
            return None

        return ready

    def _timeout(self, timeout: float | None) -> float:
        return self._tg.default_timeout if timeout is None else timeout

    def wait_for_messages(self, count: int = 1, timeout: float | None = None) -> list[JSON]:
        """The next ``count`` new bot messages after the read cursor (consumes them)."""
        return self._signal.wait(
            self._messages_ready(count),
            self._timeout(timeout),
            self._describe(f"{count} message(s)"),
        )

    def wait_for(
        self, predicate: Predicate, timeout: float | None = None, what: str = "a matching message"
    ) -> JSON:
        """The next new bot message matching ``predicate``; messages before it are consumed."""
        return self._signal.wait(
            self._match_ready(predicate), self._timeout(timeout), self._describe(what)
        )

    def wait_for_text(self, substring: str, timeout: float | None = None) -> JSON:
        """The next new bot message whose text or caption contains ``substring``."""
        return self.wait_for(
            lambda m: substring in message_text(m), timeout, f"a message containing {substring!r}"
        )

    def wait_for_edit(
        self, predicate: Predicate | None = None, timeout: float | None = None
    ) -> JSON:
        """The next edit the bot made in this chat (the message after the edit)."""
        return self._signal.wait(
            self._edit_ready(predicate), self._timeout(timeout), self._describe("an edit")
        )

    def wait_for_callback_answer(
        self, query_id: str | None = None, timeout: float | None = None
    ) -> CallbackAnswer:
        """The bot's answer to ``query_id`` (default: the latest answer for this user)."""
        return self._signal.wait(
            self._answer_ready(query_id),
            self._timeout(timeout),
            self._describe(f"an answer to callback query {query_id}"),
        )

    def wait_for_document(self, timeout: float | None = None) -> JSON:
        """The next new bot message that carries a document."""
        return self.wait_for(lambda m: "document" in m, timeout, "a document")

    def wait_until(
        self,
        condition: Callable[[FakeUser], bool],
        timeout: float | None = None,
        what: str = "a condition",
    ) -> None:
        """Block until ``condition(user)`` holds (checked on every change in this chat)."""
        self._signal.wait(
            lambda: True if condition(self) else None, self._timeout(timeout), self._describe(what)
        )

    async def wait_for_messages_async(
        self, count: int = 1, timeout: float | None = None
    ) -> list[JSON]:
        return await self._signal.wait_async(
            self._messages_ready(count),
            self._timeout(timeout),
            self._describe(f"{count} message(s)"),
        )

    async def wait_for_async(
        self, predicate: Predicate, timeout: float | None = None, what: str = "a matching message"
    ) -> JSON:
        return await self._signal.wait_async(
            self._match_ready(predicate), self._timeout(timeout), self._describe(what)
        )

    async def wait_for_text_async(self, substring: str, timeout: float | None = None) -> JSON:
        return await self.wait_for_async(
            lambda m: substring in message_text(m), timeout, f"a message containing {substring!r}"
        )

    async def wait_for_edit_async(
        self, predicate: Predicate | None = None, timeout: float | None = None
    ) -> JSON:
        return await self._signal.wait_async(
            self._edit_ready(predicate), self._timeout(timeout), self._describe("an edit")
        )

    async def wait_for_callback_answer_async(
        self, query_id: str | None = None, timeout: float | None = None
    ) -> CallbackAnswer:
        return await self._signal.wait_async(
            self._answer_ready(query_id),
            self._timeout(timeout),
            self._describe(f"an answer to callback query {query_id}"),
        )

    async def wait_for_document_async(self, timeout: float | None = None) -> JSON:
        return await self.wait_for_async(lambda m: "document" in m, timeout, "a document")

    async def wait_until_async(
        self,
        condition: Callable[[FakeUser], bool],
        timeout: float | None = None,
        what: str = "a condition",
    ) -> None:
        await self._signal.wait_async(
            lambda: True if condition(self) else None, self._timeout(timeout), self._describe(what)
        )
