"""Bot API error replies, worded exactly as Telegram words them.

python-telegram-bot maps the HTTP status (not the JSON ``error_code``) to its exception classes
(400 -> BadRequest, 401/404 -> InvalidToken, 403 -> Forbidden, 409 -> Conflict, and
``parameters.retry_after`` -> RetryAfter), so status and body must agree the way they do on the
real server.
"""

from __future__ import annotations

from typing import Any

# Descriptions the fake uses in several places. Each is the real Bot API text.
CHAT_NOT_FOUND = "Bad Request: chat not found"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
MESSAGE_TEXT_EMPTY = "Bad Request: message text is empty"
MESSAGE_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
POLL_TERMINATED_BY_WEBHOOK = "Conflict: terminated by setWebhook request"

# What nginx in front of the Bot API answers when the backend is down. It is HTML, not JSON,
# which is exactly why python-telegram-bot turns it into a NetworkError.
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
}


class ApiError(Exception):
    """A Bot API failure: becomes ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.description!r})"


def bad_request(text: str) -> ApiError:
    """400 with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, text if text.startswith("Bad Request") else f"Bad Request: {text}")


def too_many_requests(retry_after: int) -> ApiError:
    retry_after = max(1, int(retry_after))
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def default_description(status: int) -> str:
    return _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
