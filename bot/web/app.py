"""`create_app(settings)`: the FastAPI application of the web front end."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.chat.clock import today_in_settings_zone
from bot.chat.review import ReviewDesk
from bot.chat.sheet import ReportSheet
from bot.chat.uploads import MAX_UPLOAD_BYTES, ReportUploads
from bot.config import Settings
from bot.web.deps import CsrfRefused, NotSignedIn
from bot.web.notify import TelegramNotices
from bot.web.routes import admin, admin_people, auth, health, report, submission, supervise
from storage.db import make_engine
from storage.errors import NotFound, PermissionDenied, StorageError
from storage.overview import REVIEW_ROLES

HERE = Path(__file__).resolve().parent
# A form's fields and a pasted block; the narratives are at most 20,000 characters.
FORM_BYTES = 1024 * 1024
UPLOAD_FORM_OVERHEAD = 64 * 1024
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Sign-in links carry a token in their path: never sent on to another site.
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Adds the headers above to every response (plain ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body larger than the route could want before anything reads it: an
    upload may be a Word report (20 MB, as the chat takes), any other form far less."""

    MESSAGE = "提交的内容过大（上传的报告文件不超过 20 MB），未执行操作。"

    def __init__(self, app: ASGIApp, *, upload_bytes: int, form_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.form_bytes = form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if scope["path"].endswith("/upload") else self.form_bytes
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:  # a body sent without a length
                raise RuntimeError("request body over the limit")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Send) -> None:
        body = f"<!doctype html><meta charset=utf-8><p>{self.MESSAGE}</p>".encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _asset_versions() -> dict[str, str]:
    """Static files' content hashes, appended to their URLs so a new release is fetched."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in (HERE / "static").iterdir()
        if path.is_file()
    }


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    today: Callable[[], date] = today_in_settings_zone,
) -> FastAPI:
    """The app on `engine` (else one for the settings' database); `today` decides which
    year's report is current (tests fix it)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    engine = engine or make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sheet = ReportSheet(engine, today=today)
    app.state.uploads = ReportUploads(engine, today=today)
    app.state.desk = ReviewDesk(engine, today=today)
    app.state.notices = TelegramNotices(settings, engine)
    templates = Jinja2Templates(directory=HERE / "templates")
    versions = _asset_versions()

    def static_url(name: str) -> str:
        return f"/static/{name}?v={versions.get(name, '')}"

    templates.env.globals["static_url"] = static_url
    # The navigation offers the supervisor pages to exactly those require_reviewer admits.
    templates.env.globals["REVIEW_ROLES"] = REVIEW_ROLES
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(auth.router)
    app.include_router(health.router)
    app.include_router(report.router)
    app.include_router(submission.router)
    app.include_router(supervise.router)
    app.include_router(admin.router)
    app.include_router(admin_people.router)

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": "登录已过期，请刷新页面后重新登录。"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        message = "页面已过期或来源不明，未执行操作。请刷新页面后重试。"
        return _error(request, message, 403)

    @app.exception_handler(PermissionDenied)
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: StorageError) -> Response:
        # The same answer for "not there" and "not yours": ids reveal nothing.
        return _error(request, "未找到该页面，或您无权访问。", 404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {
            403: "该页面仅供上级单位的督导人员和管理员使用，您的账号无权访问。",
            404: "未找到该页面，或您无权访问。",
            405: "不支持该操作。",
        }
        # A route may say why in Chinese (the administration pages' 403); else the default.
        if exc.detail != HTTPStatus(exc.status_code).phrase:
            message = exc.detail
        else:
            message = messages.get(exc.status_code, "请求无法处理。")
        return _error(request, message, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_form(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, "提交的内容不完整或格式不正确，请刷新页面后重试。", 400)

    @app.exception_handler(StorageError)
    async def refused(request: Request, exc: StorageError) -> Response:
        return _error(request, str(exc), 400)

    def _error(request: Request, message: str, status: int) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=status)
        return templates.TemplateResponse(
            request, "error.html", {"message": message, "visit": None}, status_code=status
        )

    app.add_middleware(
        BodyLimit, upload_bytes=MAX_UPLOAD_BYTES + UPLOAD_FORM_OVERHEAD, form_bytes=FORM_BYTES
    )
    app.add_middleware(SecurityHeaders)
    return app


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")
