"""Typed async handlers: each runs one call of the chat (`ReportChat`; for a text message
`ReviewDesk.receive_text`, which looks the member up itself) in a worker thread under the
member's lock, and sends the turn back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.chat.help import HELP_TEXT, NOT_A_MEMBER, NOT_A_MEMBER_BUTTON, help_text
from bot.chat.prompts import GENERATE
from bot.chat.service import ReportChat
from bot.chat.state import Reply
from bot.chat.turn import Turn, decode_button
from bot.chat.uploads import MAX_UPLOAD_BYTES, TOO_LARGE, UPLOAD_ACTIONS
from bot.telegram.common import (
    in_reader_thread,
    member_lock,
    pdf_after,
    replayed,
    report_chat,
    report_uploads,
    review_desk,
)
from bot.telegram.replies import answer_query, send_turn, with_retries
from bot.telegram.review_handlers import add_review_handlers, respond
from storage.models import Member

logger = logging.getLogger(__name__)


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, turn: Turn) -> None:
    assert update.effective_chat is not None
    await send_turn(context.bot, update.effective_chat.id, turn)
    # The Word report goes at once and its PDF follows: with many generating together, the
    # PDFs queue for LibreOffice, and no one's Word file should wait in that queue.
    follow_up = await pdf_after(context, turn)
    if follow_up is not None:
        await send_turn(context.bot, update.effective_chat.id, follow_up)


async def _member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Member | None:
    assert update.effective_user is not None
    member = await asyncio.to_thread(report_chat(context).member, update.effective_user.id)
    if member is None:
        await _reply(update, context, Turn((Reply(NOT_A_MEMBER),)))
    return member


MemberCall = Callable[[ReportChat, Member], Turn]
MemberCallWithArgs = Callable[[ReportChat, Member, list[str]], Turn]


def member_command(
    call: MemberCall | None = None,
    *,
    with_args: MemberCallWithArgs | None = None,
    reads: bool = False,
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """A command for registered members; it wins over the walkthrough (handler group 0).
    `reads`: it reads and renders, so it runs on the reader threads (common.READERS)."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None
        service = report_chat(context)
        run = partial(in_reader_thread, context) if reads else asyncio.to_thread
        async with member_lock(update.effective_user.id):
            member = await run(service.member, update.effective_user.id)
            if member is None:
                await _reply(update, context, Turn((Reply(NOT_A_MEMBER),)))
            elif with_args is not None:
                args = list(context.args or [])
                await _reply(update, context, await run(with_args, service, member, args))
            else:
                assert call is not None
                await _reply(update, context, await run(call, service, member))
        raise ApplicationHandlerStop

    return handler


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [code]: join with an invite (also as a t.me deep link), or say hello again."""
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    async with member_lock(user.id):
        service = report_chat(context)
        member = await asyncio.to_thread(service.member, user.id)
        if context.args:
            if member is not None:
                turn = await asyncio.to_thread(partial(service.greet, member, again=True))
            else:
                turn = await asyncio.to_thread(
                    lambda: service.join(
                        telegram_user_id=user.id,
                        name=user.full_name,
                        chat_id=chat.id,
                        code=context.args[0] if context.args else "",
                    )
                )
        elif member is None:
            turn = Turn((Reply(NOT_A_MEMBER),))
        else:
            turn = await asyncio.to_thread(service.greet, member)
        await _reply(update, context, turn)
    raise ApplicationHandlerStop


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands of the sender's role (all of them for someone not registered)."""
    assert update.effective_user is not None
    member = await asyncio.to_thread(report_chat(context).member, update.effective_user.id)
    await _reply(update, context, Turn((Reply(help_text(member)),)))
    raise ApplicationHandlerStop


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other text: a supervisor's pending return comment, else an answer to the current
    question, in one call of the review desk (one transaction)."""
    assert update.effective_user is not None and update.message is not None
    text = update.message.text or ""
    user_id = update.effective_user.id
    async with member_lock(user_id):
        result = await asyncio.to_thread(
            partial(
                review_desk(context).receive_text,
                user_id,
                text,
                update_id=update.update_id,
                replayed=replayed(context, update),
            )
        )
        if result is None:
            await _reply(update, context, Turn((Reply(NOT_A_MEMBER),)))
        else:
            await respond(update, context, result)


async def document_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A report file sent into the chat (Word, web page, PDF): read, checked, offered as last
    year's report."""
    assert update.effective_user is not None and update.message is not None
    document = update.message.document
    assert document is not None
    async with member_lock(update.effective_user.id):
        member = await _member(update, context)
        if member is None:
            return
        uploads = report_uploads(context)
        if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
            turn = Turn((Reply(TOO_LARGE.format("发送")),))
        else:
            file = await with_retries(lambda: context.bot.get_file(document.file_id))
            content = bytes(await with_retries(file.download_as_bytearray))
            turn = await asyncio.to_thread(
                uploads.receive, member, content, document.file_name or ""
            )
        await _reply(update, context, turn)


# The buttons under an uploaded report: adopt it as last year's, read its probable zeros as 0.
async def upload_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    action = (query.data or "").rsplit(":", 1)[-1]
    async with member_lock(update.effective_user.id):
        member = await asyncio.to_thread(report_chat(context).member, update.effective_user.id)
        if member is None:
            await answer_query(query, NOT_A_MEMBER_BUTTON, show_alert=True)
            raise ApplicationHandlerStop
        uploads = report_uploads(context)
        turn = await asyncio.to_thread(uploads.press, member, action)
        await answer_query(query, turn.notice)
        await _reply(update, context, turn)
    raise ApplicationHandlerStop


async def unsupported_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _reply(
        update,
        context,
        Turn(
            (
                Reply(
                    "请发送文字回答当前问题，或发送年度报告文件"
                    "（Word .docx、网页 .html 或 PDF）；"
                    "如需帮助，请发送 /help。"
                ),
            )
        ),
    )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _reply(update, context, Turn((Reply(f"无法识别该命令。\n\n{HELP_TEXT}"),)))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    async with member_lock(update.effective_user.id):
        service = report_chat(context)
        member = await asyncio.to_thread(service.member, update.effective_user.id)
        if member is None:
            await answer_query(query, NOT_A_MEMBER_BUTTON, show_alert=True)
            return
        decoded = decode_button(query.data or "")
        # 「生成报告」 reads and renders like /generate: on the reader threads.
        generates = decoded is not None and decoded[2] == GENERATE
        run = partial(in_reader_thread, context) if generates else asyncio.to_thread
        turn = await run(
            partial(
                service.press,
                member,
                query.data or "",
                update_id=update.update_id,
                replayed=replayed(context, update),
            )
        )
        await answer_query(query, turn.notice)
        if query.message is not None and turn.replies:
            # The pressed message keeps its text but loses its buttons: no second press.
            try:
                await with_retries(lambda: query.edit_message_reply_markup(reply_markup=None))
            except BadRequest as exc:  # already without buttons (a double tap), or too old
                logger.debug("buttons not removed: %s", exc)
        await _reply(update, context, turn)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with the update id; tell the member something went wrong, their answers are safe."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("update %s failed", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                "抱歉，处理您的消息时出现故障，已填写的内容均已保存。"
                "请稍后重试或发送 /report 继续。",
            )
        except Exception:  # the member's chat may be the very thing that failed
            logger.warning("could not tell chat about the failure of update %s", update_id)


def add_handlers(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start), group=0)
    application.add_handler(
        CallbackQueryHandler(upload_button, pattern=rf"^\d+:\d+:({'|'.join(UPLOAD_ACTIONS)})$"),
        group=0,
    )
    application.add_handler(CommandHandler("help", help_command), group=0)
    application.add_handler(
        CommandHandler("report", member_command(with_args=ReportChat.open_command)), group=0
    )
    member_calls: dict[str, MemberCall] = {
        "cancel": lambda service, member: service.cancel(member),
        "web": lambda service, member: service.web_link(member),
    }
    for name, call in member_calls.items():
        application.add_handler(CommandHandler(name, member_command(call)), group=0)
    reading_calls: dict[str, MemberCall] = {
        "status": lambda service, member: service.status(member),
        "preview": lambda service, member: service.preview(member),
        "generate": lambda service, member: service.generate(member),
    }
    for name, call in reading_calls.items():
        application.add_handler(CommandHandler(name, member_command(call, reads=True)), group=0)
    add_review_handlers(application)
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, text_message),
        group=1,
    )
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command), group=1
    )
    application.add_handler(CallbackQueryHandler(button), group=1)
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, document_message), group=1
    )
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT, unsupported_message), group=1
    )
    application.add_error_handler(on_error)
