"""A real python-telegram-bot Application, long polling the fake over HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import FakeTelegram

StartApp = Callable[..., Awaitable[Application]]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def test_echo_handler_replies(tg: FakeTelegram, start_app: StartApp) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"你说：<b>{update.message.text}</b>", parse_mode=ParseMode.HTML
        )

    await start_app(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    user = tg.user(id=42, first_name="张三")
    sent = user.send_text("你好 👋")
    [reply] = await user.wait_for_messages_async(1)

    assert reply["text"] == "你说：你好 👋"
    # "你说：" is 3 UTF-16 units; "你好 👋" is 5 (the emoji counts 2).
    assert reply["entities"] == [{"type": "bold", "offset": 3, "length": 5}]
    assert reply["chat"]["id"] == 42 and reply["from"]["is_bot"] is True
    assert reply["message_id"] == sent["message_id"] + 1
    assert isinstance(reply["date"], int)
    assert user.messages == [reply]


async def test_start_deep_link_reaches_command_handler(
    tg: FakeTelegram, start_app: StartApp
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"args={context.args}")

    await start_app(CommandHandler("start", start))
    user = tg.user(first_name="李四")
    message = user.send_command("start", "INVITE-7f3a")
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await user.wait_for_text_async("args=")
    assert reply["text"] == "args=['INVITE-7f3a']"


async def test_callback_button_round_trip(tg: FakeTelegram, start_app: StartApp) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("是", callback_data="q1:yes"),
                    InlineKeyboardButton("否", callback_data="q1:no"),
                ]
            ]
        )
        await update.message.reply_text("是否公开？", reply_markup=keyboard)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer("已记录")
        await query.edit_message_text(f"是否公开？ → {query.data}")

    await start_app(MessageHandler(filters.TEXT, ask), CallbackQueryHandler(answer))
    user = tg.user(first_name="王五")
    user.send_text("开始")
    question = await user.wait_for_text_async("是否公开")
    query_id = user.tap("否")

    edited = await user.wait_for_edit_async()
    assert edited["message_id"] == question["message_id"]
    assert edited["text"] == "是否公开？ → q1:no"
    assert "reply_markup" not in edited  # editing without reply_markup drops the keyboard
    assert isinstance(edited["edit_date"], int)
    assert user.messages[-1]["text"] == "是否公开？ → q1:no"

    answer_record = await user.wait_for_callback_answer_async(query_id)
    assert answer_record.text == "已记录" and answer_record.data == "q1:no"
    assert not answer_record.show_alert
    [update] = [u for u in tg.updates if "callback_query" in u]
    assert update["callback_query"]["chat_instance"]
    assert update["callback_query"]["message"]["message_id"] == question["message_id"]


async def test_tap_by_callback_data_and_unknown_button(
    tg: FakeTelegram, start_app: StartApp
) -> None:
    app = await start_app()
    user = tg.user()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("下一步", callback_data="next")]])
    await app.bot.send_message(user.id, "第一题", reply_markup=keyboard)
    first = user.tap("next")
    second = user.tap("下一步")
    assert first != second
    with pytest.raises(AssertionError, match="no inline button '不存在'"):
        user.tap("不存在")


async def test_bot_sends_document_with_bytes(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app()
    user = tg.user()
    content = b"PK\x03\x04 fake docx bytes"
    message = await app.bot.send_document(
        user.id,
        InputFile(content, filename="年报.docx"),
        caption="<i>草稿</i>",
        parse_mode=ParseMode.HTML,
    )
    assert message.document is not None
    assert message.document.file_name == "年报.docx"
    assert message.document.mime_type == DOCX
    assert message.document.file_size == len(content)
    assert message.caption == "草稿"

    received = await user.wait_for_document_async()
    assert received["document"]["file_id"] == message.document.file_id
    [document] = user.documents
    assert document.content == content and document.file_name == "年报.docx"
    # The bot can fetch what it sent, too.
    downloaded = await (await app.bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content


async def test_bot_downloads_document_the_user_sent(tg: FakeTelegram, start_app: StartApp) -> None:
    got: list[bytes] = []

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        file = await context.bot.get_file(update.message.document.file_id)
        got.append(bytes(await file.download_as_bytearray()))
        await update.message.reply_text(f"收到 {update.message.document.file_name}")

    await start_app(MessageHandler(filters.Document.ALL, on_document))
    user = tg.user()
    payload = "第一部分 总体情况\n".encode() * 100
    sent = user.send_document(payload, filename="answers.yaml", caption="请查收")
    assert sent["document"]["file_size"] == len(payload)
    await user.wait_for_text_async("收到 answers.yaml")
    assert got == [payload]


async def test_chat_action_and_delete(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app()
    user = tg.user()
    await app.bot.send_chat_action(user.id, "upload_document")
    message = await app.bot.send_message(user.id, "临时消息")
    assert await app.bot.delete_message(user.id, message.message_id)
    assert user.chat_actions == ["upload_document"]
    assert user.messages == [] and user.deleted_message_ids == [message.message_id]


async def test_message_ids_per_chat_and_update_ids_consecutive(
    tg: FakeTelegram, start_app: StartApp
) -> None:
    app = await start_app(polling=False)
    alice, bob = tg.user(first_name="A"), tg.user(first_name="B")
    a1 = alice.send_text("1")
    b1 = bob.send_text("1")
    a2 = await app.bot.send_message(alice.id, "2")
    assert (a1["message_id"], b1["message_id"], a2.message_id) == (1, 1, 2)
    updates = await app.bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [updates[0].update_id, updates[0].update_id + 1]
    # offset confirms: the same updates are not returned again
    assert await app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert tg.pending_update_count == 0


async def test_set_my_commands_recorded(tg: FakeTelegram, start_app: StartApp) -> None:
    app = await start_app(polling=False)
    await app.bot.set_my_commands([("start", "开始填报"), ("status", "查看进度")])
    record = await tg.wait_for_request_async("setMyCommands")
    assert record.ok
    assert tg.commands() == [
        {"command": "start", "description": "开始填报"},
        {"command": "status", "description": "查看进度"},
    ]
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "status"]
    assert await app.bot.delete_my_commands()
    assert tg.commands() == []
    assert all(tg.token not in repr(r) for r in tg.requests)
