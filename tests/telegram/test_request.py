"""Bot API requests over aiohttp, as JSON: what the bot sends arrives intact, files upload,
the connection pool queues, timeouts and the environment's proxy are honoured, and Telegram's
errors reach the bot as python-telegram-bot's exceptions."""

from __future__ import annotations

import asyncio
import importlib.abc
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from types import ModuleType

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.reminders.sender import retry_after_seconds
from bot.telegram.request import CONNECTIONS, AiohttpRequest
from tests.fake_telegram import FakeTelegram, FakeUser

TABLE = "（一）收到和处理政府信息公开申请情况\n一、本年新收申请数量  3  0  1"


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    request = AiohttpRequest()
    async with Bot(
        tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url, request=request
    ) as bot:
        yield bot


@pytest.fixture
def user(tg: FakeTelegram) -> FakeUser:
    return tg.user(id=4001, first_name="测试")


async def test_a_message_goes_as_json_and_arrives_as_typed(
    bot: Bot, tg: FakeTelegram, user: FakeUser
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("上一步", callback_data="7:3:b")]])
    sent = await bot.send_message(
        user.id, f"已保存。\n<pre>{TABLE}</pre>", parse_mode=ParseMode.HTML, reply_markup=markup
    )
    received = user.last_message
    assert received is not None and received["message_id"] == sent.message_id
    assert received["text"] == f"已保存。\n{TABLE}"
    assert received["entities"][0]["type"] == "pre"
    assert received["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "7:3:b"
    assert tg.calls("sendMessage")[-1].content_type == "application/json"


async def test_a_file_still_uploads_as_multipart(
    bot: Bot, tg: FakeTelegram, user: FakeUser
) -> None:
    await bot.send_document(user.id, b"PK\x03\x04 report", filename="年度报告.docx")
    assert user.documents[-1].content == b"PK\x03\x04 report"
    assert user.documents[-1].file_name == "年度报告.docx"
    assert tg.calls("sendDocument")[-1].content_type == "multipart/form-data"


async def test_more_replies_than_connections_wait_their_turn_and_all_arrive(
    bot: Bot, tg: FakeTelegram, user: FakeUser
) -> None:
    # Telegram slow to answer: the last reply waits for a connection longer than PTB's 1 s.
    tg.response_delay = 1.1
    texts = [f"第{i}条" for i in range(CONNECTIONS + 1)]
    sent = await asyncio.gather(*(bot.send_message(user.id, text) for text in texts))
    assert [message.text for message in sent] == texts
    assert [message["text"] for message in user.messages] == texts
    assert len({record.client_port for record in tg.calls("sendMessage")}) == CONNECTIONS


class ImportsSeen(importlib.abc.MetaPathFinder):
    """Every module an `import` in this thread had to look for (one already loaded is never
    looked for); the fake server's thread is not the bot's."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.names: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if threading.get_ident() == self.thread:
            self.names.append(fullname)


async def test_sending_looks_for_no_module_on_disk(
    bot: Bot, user: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.send_message(user.id, "已保存。")  # the first send may load what it needs
    seen = ImportsSeen()
    monkeypatch.setattr(sys, "meta_path", [seen, *sys.meta_path])
    for _ in range(3):
        await bot.send_message(user.id, "已保存。")
    assert seen.names == []


async def test_telegrams_refusals_reach_the_bot_as_its_errors(
    bot: Bot, tg: FakeTelegram, user: FakeUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "表" * 5000)
    tg.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(user.id, "已保存。")
    assert retry_after_seconds(refused.value) == 3
    tg.fail_next("sendMessage", drop=True)
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "已保存。")
    assert user.messages == []


async def test_a_timeout_the_caller_gives_is_kept(tg: FakeTelegram, user: FakeUser) -> None:
    request = AiohttpRequest(1)
    async with Bot(
        tg.token, base_url=tg.base_url, request=request, get_updates_request=request
    ) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=2))  # holds the only connection
        await tg.wait_for_request_async("getUpdates", finished=False)
        with pytest.raises(TimedOut, match=r"(?i)pool timeout"):
            await bot.send_message(user.id, "已保存。", pool_timeout=0.05)
        await poll
    assert user.messages == []


async def test_telegram_slower_than_the_read_timeout_is_a_timeout(
    tg: FakeTelegram, user: FakeUser
) -> None:
    async with Bot(tg.token, base_url=tg.base_url, request=AiohttpRequest(read_timeout=0.1)) as bot:
        tg.response_delay = 0.5
        with pytest.raises(TimedOut):
            await bot.send_message(user.id, "已保存。")


async def test_the_proxy_in_the_environment_carries_the_requests(
    tg: FakeTelegram, user: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake server stands in for the proxy: a Bot API host that does not resolve is
    # reached only through it.
    origin = tg.base_url.split("/bot")[0]
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", origin)
    base_url = tg.base_url.replace(origin, "http://api.telegram.invalid")
    async with Bot(tg.token, base_url=base_url, request=AiohttpRequest()) as bot:
        await bot.send_message(user.id, "已保存。")
    assert user.messages[-1]["text"] == "已保存。"
    monkeypatch.setenv("NO_PROXY", "api.telegram.invalid")
    with pytest.raises(NetworkError, match=r"api\.telegram\.invalid"):
        async with Bot(tg.token, base_url=base_url, request=AiohttpRequest()):
            pass
