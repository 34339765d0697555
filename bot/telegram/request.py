"""Bot API requests over aiohttp, with JSON bodies and a small pool of connections.

python-telegram-bot's own transport, `HTTPXRequest`, runs httpx on httpcore, anyio and h11,
all pure Python: about 0.9 ms of CPU per update, two thirds of what a bare echo bot costs.
aiohttp parses HTTP in C (`bench/bot_echo.py`: nianbao 3.0–3.4 → 2.2–2.4 ms of CPU per answer).
`AiohttpRequest` is a `BaseRequest`, PTB's interface for another transport, and keeps what
`HTTPXRequest` promises: its timeouts (read, write, connect, pool; a longer write timeout
for uploads), its errors (`TimedOut`, `NetworkError`), a proxy from the environment
(HTTPS_PROXY, NO_PROXY).

Parameters go as one JSON object (`application/json`, every request but file uploads): PTB
posts an HTML form, in which every Chinese character is percent-encoded to nine bytes, one
Python call per byte (the reply after an answer, about 1,100 characters: 210 µs, against
16 µs as JSON). Uploads go as multipart.

The pool is small: Telegram takes about 30 messages a second from a bot, which 8 connections
carry at a 250 ms round trip, and more connections only hold more sockets open.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

CONNECTIONS = 8
# Seconds a send waits for a connection to come free (PTB's default: 1): with a few
# connections and Telegram slow to answer, the replies queued behind would fail instead.
POOL_TIMEOUT = 10.0
# PTB's defaults, in seconds; uploads get longer to write (HTTPXRequest.media_write_timeout).
READ_TIMEOUT = WRITE_TIMEOUT = CONNECT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0

_JSON = {"Content-Type": "application/json"}
Timeout = float | None
Proxy = tuple[URL | None, dict[str, str] | None]


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one aiohttp session, created when PTB initialises the bot."""

    __slots__ = (
        "_connections",
        "_media_write_timeout",
        "_proxies",
        "_session",
        "_slots",
        "_timeouts",
    )

    def __init__(
        self,
        connection_pool_size: int = CONNECTIONS,
        *,
        read_timeout: Timeout = READ_TIMEOUT,
        write_timeout: Timeout = WRITE_TIMEOUT,
        connect_timeout: Timeout = CONNECT_TIMEOUT,
        pool_timeout: Timeout = POOL_TIMEOUT,
        media_write_timeout: Timeout = MEDIA_WRITE_TIMEOUT,
    ) -> None:
        self._connections = connection_pool_size
        self._timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._proxies: dict[str, Proxy] = {}

    @property
    def read_timeout(self) -> Timeout:
        return self._timeouts[0]

    async def initialize(self) -> None:
        if self._session is not None and not self._session.closed:
            return
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._connections),
            headers={"User-Agent": self.USER_AGENT},
            # Telegram sets no cookies; the environment's proxy is looked up once per host
            # (`_proxy`), where trust_env would look it up in a thread on every request.
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        # PTB's pool timeout bounds the wait for a free connection; aiohttp's connect timeout
        # would count that wait and the connecting together.
        self._slots = asyncio.Semaphore(self._connections)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session, slots = self._session, self._slots
        if session is None or session.closed or slots is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        if files and write_timeout is BaseRequest.DEFAULT_NONE:
            write_timeout = self._media_write_timeout
        read, write, connect, pool = (
            default if given is BaseRequest.DEFAULT_NONE else given
            for given, default in zip(
                (read_timeout, write_timeout, connect_timeout, pool_timeout),
                self._timeouts,
                strict=True,
            )
        )
        body: Any = None
        headers = None
        if request_data is not None:
            if files:
                body = _multipart(request_data)
            else:
                body, headers = request_data.json_payload, _JSON
        # aiohttp has no timeout per write: the whole request gets its phases' sum.
        phases = (connect, write, read)
        timeout = aiohttp.ClientTimeout(
            total=None if None in phases else sum(phases),  # type: ignore[arg-type]
            sock_connect=connect,  # type: ignore[arg-type]
            sock_read=read,  # type: ignore[arg-type]
        )
        proxy, proxy_headers = self._proxy(url)
        await self._acquire(slots, pool)  # type: ignore[arg-type]
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_headers=proxy_headers,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are also ClientErrors: first
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
        finally:
            slots.release()  # the one acquired, even if the bot was re-initialised meanwhile

    @staticmethod
    async def _acquire(slots: asyncio.Semaphore, pool: Timeout) -> None:
        if not slots.locked():  # nearly every request: no timer to set up
            await slots.acquire()
            return
        try:
            async with asyncio.timeout(pool):
                await slots.acquire()
        except TimeoutError as exc:
            raise TimedOut(
                "Pool timeout: all connections in the pool are busy; not sent to Telegram."
            ) from exc

    def _proxy(self, url: str) -> Proxy:
        """The environment's proxy for the Bot API's host, as `HTTPXRequest` honours it:
        HTTPS_PROXY (HTTP_PROXY for an http:// Bot API), credentials in its URL, unless
        NO_PROXY lists the host; (None, None): no proxy."""
        origin = "/".join(url.split("/", 3)[:3])  # scheme://host[:port]
        if origin not in self._proxies:
            try:
                proxy, auth = get_env_proxy_for_url(URL(origin))
            except LookupError:  # none set, or NO_PROXY lists the host
                self._proxies[origin] = (None, None)
            else:
                headers = {"Proxy-Authorization": auth.encode()} if auth else None
                self._proxies[origin] = (proxy, headers)
        return self._proxies[origin]


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    # Unquoted: Telegram shows a percent-encoded file name as it is (%E5%B9%B4….docx).
    form = aiohttp.FormData(quote_fields=False)
    for name, value in (request_data.json_parameters or {}).items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
