"""The fake Bot API server: real HTTP on 127.0.0.1, its own thread and event loop.

    with FakeTelegram() as tg:
        app = ApplicationBuilder().token(tg.token).base_url(tg.base_url)
              .base_file_url(tg.base_file_url).build()
        user = tg.user(first_name="张三")
        user.send_command("start")
        user.wait_for_text("欢迎")

See README.md in this directory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from . import errors
from .api import BotApi
from .errors import ApiError
from .limits import Fault, FaultPlan, RateLimiter
from .params import Params, UploadedFile
from .state import (
    JSON,
    BotState,
    CallbackAnswer,
    RequestRecord,
    User,
    WebhookDelivery,
)
from .users import FakeUser

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-token"
DEFAULT_TIMEOUT = 10.0
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _json_response(status: int, body: JSON) -> web.Response:
    return web.Response(
        status=status, text=_dumps(body), content_type="application/json", charset="utf-8"
    )


class FakeTelegram:
    """A fake Telegram Bot API server for one bot. Thread-safe; see README.md."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "nianbao_test_bot",
        bot_first_name: str = "年报助手",
        host: str = "127.0.0.1",
        port: int = 0,
        default_timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not _TOKEN_SHAPE.match(token):
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.host = host
        self.default_timeout = default_timeout
        self.state = BotState(
            bot_id=int(token.split(":", 1)[0]),
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            clock=clock,
            wall_clock=wall_clock,
        )
        self.limiter = RateLimiter(clock)
        self.faults = FaultPlan()
        self.api = BotApi(self.state, self.limiter, on_webhook_change=self._webhook_changed)
        # Webhook delivery: pause between retries of a refused update, attempts per update.
        self.webhook_retry_delay = 0.05
        self.webhook_max_attempts = 3
        self.webhook_timeout = 10.0
        # Seconds every call but getUpdates takes to answer: the round trip to Telegram, which
        # on loopback is otherwise a fraction of a millisecond.
        self.response_delay = 0.0
        # Called on the server's thread as `hook(record, stage)`: at stage "received" before
        # a request is carried out (returning True drops it unanswered: for a hook that has
        # just killed the bot), at "answered" after it was, before the bot hears the answer.
        self.request_hook: Callable[[RequestRecord, str], bool | None] | None = None
        # Called on the server's thread after each webhook delivery attempt was recorded.
        self.delivery_hook: Callable[[WebhookDelivery], None] | None = None

        self._requested_port = port
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closing = False
        self._poll_generation = 0
        self._poll_waiters: set[asyncio.Future[None]] = set()
        self._webhook_generation = 0
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wake: asyncio.Event | None = None
        self._users: dict[int, FakeUser] = {}
        self._next_user_id = 10_000_001
        self.state.add_update_listener(self._on_update)

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._closing

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / TELEGRAM_BASE_URL (PTB appends token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` / TELEGRAM_BASE_FILE_URL."""
        return f"{self.url}/file/bot"

    def start(self) -> FakeTelegram:
        if self._thread is not None:
            raise RuntimeError("FakeTelegram already started")
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="fake-telegram", daemon=True
        )
        self._thread.start()
        started.result(timeout=30)
        return self

    def stop(self) -> None:
        """End pending long polls at once, stop webhook delivery, close the server."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or self._closing:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            future.result(timeout=15)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=15)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeTelegram:
        return self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        # In a thread, so that a webhook receiver on the caller's loop can still answer.
        await asyncio.to_thread(self.stop)

    def _run(self, started: concurrent.futures.Future[None]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:
            started.set_exception(exc)
            loop.close()
            return
        started.set_result(None)
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self) -> None:
        self._webhook_wake = asyncio.Event()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/file/{token}/{path:.+}", self._handle_download)
        app.router.add_route("*", "/{token}/{method}", self._handle_method)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        self._closing = True
        self._wake()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(BaseException):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- wake-ups --------------------------------------------------------------------------

    def _on_update(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        """Runs on the server loop: re-check every long poll and the webhook worker."""
        for waiter in self._poll_waiters:
            if not waiter.done():
                waiter.set_result(None)
        if self._webhook_wake is not None:
            self._webhook_wake.set()

    # --- HTTP ------------------------------------------------------------------------------

    def _check_token(self, raw: str) -> None:
        if not raw.startswith("bot"):
            raise ApiError(404, "Not Found")
        token = raw[3:]
        if token == self.token:
            return
        # Telegram: a well-formed but unknown token is 401, anything else 404.
        if _TOKEN_SHAPE.match(token):
            raise ApiError(401, "Unauthorized")
        raise ApiError(404, "Not Found")

    async def _read_params(self, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = json.loads(await request.text() or "{}")
                except ValueError:
                    raise errors.bad_request("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise errors.bad_request("JSON object expected")
                values.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files[name] = UploadedFile(
                            field=name,
                            filename=value.filename,
                            content=value.file.read(),
                            content_type=value.content_type,
                        )
                    else:
                        values[name] = value
        return Params(values, files)

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        try:
            self._check_token(request.match_info["token"])
            params = await self._read_params(request)
        except ApiError as exc:
            return _json_response(exc.status, exc.body())
        chat_id = params.integer("chat_id")
        content_type = request.content_type if request.body_exists else None
        peer = request.transport.get_extra_info("peername") if request.transport else None
        record = self.state.log_request(
            method, params.loggable(), chat_id, content_type, peer[1] if peer else None
        )
        fault = self.faults.take(method)
        if fault is not None:
            return self._fail(request, record, fault)
        if self.request_hook is not None and self.request_hook(record, "received"):
            # The hook stopped the bot: as if it had died just before sending this request.
            self.state.finish_request(record, 0, "the bot died before sending it")
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        try:
            if method.lower() == "getupdates":
                result = await self._get_updates(params)
            else:
                if self.response_delay:
                    await asyncio.sleep(self.response_delay)
                result = self.api.call(method, params)
        except ApiError as exc:
            self.state.finish_request(record, exc.status, exc.description)
            return _json_response(exc.status, exc.body())
        except Exception as exc:  # a bug in the fake: make it loud in the bot's logs
            _LOGGER.exception("fake Telegram failed on %s", method)
            self.state.finish_request(record, 500, repr(exc))
            return _json_response(
                500,
                {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"},
            )
        self.state.finish_request(record, 200, None)
        if self.request_hook is not None:
            self.request_hook(record, "answered")
        return _json_response(200, {"ok": True, "result": result})

    def _fail(
        self, request: web.Request, record: RequestRecord, fault: Fault
    ) -> web.StreamResponse:
        if fault.drop:
            self.state.finish_request(record, 0, "connection dropped")
            transport = request.transport
            if transport is not None:
                transport.abort()
            return web.Response(status=500)
        if fault.status == 502:
            self.state.finish_request(record, 502, "Bad Gateway")
            return web.Response(status=502, text=errors.BAD_GATEWAY_HTML, content_type="text/html")
        error = self.faults.error_for(fault)
        self.state.finish_request(record, error.status, error.description)
        return _json_response(error.status, error.body())

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        try:
            self._check_token(request.match_info["token"])
        except ApiError as exc:
            return _json_response(exc.status, exc.body())
        path = request.match_info["path"]
        with self.state.lock:
            stored = self.state.files_by_path.get(path)
        if stored is None:
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(body=stored.content, content_type="application/octet-stream")

    # --- getUpdates ------------------------------------------------------------------------

    async def _get_updates(self, p: Params) -> list[JSON]:
        if self.state.webhook is not None:
            raise ApiError(409, errors.WEBHOOK_CONFLICT)
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        try:
            timeout = max(0.0, float(p.text("timeout") or 0))
        except ValueError:
            timeout = 0.0
        if p.has("allowed_updates"):
            allowed = p.json_value("allowed_updates", "allowed updates")
            if allowed is not None:
                with self.state.lock:
                    self.state.allowed_updates = list(allowed) or None
        # A newer getUpdates ends the older one with 409, as on the real server.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, errors.POLL_TERMINATED)
            if self.state.webhook is not None:
                raise ApiError(409, errors.POLL_TERMINATED_BY_WEBHOOK)
            updates = self.state.take_updates(offset, limit)
            if updates:
                return updates
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            waiter: asyncio.Future[None] = loop.create_future()
            self._poll_waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._poll_waiters.discard(waiter)

    # --- webhook ---------------------------------------------------------------------------

    def _webhook_changed(self, reason: str) -> None:
        """Called by setWebhook/deleteWebhook on the server loop (state lock held)."""
        self._webhook_generation += 1
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        if self.state.webhook is not None:
            self._webhook_task = asyncio.get_running_loop().create_task(
                self._webhook_worker(self._webhook_generation)
            )
        self._wake()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)
            )
        return self._session

    async def _post(
        self, url: str, payload: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None, bytes]:
        try:
            async with self._client().post(url, data=payload, headers=headers) as response:
                return response.status, response.reason, await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return None, f"{type(exc).__name__}: {exc}", b""

    async def _webhook_worker(self, generation: int) -> None:
        assert self._webhook_wake is not None
        attempt = 0
        while not self._closing and generation == self._webhook_generation:
            self._webhook_wake.clear()
            with self.state.lock:
                webhook = self.state.webhook
                update = copy.deepcopy(self.state.updates[0]) if self.state.updates else None
            if webhook is None:
                return
            if update is None:
                await self._webhook_wake.wait()
                continue
            attempt += 1
            headers = {"Content-Type": "application/json"}
            if webhook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
            status, reason, _ = await self._post(webhook.url, _dumps(update).encode(), headers)
            delivered = status is not None and 200 <= status < 300
            delivery = WebhookDelivery(
                update_id=update["update_id"],
                attempt=attempt,
                url=webhook.url,
                status=status,
                error=None if status is not None else reason,
                secret_token=webhook.secret_token,
            )
            with self.state.lock:
                self.state.webhook_deliveries.append(delivery)
                if not delivered:
                    message = (
                        f"Wrong response from the webhook: {status} {reason}"
                        if status is not None
                        else f"Connection failed: {reason}"
                    )
                    self.state.webhook_last_error = (self.state.now(), message)
                if generation == self._webhook_generation and (
                    delivered or attempt >= self.webhook_max_attempts
                ):
                    self.state.confirm_update(update["update_id"])
                    attempt = 0
                self.state.fire()
            if self.delivery_hook is not None:
                self.delivery_hook(delivery)
            if not delivered and attempt:
                await asyncio.sleep(self.webhook_retry_delay * attempt)

    def _call_on_loop(self, coroutine: Any) -> concurrent.futures.Future[Any]:
        if self._loop is None or not self.running:
            coroutine.close()
            raise RuntimeError("FakeTelegram is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def _post_update(
        self, url: str, update: JSON, secret_token: str | None, headers: dict[str, str] | None
    ) -> int:
        sent = {"Content-Type": "application/json"}
        if secret_token is not None:
            sent["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        sent.update(headers or {})
        status, reason, _ = await self._post(url, _dumps(update).encode(), sent)
        if status is None:
            raise ConnectionError(f"POST {url} failed: {reason}")
        return status

    def post_update(
        self,
        url: str,
        update: JSON,
        *,
        secret_token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> int:
        """POST one update to ``url`` as Telegram would (or with a wrong/missing secret);
        returns the HTTP status. Blocks: from a coroutine use :meth:`post_update_async`."""
        future = self._call_on_loop(self._post_update(url, update, secret_token, headers))
        return int(future.result(timeout or self.default_timeout))

    async def post_update_async(
        self,
        url: str,
        update: JSON,
        *,
        secret_token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        future = self._call_on_loop(self._post_update(url, update, secret_token, headers))
        return int(await asyncio.wrap_future(future))

    @property
    def webhook_url(self) -> str | None:
        with self.state.lock:
            return self.state.webhook.url if self.state.webhook else None

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self.state.lock:
            return list(self.state.webhook_deliveries)

    def _delivery_waiter(
        self, predicate: Callable[[WebhookDelivery], bool] | None, since: int
    ) -> tuple[Callable[[], WebhookDelivery | None], Callable[[], str]]:
        def ready() -> WebhookDelivery | None:
            for delivery in self.state.webhook_deliveries[since:]:
                if predicate is None or predicate(delivery):
                    return delivery
            return None

        def describe() -> str:
            return (
                "no matching webhook delivery; deliveries so far: "
                f"{self.state.webhook_deliveries!r}; webhook: {self.state.webhook!r}"
            )

        return ready, describe

    def wait_for_delivery(
        self,
        predicate: Callable[[WebhookDelivery], bool] | None = None,
        *,
        since: int = 0,
        timeout: float | None = None,
    ) -> WebhookDelivery:
        """The first webhook delivery attempt (index >= ``since``) matching ``predicate``."""
        ready, describe = self._delivery_waiter(predicate, since)
        return self.state.signal.wait(ready, timeout or self.default_timeout, describe)

    async def wait_for_delivery_async(
        self,
        predicate: Callable[[WebhookDelivery], bool] | None = None,
        *,
        since: int = 0,
        timeout: float | None = None,
    ) -> WebhookDelivery:
        ready, describe = self._delivery_waiter(predicate, since)
        return await self.state.signal.wait_async(ready, timeout or self.default_timeout, describe)

    # --- users -----------------------------------------------------------------------------

    def user(
        self,
        id: int | None = None,
        first_name: str = "测试用户",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = True,
    ) -> FakeUser:
        """A Telegram user with a private chat with the bot (chat id == user id).

        Asking again for an existing id returns the same FakeUser. ``started=False`` makes a
        user who never pressed Start: the bot gets 403 until they write to it.
        """
        with self.state.lock:
            if id is not None and id in self._users:
                return self._users[id]
            if id is None:
                while self._next_user_id in self._users:
                    self._next_user_id += 1
                id = self._next_user_id
                self._next_user_id += 1
            profile = User(
                id=id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
                started=started,
            )
            chat = self.state.add_user(profile)
            fake = self._users[id] = FakeUser(self, chat)
            return fake

    @property
    def users(self) -> list[FakeUser]:
        with self.state.lock:
            return list(self._users.values())

    def inject_update(self, kind: str, payload: JSON) -> int | None:
        """Queue a raw update (``{"update_id": n, kind: payload}``); returns its id, or None
        if ``allowed_updates`` excludes that kind."""
        return self.state.enqueue_update(kind, payload)

    def restart_update_ids(self, next_update_id: int) -> None:
        """Telegram after a week without updates: ids go on from `next_update_id` (there a
        random number, maybe far below the last id). Requires no update pending."""
        self.state.restart_update_ids(next_update_id)

    @property
    def pending_update_count(self) -> int:
        with self.state.lock:
            return len(self.state.updates)

    @property
    def updates(self) -> list[JSON]:
        """Every update ever created, delivered or not."""
        with self.state.lock:
            return copy.deepcopy(self.state.update_log)

    def wait_until_updates_consumed(self, timeout: float | None = None) -> None:
        """Block until the bot has confirmed every update (next getUpdates offset or webhook)."""

        def ready() -> bool | None:
            return True if not self.state.updates else None

        self.state.signal.wait(
            ready,
            timeout or self.default_timeout,
            lambda: (
                f"{len(self.state.updates)} updates still pending: {list(self.state.updates)!r}"
            ),
        )

    async def wait_until_updates_consumed_async(self, timeout: float | None = None) -> None:
        def ready() -> bool | None:
            return True if not self.state.updates else None

        await self.state.signal.wait_async(
            ready,
            timeout or self.default_timeout,
            lambda: f"{len(self.state.updates)} updates still pending",
        )

    # --- requests --------------------------------------------------------------------------

    def call_api(self, method: str, token: str | None = None, **params: Any) -> tuple[int, JSON]:
        """A raw JSON Bot API call over HTTP from the calling thread: (status, body).

        For checking the fake below PTB; blocking, but the fake runs on its own thread, so it
        is safe from a coroutine too (it just holds that loop for the call's duration).
        """
        request = urllib.request.Request(
            f"{self.base_url}{token or self.token}/{method}",
            data=_dumps(params).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.default_timeout + 60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    @property
    def requests(self) -> list[RequestRecord]:
        """Every Bot API request so far (params as sent, files summarised; no tokens)."""
        with self.state.lock:
            return list(self.state.requests)

    def calls(self, method: str) -> list[RequestRecord]:
        with self.state.lock:
            return list(self.state.requests_by_method.get(method.lower(), ()))

    def call_count(self, method: str) -> int:
        with self.state.lock:
            return len(self.state.requests_by_method.get(method.lower(), ()))

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.requests_by_method.clear()

    def _request_waiter(
        self,
        method: str,
        predicate: Callable[[RequestRecord], bool] | None,
        since: int,
        finished: bool,
    ) -> tuple[Callable[[], RequestRecord | None], Callable[[], str]]:
        key = method.lower()

        def ready() -> RequestRecord | None:
            for record in self.state.requests_by_method.get(key, ())[since:]:
                if (record.status is not None or not finished) and (
                    predicate is None or predicate(record)
                ):
                    return record
            return None

        def describe() -> str:
            seen = [
                f"{r.method} -> {r.status} {r.description or ''}".strip()
                for r in self.state.requests[-20:]
            ]
            return f"no {method} request matched; last requests: {seen}"

        return ready, describe

    def wait_for_request(
        self,
        method: str,
        predicate: Callable[[RequestRecord], bool] | None = None,
        *,
        since: int = 0,
        finished: bool = True,
        timeout: float | None = None,
    ) -> RequestRecord:
        """The first request to ``method`` (the ``since``-th on) matching ``predicate``; with
        ``finished`` (default) only once it has been answered (``record.status`` set)."""
        ready, describe = self._request_waiter(method, predicate, since, finished)
        return self.state.signal.wait(ready, timeout or self.default_timeout, describe)

    async def wait_for_request_async(
        self,
        method: str,
        predicate: Callable[[RequestRecord], bool] | None = None,
        *,
        since: int = 0,
        finished: bool = True,
        timeout: float | None = None,
    ) -> RequestRecord:
        ready, describe = self._request_waiter(method, predicate, since, finished)
        return await self.state.signal.wait_async(ready, timeout or self.default_timeout, describe)

    # --- faults and limits -----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
        drop: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail before doing anything.

        status=429 answers "Too Many Requests: retry after N" with parameters.retry_after
        (PTB: RetryAfter); 502 answers nginx's HTML page (PTB: NetworkError); any other status
        answers JSON with ``description`` (default: the status' standard text); ``drop=True``
        closes the connection without an answer (PTB: NetworkError).
        """
        self.faults.add(
            method,
            Fault(status=status, retry_after=retry_after, description=description, drop=drop),
            times,
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def enforce_limits(self) -> bool:
        return self.limiter.enabled

    @enforce_limits.setter
    def enforce_limits(self, enabled: bool) -> None:
        self.limiter.enabled = bool(enabled)

    def configure_limits(
        self,
        enabled: bool = True,
        *,
        global_per_second: float = 30.0,
        global_burst: float | None = None,
        per_chat_per_second: float = 1.0,
        per_chat_burst: float = 3.0,
    ) -> None:
        """Flood control as token buckets (defaults: Telegram's ~30/s overall, ~1/s per chat)."""
        self.limiter.configure(
            enabled,
            global_per_second=global_per_second,
            global_burst=global_burst,
            per_chat_per_second=per_chat_per_second,
            per_chat_burst=per_chat_burst,
        )

    @property
    def rate_limited_count(self) -> int:
        """How many 429s flood control has handed out (not counting fail_next)."""
        return self.limiter.refused

    @property
    def rate_limited_by_chat(self) -> dict[int, int]:
        return dict(self.limiter.refused_by_chat)

    # --- bot-wide state --------------------------------------------------------------------

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[dict[str, str]]:
        """The commands set with setMyCommands for ``scope`` (default scope) and language."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        with self.state.lock:
            return copy.deepcopy(self.state.commands.get(key, []))

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        with self.state.lock:
            return list(self.state.callback_answers)

    @property
    def callback_answer_timeout(self) -> float:
        return self.api.callback_answer_timeout

    @callback_answer_timeout.setter
    def callback_answer_timeout(self, seconds: float) -> None:
        self.api.callback_answer_timeout = seconds

    def file_bytes(self, file_id: str) -> bytes:
        with self.state.lock:
            return self.state.files[file_id].content
