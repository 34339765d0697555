"""`nianbao web`: the web front end under uvicorn, stopped cleanly by SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import date

import uvicorn

from bot.chat.clock import today_in_settings_zone
from bot.config import Settings
from bot.web.app import create_app
from bot.web.warm import warm
from storage.db import make_engine, upgrade_database

logger = logging.getLogger(__name__)
# A member pauses between cells to read the paper they copy from: their browser's
# connection is kept that long rather than opened again (nginx keeps its own for 75 s).
KEEP_ALIVE_SECONDS = 75


def run_web(
    settings: Settings,
    *,
    host: str,
    port: int,
    forwarded_allow_ips: str | None = None,
    today: Callable[[], date] = today_in_settings_zone,
) -> None:
    """Serve until SIGTERM/SIGINT; uvicorn finishes the requests in flight, then the
    database connections are closed.

    `forwarded_allow_ips`: the reverse proxies (addresses, or "*") whose X-Forwarded-For and
    X-Forwarded-Proto are believed, so that sign-in attempts are counted per browser's
    address rather than all against the proxy's. None: the headers are ignored.
    `today` decides which year's report is current (the benchmark fixes it).
    """
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    app = create_app(settings, engine=engine, today=today)
    warm(app)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=10,
    )
    # uvicorn handles SIGTERM/SIGINT itself, then raises the signal again for the handler
    # that was installed before it: a no-op here, so a requested stop exits with status 0.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda signum, frame: None)
    try:
        uvicorn.Server(config).run()
    finally:
        engine.dispose()
        logger.info("web server stopped")
