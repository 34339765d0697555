"""What every route takes: the database, the signed-in member and the CSRF check.

The only place a request becomes a member. Every report a route touches is then read through
storage with that member as the actor (`storage.access`), so a forged id in a URL or a form
reaches nothing outside the member's scope.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat.review import ReviewDesk
from bot.chat.sheet import ReportSheet
from bot.chat.uploads import ReportUploads
from bot.config import Settings
from storage import web_accounts
from storage.db import session_scope
from storage.models import Member, WebSession

SESSION_COOKIE = "nianbao_session"
# Before sign-in there is no session to hold a CSRF token: the forms then use a cookie
# (double submit; the cookie is SameSite=Strict and HttpOnly).
ANON_CSRF_COOKIE = "nianbao_csrf"


class NotSignedIn(Exception):
    """The route needs a member; pages redirect to the sign-in page."""


class CsrfRefused(Exception):
    """A form or request without the right CSRF token."""


@dataclass(frozen=True)
class Visit:
    web_session: WebSession
    member: Member
    token: str

    @property
    def csrf(self) -> str:
        return self.web_session.csrf_token


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_sheet(request: Request) -> ReportSheet:
    return request.app.state.sheet


def get_uploads(request: Request) -> ReportUploads:
    return request.app.state.uploads


def get_desk(request: Request) -> ReviewDesk:
    return request.app.state.desk


DbEngine = Annotated[Engine, Depends(get_engine)]
Desk = Annotated[ReviewDesk, Depends(get_desk)]
Sheets = Annotated[ReportSheet, Depends(get_sheet)]
Uploads = Annotated[ReportUploads, Depends(get_uploads)]


def optional_visit(request: Request, engine: DbEngine) -> Visit | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 100:
        return None
    with session_scope(engine) as session:
        found = web_accounts.find_session(session, token=token)
    if found is None:
        return None
    return Visit(found[0], found[1], token)


OptionalVisit = Annotated[Visit | None, Depends(optional_visit)]


def signed_in_within(request: Request, sent_csrf: str | None) -> Callable[[Session], Member]:
    """For a route that writes at once: how to find the signed-in member inside the route's
    own write transaction (a statement there instead of a transaction of its own), with the
    CSRF check. Not signed in or the wrong token: the same refusals as `SignedIn` and
    `CsrfChecked`, and the transaction is rolled back."""
    token = request.cookies.get(SESSION_COOKIE)

    def find(session: Session) -> Member:
        if not token or len(token) > 100:
            raise NotSignedIn
        found = web_accounts.find_session(session, token=token)
        if found is None:
            raise NotSignedIn
        web_session, member = found
        if not sent_csrf or not hmac.compare_digest(sent_csrf, web_session.csrf_token):
            raise CsrfRefused
        return member

    return find


def require_visit(visit: OptionalVisit) -> Visit:
    if visit is None:
        raise NotSignedIn
    return visit


SignedIn = Annotated[Visit, Depends(require_visit)]


def anon_csrf(request: Request) -> str:
    """The CSRF token of a visitor not signed in (set as a cookie by the page's response)."""
    token = request.cookies.get(ANON_CSRF_COOKIE)
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
        request.state.new_anon_csrf = token
    return token


async def verify_csrf(request: Request, visit: OptionalVisit) -> None:
    """Every POST: the token from the form (or the X-CSRF-Token header of the page's script)
    must match the session's, or before sign-in the CSRF cookie."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    expected = visit.csrf if visit is not None else request.cookies.get(ANON_CSRF_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused


CsrfChecked = Depends(verify_csrf)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
