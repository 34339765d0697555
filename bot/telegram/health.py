"""GET /healthz: is the bot running and does the database answer?

200 `{"status": "ok", "db": "ok", "mode": "polling"}` when both hold; otherwise 503 with
`status` "starting", "stopping" or "error" and `db` "ok" or "error". The database is checked with
`SELECT 1` in a worker thread, at most once per request and within `DB_TIMEOUT` seconds.
The same handler serves the webhook server and, when NIANBAO_HEALTH_PORT is set, a small
server of its own (polling mode, or a port other than the webhook's).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

import sqlalchemy as sa
import tornado.httpserver
import tornado.web
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
DB_TIMEOUT = 5.0


@dataclass
class BotStatus:
    """Shared by the runner (which moves `phase` along) and the health handlers."""

    engine: Engine
    mode: str  # "polling" or "webhook"
    phase: str = "starting"  # "starting" → "running" → "stopping"


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


async def check(status: BotStatus) -> tuple[int, dict[str, str]]:
    """The HTTP status and JSON body of a health check."""
    try:
        await asyncio.wait_for(asyncio.to_thread(_ping, status.engine), DB_TIMEOUT)
        db = "ok"
    except Exception as exc:
        logger.warning("health check: database unavailable (%s)", type(exc).__name__)
        db = "error"
    healthy = "ok" if db == "ok" else "error"
    state = healthy if status.phase == "running" else status.phase
    body = {"status": state, "db": db, "mode": status.mode}
    return (200 if state == "ok" else 503), body


class HealthHandler(tornado.web.RequestHandler):
    def initialize(self, status: BotStatus) -> None:
        self.status = status

    async def get(self) -> None:
        code, body = await check(self.status)
        self.set_status(code)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


def health_routes(status: BotStatus) -> list[tuple[str, type, dict[str, object]]]:
    return [(HEALTH_PATH, HealthHandler, {"status": status})]


class QuietApplication(tornado.web.Application):
    """Only failures are logged per request (WARNING), without headers or bodies."""

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        code = handler.get_status()
        if code >= 400 and code not in (403, 503):  # those are logged where they arise
            logger.warning(
                "%s %s from %s: %d",
                handler.request.method,
                handler.request.path,
                handler.request.remote_ip,
                code,
            )


async def start_health_server(status: BotStatus, listen: str, port: int) -> HTTPServerHandle:
    app = QuietApplication(health_routes(status))  # type: ignore[arg-type]
    server = tornado.httpserver.HTTPServer(app, xheaders=True)
    server.listen(port, address=listen)
    logger.info("health endpoint on http://%s:%d%s", listen, port, HEALTH_PATH)
    return HTTPServerHandle(server)


class HTTPServerHandle:
    """A running tornado server that can be stopped once, waiting for its connections."""

    def __init__(self, server: tornado.httpserver.HTTPServer) -> None:
        self.server = server
        self.stopped = False

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.server.stop()
        await self.server.close_all_connections()
