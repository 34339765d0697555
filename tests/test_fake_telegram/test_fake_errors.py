"""Telegram's error replies, as PTB sees them."""

from __future__ import annotations

import datetime as dtm
from collections.abc import Awaitable, Callable

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from tests.fake_telegram import FakeTelegram

StartApp = Callable[..., Awaitable[Application]]


async def test_message_too_long_counts_utf16(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    user = tg.user()
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await app.bot.send_message(user.id, "字" * 4097)
    await app.bot.send_message(user.id, "字" * 4096)
    # An emoji outside the BMP counts two: 2048 fit, 2049 do not.
    await app.bot.send_message(user.id, "😀" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await app.bot.send_message(user.id, "😀" * 2049)
    # Markup does not count: 4096 visible characters inside <b> are fine.
    await app.bot.send_message(user.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert len(user.messages) == 3


async def test_empty_text_and_bad_html(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    user = tg.user()
    with pytest.raises(BadRequest, match="Message text is empty"):
        await app.bot.send_message(user.id, "  \n ")
    with pytest.raises(
        BadRequest, match=r'Can\'t parse entities: unsupported start tag "br" at byte offset 3'
    ):
        await app.bot.send_message(user.id, "第<br>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)can\'t find end tag corresponding to start tag "b"'):
        await app.bot.send_message(user.id, "<b>未闭合", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await app.bot.send_message(user.id, "1.5", parse_mode="MarkdownV2")


async def test_callback_data_limit(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    user = tg.user()
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await app.bot.send_message(user.id, "hi", reply_markup=too_long)
    # 22 Chinese characters are 66 bytes in UTF-8.
    chinese = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="是" * 22)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await app.bot.send_message(user.id, "hi", reply_markup=chinese)
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a" * 64)]])
    await app.bot.send_message(user.id, "hi", reply_markup=fits)
    assert len(user.messages) == 1


async def test_retry_after_from_fail_next(
    tg: FakeTelegram, start_app: StartApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    app = await start_app(polling=False)
    user = tg.user()
    tg.fail_next("sendMessage", retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(user.id, "hi")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await app.bot.send_message(user.id, "hi")
    assert [r.status for r in tg.calls("sendMessage")] == [429, 429, 200]
    assert tg.rate_limited_count == 0  # injected faults are not flood control


async def test_network_faults(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    user = tg.user()
    tg.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await app.bot.send_message(user.id, "hi")
    tg.fail_next("sendMessage", drop=True)
    with pytest.raises(NetworkError):
        await app.bot.send_message(user.id, "hi")
    tg.fail_next("sendMessage", status=500, description="Internal Server Error: restart")
    with pytest.raises(NetworkError, match="restart"):
        await app.bot.send_message(user.id, "hi")
    await app.bot.send_message(user.id, "hi")
    assert len(user.messages) == 1


async def test_blocked_user_and_unknown_chat(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    user = tg.user()
    await app.bot.send_message(user.id, "hi")
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(user.id, "hi again")
    assert [u["my_chat_member"]["new_chat_member"]["status"] for u in tg.updates] == ["kicked"]
    user.unblock()
    await app.bot.send_message(user.id, "welcome back")

    stranger = tg.user(started=False)
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await app.bot.send_message(stranger.id, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(999, "hi")


async def test_wrong_token_is_invalid_token(
    tg: FakeTelegram, app_builder: Callable[..., Application]
) -> None:
    app = app_builder("654321:WRONG-token")
    with pytest.raises(InvalidToken):
        await app.initialize()
    status, body = tg.call_api("getMe", token="654321:WRONG-token")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert tg.call_api("noSuchMethod")[0] == 404
    assert tg.call_api("GETME")[1]["result"]["is_bot"] is True  # method names ignore case


async def test_edit_errors(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    user = tg.user()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="y")]])
    message = await app.bot.send_message(user.id, "问题", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("问题", user.id, message.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await app.bot.edit_message_text("x", user.id, 9999)
    await app.bot.edit_message_reply_markup(user.id, message.message_id, reply_markup=None)
    assert "reply_markup" not in user.messages[0]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_reply_markup(user.id, message.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await app.bot.delete_message(user.id, 9999)


async def test_callback_answer_errors(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    user = tg.user()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="y")]])
    await app.bot.send_message(user.id, "问题", reply_markup=keyboard)
    query_id = user.tap("是")
    with pytest.raises(BadRequest, match="Message_too_long"):
        await app.bot.answer_callback_query(query_id, text="长" * 201)
    await app.bot.answer_callback_query(query_id, text="长" * 200, show_alert=True)
    assert user.callback_answers[0].show_alert is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query("12345")


async def test_set_my_commands_validation(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    with pytest.raises(BadRequest, match="Command length must not exceed 32"):
        await app.bot.set_my_commands([("a" * 33, "x")])
    with pytest.raises(BadRequest, match="Command description must be non-empty"):
        await app.bot.set_my_commands([("start", " ")])
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await app.bot.set_my_commands([("Start", "开始")])
    with pytest.raises(BadRequest, match="Bot_commands_too_much"):
        await app.bot.set_my_commands([(f"c{i}", "x") for i in range(101)])
    assert tg.commands() == []
