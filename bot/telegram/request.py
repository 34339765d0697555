"""Bot API requests with JSON bodies.

python-telegram-bot posts parameters as an HTML form. Every Chinese character in a form is
percent-encoded to nine bytes, one Python call per byte: the reply after each answer (the
table so far, about 1,100 characters) took 210 µs to encode, against 16 µs as JSON. The Bot
API accepts the same parameters as one JSON object (`application/json`, every request but
file uploads), encoded in C and a third of the size. Uploads stay multipart.

The connection pool is kept small. Before and after every request httpcore walks each pooled
connection, and for each idle one polls its socket and asks for its peer address: with PTB's
default of 256 connections, which the pool grows to under a burst of replies, a send cost
more the more members had been answering at once (`bench/bot.py --rounds 1`, 50 members
answering without pause: 3.0 ms per update, 2.3 ms with 8 connections).
"""

from __future__ import annotations

from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

JSON_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}
# Telegram takes about 30 messages a second from a bot; 8 connections carry that at a
# 250 ms round trip.
CONNECTIONS = 8
# Seconds a send waits for a connection to come free (PTB's default: 1): with a few
# connections and Telegram slow to answer, the replies queued behind would fail instead.
POOL_TIMEOUT = 10.0


class JSONBodyRequest(HTTPXRequest):
    """`HTTPXRequest` (timeouts and errors as PTB's) that sends parameters as JSON, over a
    small pool of connections."""

    def __init__(
        self,
        connection_pool_size: int = CONNECTIONS,
        *,
        pool_timeout: float | None = POOL_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(
            connection_pool_size=connection_pool_size, pool_timeout=pool_timeout, **options
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = HTTPXRequest.DEFAULT_NONE,
        write_timeout: float | object | None = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,  # type: ignore[arg-type]
                write_timeout,  # type: ignore[arg-type]
                connect_timeout,  # type: ignore[arg-type]
                pool_timeout,  # type: ignore[arg-type]
            )
        if self._client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        default = self._client.timeout
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, default.connect),
            read=_given(read_timeout, default.read),
            write=_given(write_timeout, default.write),
            pool=_given(pool_timeout, default.pool),
        )
        try:
            response = await self._client.request(
                method=method,
                url=url,
                headers=JSON_HEADERS,
                timeout=timeout,
                content=request_data.json_payload,
            )
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.PoolTimeout):
                raise TimedOut(
                    "Pool timeout: all connections in the pool are busy; not sent to Telegram."
                ) from exc
            raise TimedOut from exc
        except httpx.HTTPError as exc:  # the base of httpx's errors: after its subclasses
            raise NetworkError(f"httpx.{exc.__class__.__name__}: {exc}") from exc
        return response.status_code, response.content


def _given(value: float | object | None, default: float | None) -> float | None:
    """A timeout the caller passed (None: wait forever), else the client's."""
    if value is HTTPXRequest.DEFAULT_NONE:
        return default
    return value  # type: ignore[return-value]
