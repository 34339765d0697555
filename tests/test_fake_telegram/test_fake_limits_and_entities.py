"""Flood control (token buckets on a fake clock) and entity parsing with UTF-16 lengths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.entities import (
    EntityParseError,
    find_bot_commands,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)
from tests.fake_telegram.errors import ApiError
from tests.fake_telegram.limits import RateLimiter, parse_text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_utf16_lengths() -> None:
    assert utf16_len("年报") == 2  # CJK in the BMP: one unit each
    assert utf16_len("😀") == 2  # outside the BMP: a surrogate pair
    assert utf16_len("𠀀") == 2  # CJK Extension B is outside the BMP too
    assert utf16_len("a👍🏽b") == 6  # emoji + skin tone modifier: 2 + 2
    assert utf16_len("") == 0


def test_html_entities_offsets_in_utf16() -> None:
    text, entities = parse_html("😀<b>年报</b> <a href='https://gov.cn'>链接</a> &lt;&amp;&gt;")
    assert text == "😀年报 链接 <&>"
    assert entities == [
        {"type": "bold", "offset": 2, "length": 2},
        {"type": "text_link", "offset": 5, "length": 2, "url": "https://gov.cn/"},
    ]


def test_html_errors_quote_byte_offsets() -> None:
    with pytest.raises(EntityParseError, match='Unsupported start tag "div" at byte offset 6'):
        parse_html("年报<div>")
    with pytest.raises(EntityParseError, match="Unmatched end tag at byte offset 7"):
        parse_html("<b>x<i></b>")


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2("*粗体* _斜体_ 1\\.5 `代码`")
    assert text == "粗体 斜体 1.5 代码"
    assert [e["type"] for e in entities] == ["bold", "italic", "code"]
    assert entities[2] == {"type": "code", "offset": 10, "length": 2}
    with pytest.raises(EntityParseError, match="Character '-' is reserved"):
        parse_markdown_v2("2024-01-01")


@pytest.mark.parametrize("parse", [parse_markdown_v2, parse_markdown])
def test_code_blocks_with_and_without_a_language(parse: Callable[[str], Any]) -> None:
    assert parse("```python\nprint(1)\n```") == (
        "print(1)\n",
        [{"type": "pre", "offset": 0, "length": 9, "language": "python"}],
    )
    # One new line after the fence is dropped (\r\n counts as one), a second one is code.
    assert parse("```\r\ncode```") == ("code", [{"type": "pre", "offset": 0, "length": 4}])
    assert parse("```\n\nx```") == ("\nx", [{"type": "pre", "offset": 0, "length": 2}])
    # A word alone on the fence line is code, not a language.
    assert parse("```py```") == ("py", [{"type": "pre", "offset": 0, "length": 2}])


def test_trimming_and_length_after_parsing() -> None:
    formatted = parse_text("  \n<b>你好</b>\n ", "HTML", None)
    assert formatted.text == "你好" and formatted.entities == [
        {"type": "bold", "offset": 0, "length": 2}
    ]


def test_bot_command_entities() -> None:
    assert find_bot_commands("/start ABC") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert find_bot_commands("请输入 /status@nianbao_test_bot") == [
        {"type": "bot_command", "offset": 4, "length": 24}
    ]
    assert find_bot_commands("a/b 1/2") == []


def test_token_bucket_per_chat_and_global() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limiter.configure(global_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    for _ in range(3):
        limiter.acquire(1)
    with pytest.raises(ApiError) as refused:
        limiter.acquire(1)
    assert refused.value.status == 429 and refused.value.parameters == {"retry_after": 1}
    limiter.acquire(2)  # another chat is not affected
    clock.now += 1.0
    limiter.acquire(1)  # one token refilled
    assert (limiter.refused, limiter.granted) == (1, 5)

    # Overall: 30 burst, then 30/s; 29 tokens are left after the refill above.
    for chat in range(100, 129):
        limiter.acquire(chat)
    with pytest.raises(ApiError):
        limiter.acquire(200)
    clock.now += 0.1  # three tokens back
    for chat in range(300, 303):
        limiter.acquire(chat)
    with pytest.raises(ApiError):
        limiter.acquire(400)
    assert limiter.refused == 3 and limiter.refused_by_chat[400] == 1


def test_retry_after_is_whole_seconds_until_a_token() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limiter.configure(per_chat_per_second=0.25, per_chat_burst=1)
    limiter.acquire(7)
    with pytest.raises(ApiError) as refused:
        limiter.acquire(7)
    assert refused.value.parameters == {"retry_after": 4}


def test_enforced_limits_on_the_server(tg: FakeTelegram) -> None:
    user = tg.user()
    tg.configure_limits(per_chat_per_second=1, per_chat_burst=2)
    statuses = [tg.call_api("sendMessage", chat_id=user.id, text=str(i))[0] for i in range(4)]
    assert statuses[:2] == [200, 200] and set(statuses[2:]) == {429}
    assert tg.rate_limited_count == 2 and tg.rate_limited_by_chat == {user.id: 2}
    _, body = tg.call_api("sendMessage", chat_id=user.id, text="x")
    assert body["parameters"]["retry_after"] >= 1 and body["description"].startswith(
        "Too Many Requests: retry after "
    )
    tg.enforce_limits = False
    assert tg.call_api("sendMessage", chat_id=user.id, text="free")[0] == 200
    assert len(user.messages) == 3


def test_sync_user_waits_and_timeout_message(tg: FakeTelegram) -> None:
    user = tg.user(first_name="赵六")
    tg.call_api("sendMessage", chat_id=user.id, text="第一条")
    tg.call_api("sendMessage", chat_id=user.id, text="第二条 <b>粗</b>", parse_mode="HTML")
    assert [m["text"] for m in user.wait_for_messages(2)] == ["第一条", "第二条 粗"]
    with pytest.raises(
        AssertionError,
        match=r"timed out waiting for a message containing '第三条'.*already read.*第二条",
    ):
        user.wait_for_text("第三条", timeout=0.05)
    assert user.last_message is not None and user.last_message["text"] == "第二条 粗"
