from telegram import Bot

from bot.chat.documents import Document
from bot.chat.state import Button, Reply
from bot.chat.turn import Turn, decode_button, encode_button
from bot.telegram.replies import (
    TEXT_BUDGET,
    compose,
    keyboard,
    message_parts,
    send_turn,
    split_text,
    utf16_len,
)


def test_long_text_is_split_at_line_ends_within_telegrams_limit() -> None:
    text = "\n".join(f"第{i}行：" + "政" * 50 for i in range(200))
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(utf16_len(p) <= TEXT_BUDGET for p in pieces)
    assert "\n".join(pieces) == text


def test_a_single_huge_line_is_cut_without_losing_characters() -> None:
    text = "😀" * 5000  # two UTF-16 units each
    pieces = split_text(text)
    assert all(utf16_len(p) <= TEXT_BUDGET for p in pieces)
    assert "".join(pieces) == text


def test_user_text_is_escaped_and_the_table_is_monospace() -> None:
    parts = message_parts(Reply("已保存 <b>&</b>", pre="1 2 3"))
    assert parts == ["已保存 &lt;b&gt;&amp;&lt;/b&gt;\n<pre>1 2 3</pre>"]


def test_buttons_carry_report_question_and_action_within_64_bytes() -> None:
    turn = Turn((), report_id=123456789, question=35)
    markup = keyboard(
        turn, Reply("x", buttons=((Button("修改：一、本年新收政府信息公…", "f35"),),))
    )
    assert markup is not None
    data = markup.inline_keyboard[0][0].callback_data
    assert isinstance(data, str) and len(data.encode()) <= 64
    assert decode_button(data) == (123456789, 35, "f35")


def test_forged_button_data_is_not_decoded() -> None:
    assert decode_button("x:y:z") is None
    assert decode_button("12:3") is None
    assert decode_button(encode_button(1, 2, "b")) == (1, 2, "b")


def test_an_answer_gets_one_message_saved_table_and_next_question() -> None:
    turn = Turn(
        (
            Reply("已保存。表三当前填写情况：", pre="3 0 1"),
            Reply("【第三部分】 表三「二、上年结转」", buttons=((Button("跳过", "s"),),)),
        ),
        report_id=1,
        question=8,
    )
    ((text, markup),) = compose(turn)
    assert (
        text == "已保存。表三当前填写情况：\n<pre>3 0 1</pre>\n\n【第三部分】 表三「二、上年结转」"
    )
    assert markup is not None and markup.inline_keyboard[0][0].callback_data == "1:8:s"


def test_a_reply_with_buttons_is_not_joined_to_the_next() -> None:
    turn = Turn(
        (Reply("发现问题", buttons=((Button("修改", "f7"),),)), Reply("下一题")), report_id=1
    )
    assert [text for text, _ in compose(turn)] == ["发现问题", "下一题"]


def test_replies_too_long_together_stay_apart() -> None:
    turn = Turn((Reply("甲" * 3000), Reply("乙" * 3000)), report_id=1)
    assert len(compose(turn)) == 2


async def test_a_long_reply_reaches_telegram_in_parts_within_its_limit(tg) -> None:
    user = tg.user(id=3001, first_name="测试")
    lines = [f"第{i}行：" + "政务公开" * 15 for i in range(120)]
    turn = Turn((Reply("\n".join(lines), buttons=((Button("目录", "M"),),)),), report_id=1)
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        sent = await send_turn(bot, user.id, turn)
    assert len(sent) >= 2  # the fake refuses any message over 4096 characters, as Telegram does
    assert "\n".join(m["text"] for m in user.messages) == "\n".join(lines)
    assert user.messages[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "目录"
    assert all("reply_markup" not in m for m in user.messages[:-1])


async def test_the_pdf_follows_the_word_report(tg) -> None:
    user = tg.user(id=3002, first_name="测试")
    docx = Document("报告.docx", b"PK docx", "报告")
    pdf = Document("报告.pdf", b"%PDF-1.7", "报告（PDF）")
    turn = Turn((Reply("报告已生成，校验通过。"),), report_id=1, document=docx, attachments=(pdf,))
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        await send_turn(bot, user.id, turn)
    assert [(d.file_name, d.content) for d in user.documents] == [
        ("报告.docx", b"PK docx"),
        ("报告.pdf", b"%PDF-1.7"),
    ]
