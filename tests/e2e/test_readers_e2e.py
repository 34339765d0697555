"""Reading does not queue behind writing: /status, /preview and /generate run on their own
threads (and updates are taken into the inbox on a thread of their own), so a member asking
for their report is answered while another member's answer waits for the worker thread busy
with a long write (and that answer is saved once it is free)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor


async def test_status_is_answered_while_an_answer_waits_for_the_worker_thread(
    tg, running_bot, make_org, make_invite
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

    # A long write keeps the one worker thread busy until released.
    release = threading.Event()
    busy = workers.submit(release.wait)
    try:
        writer.send_text("本机关全年主动公开政府信息 120 条。")
        await tg.wait_until_updates_consumed_async()  # stored in the inbox

        reader.send_command("status")
        status = await reader.wait_for_text_async("报告状态")
        assert "第一部分" in status["text"]
        assert writer.unread == []  # the answer is still waiting for the worker thread
    finally:
        release.set()
    busy.result()

    await writer.wait_for_text_async("已保存")
    workers.shutdown()
