"""A fake Telegram Bot API server for end-to-end tests (real HTTP on 127.0.0.1).

See README.md in this directory.
"""

from .entities import utf16_len
from .errors import ApiError
from .server import DEFAULT_TOKEN, FakeTelegram
from .state import CallbackAnswer, RequestRecord, SentDocument, WebhookDelivery
from .users import FakeUser, buttons, message_text

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "CallbackAnswer",
    "FakeTelegram",
    "FakeUser",
    "RequestRecord",
    "SentDocument",
    "WebhookDelivery",
    "buttons",
    "message_text",
    "utf16_len",
]
