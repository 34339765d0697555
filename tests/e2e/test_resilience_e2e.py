"""Telegram trouble: 429 and network failures delay replies but lose none; a failing update
does not stop the bot, and the member is told their answers are safe."""

from __future__ import annotations

import logging

import pytest

from bot.chat.service import ReportChat


@pytest.fixture
async def member(tg, running_bot, make_org, make_invite):
    user = tg.user(id=4001, first_name="冯")
    user.send_command("start", make_invite(make_org("某某镇人民政府", org_type="township")))
    await user.wait_for_text_async("登记成功")
    user.tap("开始填写")
    await user.wait_for_text_async("第一部分 总体情况")
    return user


async def test_retry_after_is_waited_out_and_the_reply_arrives(tg, member) -> None:
    tg.fail_next("sendMessage", retry_after=1, times=1)
    member.send_text("总体情况：依法推进政务公开。")
    await member.wait_for_text_async("已保存")
    assert any(r.status == 429 for r in tg.calls("sendMessage"))


async def test_network_failure_is_retried(tg, member) -> None:
    tg.fail_next("sendMessage", status=502, times=1)
    member.send_text("总体情况：依法推进政务公开。")
    await member.wait_for_text_async("已保存")
    assert any(r.status == 502 for r in tg.calls("sendMessage"))


async def test_a_failing_update_is_logged_and_the_bot_goes_on(member, monkeypatch, caplog) -> None:
    original = ReportChat.answer
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(ReportChat, "answer", flaky)
    with caplog.at_level(logging.ERROR):
        member.send_text("第一条")
        apology = await member.wait_for_text_async("处理您的消息时出现故障")
    assert "已填写的内容均已保存" in apology["text"]
    assert any("update" in r.getMessage() and "failed" in r.getMessage() for r in caplog.records)
    member.send_text("第二条")
    await member.wait_for_text_async("已保存")
