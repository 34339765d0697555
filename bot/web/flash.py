"""What a post leaves for the page it redirects to (shown once): kept in the member's web
session row, so it survives the redirect without a cookie of its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from bot.chat.sheet import SaveResult
from bot.web.deps import Visit
from storage import web_accounts
from storage.db import session_scope


def set_flash(engine: Engine, visit: Visit, result: SaveResult | dict[str, Any]) -> None:
    flash = result.flash() if isinstance(result, SaveResult) else result
    with session_scope(engine) as session:
        web_accounts.set_flash(session, token_hash=visit.web_session.token_hash, flash=flash)


def take_flash(engine: Engine, visit: Visit) -> dict[str, Any]:
    with session_scope(engine) as session:
        return web_accounts.take_flash(session, visit.web_session)
