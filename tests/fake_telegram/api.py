"""The Bot API methods, implemented on :class:`BotState`.

Every method here is synchronous, runs on the server's event loop thread and holds the state
lock for its whole duration, so each call is atomic as seen by the tests. ``getUpdates`` (long
polling) and the webhook machinery live in :mod:`.server` because they wait.
"""

from __future__ import annotations

import copy
import json
import mimetypes
from collections.abc import Callable
from typing import Any

from . import errors
from .errors import ApiError, bad_request
from .limits import (
    CHAT_ACTIONS,
    MAX_DOWNLOAD_SIZE,
    MAX_UPLOAD_SIZE,
    FormattedText,
    RateLimiter,
    check_caption,
    check_inline_keyboard,
    check_message_text,
    echoed_markup,
    parse_commands,
    parse_reply_markup,
    parse_text,
)
from .params import Params
from .state import (
    JSON,
    BotState,
    CallbackAnswer,
    Chat,
    SentDocument,
    StoredMessage,
    WebhookConfig,
)

MAX_CALLBACK_ANSWER_LENGTH = 200
# How long Telegram lets a bot answer a callback query (the client gives up after about 15 s).
CALLBACK_ANSWER_TIMEOUT = 15.0

Method = Callable[[Params], Any]

# Everything BotApi answers (getUpdates is the server's). Telegram's method names are
# case-insensitive.
METHOD_NAMES = (
    "getMe",
    "logOut",
    "close",
    "getChat",
    "sendMessage",
    "sendDocument",
    "sendChatAction",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "getFile",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "getMyDescription",
    "setMyShortDescription",
    "getMyShortDescription",
    "setMyName",
    "getMyName",
    "setChatMenuButton",
    "getChatMenuButton",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
)


def _formatted(p: Params, text_field: str, entities_field: str) -> FormattedText | None:
    raw = p.text(text_field)
    if raw is None:
        return None
    entities = p.json_value(entities_field, "message entities") if p.has(entities_field) else None
    # Explicit entities win over parse_mode, as in the Bot API.
    parse_mode = None if entities else p.text("parse_mode")
    return parse_text(raw, parse_mode, entities)


def _sent_fields(
    p: Params, reply: JSON | None, content: JSON, markup: dict[str, Any] | None
) -> JSON:
    """A bot message's fields: the message it replies to, `content`, protection, keyboard."""
    fields: JSON = {}
    if reply is not None:
        fields["reply_to_message"] = reply
    fields.update(content)
    if p.flag("protect_content"):
        fields["has_protected_content"] = True
    if (shown := echoed_markup(markup)) is not None:
        fields["reply_markup"] = shown
    return fields


def guess_mime_type(file_name: str | None, fallback: str | None = None) -> str:
    if file_name:
        guessed, _ = mimetypes.guess_type(file_name, strict=False)
        if guessed:
            return guessed
    if fallback and fallback != "application/octet-stream":
        return fallback
    return "application/octet-stream"


class BotApi:
    def __init__(
        self,
        state: BotState,
        limiter: RateLimiter,
        on_webhook_change: Callable[[str], None] = lambda reason: None,
    ) -> None:
        self.state = state
        self.limiter = limiter
        self.on_webhook_change = on_webhook_change
        self.callback_answer_timeout = CALLBACK_ANSWER_TIMEOUT
        self.methods: dict[str, Method] = {
            name.lower(): getattr(self, name) for name in METHOD_NAMES
        }

    def call(self, method: str, params: Params) -> Any:
        handler = self.methods.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        with self.state.lock:
            return handler(params)

    # --- helpers ---------------------------------------------------------------------------

    def get_chat_of(self, p: Params, name: str = "chat_id") -> Chat:
        raw = p.get(name)
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(str(raw).strip())
        except ValueError:
            # "@username" only resolves channels and supergroups; private chats never.
            raise ApiError(400, errors.CHAT_NOT_FOUND) from None
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, errors.CHAT_NOT_FOUND)
        return chat

    @staticmethod
    def get_writable(chat: Chat) -> Chat:
        if chat.user.blocked:
            raise ApiError(403, errors.BOT_BLOCKED)
        if not chat.user.started:
            raise ApiError(403, errors.CANT_INITIATE)
        return chat

    def get_reply(self, chat: Chat, p: Params) -> JSON | None:
        reply = (
            p.json_value("reply_parameters", "reply parameters")
            if p.has("reply_parameters")
            else None
        )
        message_id: int | None
        allow_missing = p.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if reply.get("chat_id") not in (None, chat.id, str(chat.id)):
                raise bad_request("message to be replied not found")
        else:
            message_id = p.integer("reply_to_message_id")
        if not message_id:
            return None
        stored = chat.messages.get(int(message_id))
        if stored is None:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        replied = copy.deepcopy(stored.data)
        replied.pop("reply_to_message", None)
        return replied

    def get_message_to_edit(self, p: Params) -> tuple[Chat, StoredMessage]:
        if p.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.get_writable(self.get_chat_of(p))
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = chat.messages.get(message_id)
        if stored is None:
            raise ApiError(400, errors.MESSAGE_TO_EDIT_NOT_FOUND)
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    def get_markup(self, p: Params) -> JSON | None:
        markup = parse_reply_markup(p.get("reply_markup"))
        check_inline_keyboard(markup)
        return markup

    def store_edit(self, chat: Chat, stored: StoredMessage, changes: JSON) -> JSON:
        data = stored.data
        for key, value in changes.items():
            if value is None or value == []:
                data.pop(key, None)
            else:
                data[key] = value
        data["edit_date"] = self.state.now()
        self.state.record_edit(chat, data)
        return copy.deepcopy(data)

    # --- the bot ---------------------------------------------------------------------------

    def getMe(self, p: Params) -> JSON:
        return self.state.bot_json(full=True)

    def logOut(self, p: Params) -> bool:
        return True

    def close(self, p: Params) -> bool:
        return True

    def getChat(self, p: Params) -> JSON:
        chat = self.get_chat_of(p)
        data = chat.user.chat_json()
        data.update(
            accent_color_id=chat.user.id % 7,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        )
        return data

    # --- sending ---------------------------------------------------------------------------

    def sendMessage(self, p: Params) -> JSON:
        chat = self.get_writable(self.get_chat_of(p))
        markup = self.get_markup(p)
        text = _formatted(p, "text", "entities")
        if text is None:
            raise ApiError(400, errors.MESSAGE_TEXT_EMPTY)
        check_message_text(text)
        reply = self.get_reply(chat, p)
        self.limiter.acquire(chat.id)
        content: JSON = {"text": text.text}
        if text.entities:
            content["entities"] = text.entities
        fields = _sent_fields(p, reply, content, markup)
        return self.state.new_message(chat, from_bot=True, fields=fields)

    def sendDocument(self, p: Params) -> JSON:
        chat = self.get_writable(self.get_chat_of(p))
        markup = self.get_markup(p)
        caption = _formatted(p, "caption", "caption_entities")
        if caption is not None:
            check_caption(caption)
        upload = p.file("document")
        if upload is not None:
            if not upload.content:
                raise bad_request("file must be non-empty")
            if len(upload.content) > MAX_UPLOAD_SIZE:
                raise ApiError(413, "Request Entity Too Large")
            file_name = upload.filename or "document"
            stored_file = None
        else:
            reference = p.text("document")
            if not reference:
                raise bad_request("there is no document in the request")
            stored_file = self.state.files.get(reference)
            if stored_file is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            file_name = stored_file.file_name or "document"
        reply = self.get_reply(chat, p)
        self.limiter.acquire(chat.id)
        if stored_file is None:
            assert upload is not None
            stored_file = self.state.store_file(
                upload.content, file_name, guess_mime_type(file_name, upload.content_type)
            )
        content: JSON = {"document": stored_file.document_json()}
        if caption is not None and caption.text:
            content["caption"] = caption.text
            if caption.entities:
                content["caption_entities"] = caption.entities
        fields = _sent_fields(p, reply, content, markup)
        message = self.state.new_message(chat, from_bot=True, fields=fields)
        chat.documents.append(
            SentDocument(
                message_id=message["message_id"],
                file_id=stored_file.file_id,
                file_name=stored_file.file_name,
                mime_type=stored_file.mime_type,
                content=stored_file.content,
                caption=fields.get("caption"),
            )
        )
        return message

    def sendChatAction(self, p: Params) -> bool:
        chat = self.get_writable(self.get_chat_of(p))
        action = p.text("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        with self.state.changed:
            chat.actions.append(action)
            self.state.fire(chat)
        return True

    # --- editing ---------------------------------------------------------------------------

    def editMessageText(self, p: Params) -> JSON:
        chat, stored = self.get_message_to_edit(p)
        markup = self.get_markup(p)
        text = _formatted(p, "text", "entities")
        if text is None:
            raise ApiError(400, errors.MESSAGE_TEXT_EMPTY)
        check_message_text(text)
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        shown = echoed_markup(markup)
        data = stored.data
        if (
            data.get("text") == text.text
            and data.get("entities", []) == text.entities
            and data.get("reply_markup") == shown
        ):
            raise ApiError(400, errors.NOT_MODIFIED)
        self.limiter.acquire(chat.id)
        return self.store_edit(
            chat, stored, {"text": text.text, "entities": text.entities, "reply_markup": shown}
        )

    def editMessageCaption(self, p: Params) -> JSON:
        chat, stored = self.get_message_to_edit(p)
        markup = self.get_markup(p)
        caption = _formatted(p, "caption", "caption_entities") or FormattedText("", [])
        check_caption(caption)
        if "text" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        shown = echoed_markup(markup)
        data = stored.data
        if (
            data.get("caption", "") == caption.text
            and data.get("caption_entities", []) == caption.entities
            and data.get("reply_markup") == shown
        ):
            raise ApiError(400, errors.NOT_MODIFIED)
        self.limiter.acquire(chat.id)
        return self.store_edit(
            chat,
            stored,
            {
                "caption": caption.text or None,
                "caption_entities": caption.entities,
                "reply_markup": shown,
            },
        )

    def editMessageReplyMarkup(self, p: Params) -> JSON:
        chat, stored = self.get_message_to_edit(p)
        shown = echoed_markup(self.get_markup(p))
        if stored.data.get("reply_markup") == shown:
            raise ApiError(400, errors.NOT_MODIFIED)
        self.limiter.acquire(chat.id)
        return self.store_edit(chat, stored, {"reply_markup": shown})

    def deleteMessage(self, p: Params) -> bool:
        chat = self.get_chat_of(p)
        message_id = p.integer("message_id")
        if message_id is None or message_id not in chat.messages:
            raise bad_request("message to delete not found")
        with self.state.changed:
            stored = chat.messages.pop(message_id)
            if stored.from_bot:
                chat.bot_message_ids.remove(message_id)
            chat.deleted.append(message_id)
            self.state.fire(chat)
        return True

    # --- callback queries ------------------------------------------------------------------

    def answerCallbackQuery(self, p: Params) -> bool:
        query_id = p.text("callback_query_id")
        record = self.state.callback_queries.get(query_id or "")
        if record is None or record.answered:
            raise ApiError(400, errors.QUERY_TOO_OLD)
        if self.state.clock() - record.created_at > self.callback_answer_timeout:
            record.expired = True
            raise ApiError(400, errors.QUERY_TOO_OLD)
        text = p.text("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        with self.state.changed:
            record.answered = True
            self.state.callback_answers.append(
                CallbackAnswer(
                    callback_query_id=record.id,
                    user_id=record.user_id,
                    data=record.data,
                    text=text or None,
                    show_alert=p.flag("show_alert"),
                    url=p.text("url"),
                    cache_time=p.integer("cache_time", 0) or 0,
                )
            )
            self.state.fire(self.state.chats.get(record.user_id))
        return True

    # --- files -----------------------------------------------------------------------------

    def getFile(self, p: Params) -> JSON:
        file_id = p.text("file_id")
        if not file_id:
            raise bad_request("file_id not specified")
        stored = self.state.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # --- commands and bot texts ------------------------------------------------------------

    def _command_key(self, p: Params) -> tuple[str, str]:
        scope = p.json_value("scope", "bot command scope") if p.has("scope") else None
        if scope is None:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        language = p.text("language_code") or ""
        if language and (len(language) != 2 or not language.isalpha()):
            raise bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    def setMyCommands(self, p: Params) -> bool:
        commands = parse_commands(p.get("commands"))
        key = self._command_key(p)
        with self.state.changed:
            if commands:
                self.state.commands[key] = commands
            else:
                self.state.commands.pop(key, None)
            self.state.fire()
        return True

    def getMyCommands(self, p: Params) -> list[JSON]:
        return copy.deepcopy(self.state.commands.get(self._command_key(p), []))

    def deleteMyCommands(self, p: Params) -> bool:
        key = self._command_key(p)
        with self.state.changed:
            self.state.commands.pop(key, None)
            self.state.fire()
        return True

    def _set_bot_text(self, p: Params, kind: str, field: str, limit: int) -> bool:
        value = p.text(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        self.state.bot_texts[(kind, p.text("language_code") or "")] = value
        return True

    def _get_bot_text(self, p: Params, kind: str, field: str) -> JSON:
        return {field: self.state.bot_texts.get((kind, p.text("language_code") or ""), "")}

    def setMyDescription(self, p: Params) -> bool:
        return self._set_bot_text(p, "description", "description", 512)

    def getMyDescription(self, p: Params) -> JSON:
        return self._get_bot_text(p, "description", "description")

    def setMyShortDescription(self, p: Params) -> bool:
        return self._set_bot_text(p, "short_description", "short_description", 120)

    def getMyShortDescription(self, p: Params) -> JSON:
        return self._get_bot_text(p, "short_description", "short_description")

    def setMyName(self, p: Params) -> bool:
        return self._set_bot_text(p, "name", "name", 64)

    def getMyName(self, p: Params) -> JSON:
        name = self._get_bot_text(p, "name", "name")
        return {"name": name["name"] or self.state.bot_first_name}

    def setChatMenuButton(self, p: Params) -> bool:
        button = p.json_value("menu_button", "menu button") if p.has("menu_button") else None
        self.state.menu_buttons[p.integer("chat_id")] = button or {"type": "default"}
        return True

    def getChatMenuButton(self, p: Params) -> JSON:
        return self.state.menu_buttons.get(p.integer("chat_id"), {"type": "commands"})

    # --- webhook ---------------------------------------------------------------------------

    def setWebhook(self, p: Params) -> bool:
        url = (p.text("url") or "").strip()
        if p.has("allowed_updates"):
            self.state.allowed_updates = p.json_value("allowed_updates", "allowed updates") or None
        if p.flag("drop_pending_updates"):
            self.state.drop_pending_updates()
        if not url:
            return self.deleteWebhook(p)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.text("secret_token") or None
        if secret is not None and (
            len(secret) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        with self.state.changed:
            self.state.webhook = WebhookConfig(
                url=url, secret_token=secret, max_connections=p.integer("max_connections", 40) or 40
            )
            self.state.webhook_last_error = None
            self.state.fire()
        self.on_webhook_change("set")
        return True

    def deleteWebhook(self, p: Params) -> bool:
        if p.flag("drop_pending_updates"):
            self.state.drop_pending_updates()
        with self.state.changed:
            was_set = self.state.webhook is not None
            self.state.webhook = None
            self.state.fire()
        if was_set:
            self.on_webhook_change("deleted")
        return True

    def getWebhookInfo(self, p: Params) -> JSON:
        webhook = self.state.webhook
        info: JSON = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if self.state.allowed_updates:
                info["allowed_updates"] = list(self.state.allowed_updates)
            if self.state.webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.state.webhook_last_error
        return info
