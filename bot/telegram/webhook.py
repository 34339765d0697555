"""The webhook server: Telegram POSTs updates here; GET /healthz answers health checks.

Our own small tornado server rather than PTB's `Updater.start_webhook`, because we need a
second route (/healthz) on the same port, a constant-time secret comparison, a 503 while
shutting down (so Telegram keeps the update and delivers it again later) and control of
what is logged. See docs/architecture.md.

Every POST to the webhook path must carry `X-Telegram-Bot-Api-Secret-Token` equal to the
secret given to setWebhook; without it, or with a wrong one, the answer is 403 and the body is
not even parsed. Accepted updates go into `application.update_queue`, the same queue long
polling fills, and the answer is 200 at once: Telegram does not wait for our replies.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.telegram.health import (
    HEALTH_PATH,
    BotStatus,
    HTTPServerHandle,
    QuietApplication,
    health_routes,
)
from bot.telegram.inbox import InboxQueue

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's rule for secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and -.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# An update is small; documents arrive as file ids, not bytes.
MAX_BODY_BYTES = 1024 * 1024
# Bodies up to this size are read (and dropped) to answer 413 cleanly; larger ones are cut off.
DISCARD_LIMIT = 64 * 1024 * 1024


def generate_secret() -> str:
    """43 random characters from A-Za-z0-9_- (256 bits)."""
    return secrets.token_urlsafe(32)


def valid_secret(secret: str) -> bool:
    return SECRET_PATTERN.fullmatch(secret) is not None


def webhook_path(url: str) -> str:
    """The path Telegram will POST to, which is also the path we serve (nginx keeps it)."""
    return urlsplit(url).path or "/"


def check_webhook_url(url: str) -> str | None:
    """None if usable, else what is wrong (Chinese, for the operator)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"Webhook 地址无效：{url}（应为 https://域名/路径）"
    if webhook_path(url) == HEALTH_PATH:
        return f"Webhook 路径不能是 {HEALTH_PATH}"
    return None


@tornado.web.stream_request_body
class TelegramUpdateHandler(tornado.web.RequestHandler):
    """Streams the body in so that an oversized one gets a clean 413: with the server's own
    limit tornado would answer 400 and close the connection while the client still sends.
    Past `MAX_BODY_BYTES` the rest is read and dropped; past `DISCARD_LIMIT` (declared in
    Content-Length) the 413 goes at once and the connection is closed."""

    def initialize(
        self, bot_app: Application[Any, Any, Any, Any, Any, Any], secret: str, status: BotStatus
    ) -> None:
        self.bot_app = bot_app
        self.secret = secret
        self.status = status
        self.chunks: list[bytes] = []
        self.received = 0

    def prepare(self) -> None:
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > DISCARD_LIMIT:
            self.send_error(413)

    def data_received(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received <= MAX_BODY_BYTES:
            self.chunks.append(chunk)
        else:
            self.chunks.clear()

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), self.secret.encode()):
            # Nothing about the body is looked at, and nothing of it is logged.
            reason = "missing" if given is None else "wrong"
            logger.warning(
                "webhook request refused: %s secret token, from %s", reason, self.request.remote_ip
            )
            self.send_error(403)
            return
        if self.status.phase == "stopping" or not self.bot_app.running:
            # Telegram retries a non-2xx delivery later, so the update is not lost.
            self.send_error(503)
            return
        if self.received > MAX_BODY_BYTES:
            self.send_error(413)
            return
        try:
            data = json.loads(b"".join(self.chunks))
            update = Update.de_json(data, self.bot_app.bot)
        except Exception:
            logger.warning("webhook request with an unreadable update refused")
            self.send_error(400)
            return
        queue = self.bot_app.update_queue
        await queue.put(update)
        if isinstance(queue, InboxQueue):
            await queue.flush()  # stored before Telegram hears 200
        self.set_status(200)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # A plain body; never echo the request or a traceback.
        self.finish(f"{status_code}\n")


async def start_webhook_server(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    status: BotStatus,
    url: str,
    secret: str,
    listen: str,
    port: int,
) -> HTTPServerHandle:
    """Serve the webhook path and /healthz on `listen`:`port` (the bot is told separately)."""
    routes: list[Any] = [
        (
            re.escape(webhook_path(url)),
            TelegramUpdateHandler,
            {"bot_app": application, "secret": secret, "status": status},
        ),
        *health_routes(status),
    ]
    app = QuietApplication(routes)
    server = tornado.httpserver.HTTPServer(app, xheaders=True, max_body_size=DISCARD_LIMIT)
    server.listen(port, address=listen)
    logger.info("webhook server on http://%s:%d%s", listen, port, webhook_path(url))
    return HTTPServerHandle(server)
