"""The bot process killed with SIGKILL mid-table: the member continues where they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


@pytest.fixture
def start_bot(
    tg: FakeTelegram, database_url: str, tmp_path: Path
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
    }

    def start() -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"bot-{len(processes)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([NIANBAO, "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_sigkill_mid_table_loses_nothing(tg, start_bot, make_org, make_invite) -> None:
    code = make_invite(make_org("某某县交通运输局"))
    bot = start_bot()
    user = tg.user(id=8001, first_name="赵")
    user.send_command("start", code)
    user.wait_for_text("登记成功", timeout=30)  # the first start also migrates the database
    user.tap("开始填写")
    user.wait_for_text("第一部分 总体情况")
    user.send_text("总体情况：本局依法做好政府信息公开工作。")
    user.wait_for_text("已保存")
    user.tap("完成")
    user.wait_for_text("表二「规章」")
    user.tap("本表全部为0")
    user.wait_for_text("确定吗")
    user.tap("确定填为 0")
    user.wait_for_text("表三「一、本年新收政府信息公开申请数量」")
    user.send_text("3 0 1 0 0 0")
    user.wait_for_text("表三「二、上年结转政府信息公开申请数量」")

    bot.send_signal(signal.SIGKILL)
    bot.wait(timeout=10)
    start_bot()

    user.send_command("report")
    resumed = user.wait_for_text("接着上次的位置继续", timeout=30)
    assert "（已填写 8/36 项）" in resumed["text"]
    assert "表三「二、上年结转政府信息公开申请数量」" in resumed["text"]
    user.send_text("0")
    saved = user.wait_for_text("表三已填 2/24 行")
    assert "表三「（一）予以公开」" in saved["text"]  # the next question, in the same message
    user.tap("查看整表")
    table = user.wait_for_text("表三当前填写情况")
    new_row = next(line for line in table["text"].splitlines() if "本年新收" in line)
    assert new_row.split()[:7] == ["3", "0", "1", "0", "0", "0", "4"]
    user.send_command("preview")
    preview = user.wait_for_text("表二（主动公开政府信息情况）")
    assert "规章：本年制发件数 0" in preview["text"]
