"""Webhook delivery and getUpdates semantics."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telegram.error import Conflict
from telegram.ext import Application

from tests.fake_telegram import FakeTelegram

StartApp = Callable[..., Awaitable[Application]]
SECRET = "s3cret-Token_1"


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[str | None, dict]]]]:
    """A tiny webhook endpoint on the test's loop: 403 unless the secret header matches."""
    received: list[tuple[str | None, dict]] = []

    async def handle(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((secret, await request.json()))
        return web.Response(status=200 if secret == SECRET else 403)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hook", received
    await runner.cleanup()


async def test_webhook_delivery_with_secret(
    tg: FakeTelegram, start_app: StartApp, receiver
) -> None:
    url, received = receiver
    app = await start_app(polling=False)
    await app.bot.set_webhook(
        url, secret_token=SECRET, allowed_updates=["message", "callback_query"]
    )
    info = await app.bot.get_webhook_info()
    assert info.url == url and info.allowed_updates == ("message", "callback_query")

    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await app.bot.get_updates()

    user = tg.user()
    sent = user.send_text("via webhook")
    delivery = await tg.wait_for_delivery_async(lambda d: d.ok)
    assert delivery.status == 200 and delivery.secret_token == SECRET
    assert received == [(SECRET, {"update_id": delivery.update_id, "message": sent})]
    assert tg.pending_update_count == 0

    # The receiver refuses a wrong or missing secret; the fake lets tests check that.
    assert await tg.post_update_async(url, {"update_id": 1}, secret_token="wrong") == 403
    assert await tg.post_update_async(url, {"update_id": 2}) == 403
    assert [secret for secret, _ in received[1:]] == ["wrong", None]

    await app.bot.delete_webhook()
    assert await app.bot.get_updates(timeout=0) == ()


async def test_refused_webhook_is_retried_and_recorded(
    tg: FakeTelegram, start_app: StartApp, receiver
) -> None:
    url, received = receiver
    app = await start_app(polling=False)
    tg.webhook_retry_delay = 0.01
    await app.bot.set_webhook(url, secret_token="not-the-one")
    tg.user().send_text("hello")
    last = await tg.wait_for_delivery_async(lambda d: d.attempt == tg.webhook_max_attempts)
    statuses = [d.status for d in tg.webhook_deliveries]
    assert statuses == [403] * tg.webhook_max_attempts and last.status == 403
    info = await app.bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert len(received) == tg.webhook_max_attempts


def test_long_poll_returns_as_soon_as_an_update_arrives(tg: FakeTelegram) -> None:
    user = tg.user()
    result: dict = {}

    def poll() -> None:
        result["response"] = tg.call_api("getUpdates", timeout=30)

    thread = threading.Thread(target=poll)
    started = time.monotonic()
    thread.start()
    tg.wait_for_request("getUpdates", finished=False)
    message = user.send_text("ping")
    thread.join(5)
    assert time.monotonic() - started < 2
    status, body = result["response"]
    assert status == 200 and body["result"][0]["message"] == message


def test_newer_poll_terminates_older_and_stop_ends_polls(tg: FakeTelegram) -> None:
    results: list = []

    def poll() -> None:
        results.append(tg.call_api("getUpdates", timeout=30))

    first = threading.Thread(target=poll)
    first.start()
    tg.wait_for_request("getUpdates", finished=False)
    second = threading.Thread(target=poll)
    second.start()
    first.join(5)
    assert results[0][0] == 409
    assert "terminated by other getUpdates request" in results[0][1]["description"]
    started = time.monotonic()
    tg.stop()  # ends the second (pending) poll at once with an empty result
    second.join(5)
    assert time.monotonic() - started < 2
    assert results[1] == (200, {"ok": True, "result": []})


def test_offset_and_limit(tg: FakeTelegram) -> None:
    user = tg.user()
    for i in range(5):
        user.send_text(str(i))
    _, body = tg.call_api("getUpdates", limit=2)
    ids = [u["update_id"] for u in body["result"]]
    assert len(ids) == 2 and ids[1] == ids[0] + 1
    _, body = tg.call_api("getUpdates", offset=ids[1] + 1)
    assert [u["message"]["text"] for u in body["result"]] == ["2", "3", "4"]
    assert tg.pending_update_count == 3
    # allowed_updates applies to updates created afterwards
    tg.call_api(
        "getUpdates", offset=body["result"][-1]["update_id"] + 1, allowed_updates=["callback_query"]
    )
    user.send_text("ignored")
    assert tg.pending_update_count == 0


async def test_polling_app_shuts_down_quickly(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app()
    await tg.wait_for_request_async(
        "getUpdates", lambda r: str(r.params.get("timeout")) == "1", finished=False
    )
    started = asyncio.get_running_loop().time()
    await app.updater.stop()
    await app.stop()
    assert asyncio.get_running_loop().time() - started < 1
