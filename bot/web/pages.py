"""Rendering a page, redirecting after a post, and the session cookie."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from bot.web.deps import ANON_CSRF_COOKIE, SESSION_COOKIE, Visit, anon_csrf
from storage.web_accounts import SESSION_TTL


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    visit: Visit | None,
    status_code: int = 200,
) -> Response:
    """A page; forms on it carry the session's CSRF token (before sign-in, the cookie's)."""
    csrf = visit.csrf if visit is not None else anon_csrf(request)
    templates = request.app.state.templates
    response = templates.TemplateResponse(
        request,
        template,
        {"visit": visit, "csrf": csrf, **context},
        status_code=status_code,
    )
    token = getattr(request.state, "new_anon_csrf", None)
    if token:
        response.set_cookie(
            ANON_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.web_secure_cookies,
        )
    return response


def redirect(url: str) -> RedirectResponse:
    """After a post: 303, so a reload does not post again."""
    return RedirectResponse(url, status_code=303)


def signed_in(request: Request, response: Response, token: str) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.web_secure_cookies,
    )
    response.delete_cookie(ANON_CSRF_COOKIE)
    return response
