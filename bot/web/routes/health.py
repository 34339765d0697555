"""GET /healthz: does this web process serve and does the database answer? For load balancers
and the Docker image's HEALTHCHECK (deploy/healthcheck.py), as the bot's /healthz.

200 `{"status": "ok", "db": "ok", "mode": "web"}`; 503 with `"status": "error", "db": "error"`
when `SELECT 1` fails or takes longer than `DB_TIMEOUT` seconds.
"""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from bot.web.deps import DbEngine

logger = logging.getLogger(__name__)
router = APIRouter()
DB_TIMEOUT = 5.0


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


@router.get("/healthz")
async def healthz(engine: DbEngine) -> JSONResponse:
    try:
        await asyncio.wait_for(run_in_threadpool(_ping, engine), DB_TIMEOUT)
    except Exception as exc:
        logger.warning("health check: database unavailable (%s)", type(exc).__name__)
        return JSONResponse({"status": "error", "db": "error", "mode": "web"}, status_code=503)
    return JSONResponse({"status": "ok", "db": "ok", "mode": "web"})
