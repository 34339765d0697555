"""Reading does not queue behind writing: /status, /preview and /generate run on their own
threads, so a member asking for their report is answered while another member's answer
waits for the database's write lock (and that answer is saved once the lock is free)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlmodel import Session

from storage.db import begin_write
from storage.models import Report


async def test_status_is_answered_while_an_answer_waits_for_the_write_lock(
    tg, running_bot, engine, make_org, make_invite
) -> None:
    # The worker threads as `nianbao run` sets them up on SQLite: one.
    workers = ThreadPoolExecutor(1)
    asyncio.get_running_loop().set_default_executor(workers)
    org = make_org("某某县审计局")
    writer = tg.user(id=7101, first_name="甲")
    reader = tg.user(id=7102, first_name="乙")
    for user in (writer, reader):
        user.send_command("start", make_invite(org))
        await user.wait_for_text_async("登记成功")
        user.send_command("report")
        await user.wait_for_text_async("第一部分 总体情况")

    with Session(engine) as blocker:
        # What any long write does: the database's write lock (SQLite), the report row
        # locked (PostgreSQL), held until rollback.
        begin_write(blocker)
        blocker.execute(select(Report).with_for_update()).all()
        writer.send_text("本机关全年主动公开政府信息 120 条。")
        await asyncio.to_thread(tg.wait_until_updates_consumed)  # the bot has the answer

        reader.send_command("status")
        status = await reader.wait_for_text_async("报告状态")
        assert "第一部分" in status["text"]
        assert writer.unread == []  # the answer is still waiting for the lock
        blocker.rollback()

    await writer.wait_for_text_async("已保存")
    workers.shutdown()
