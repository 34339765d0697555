"""`nianbao run` as a real process: exit codes, the health endpoint in polling mode, SIGTERM."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.logging_setup import REDACTED, RedactingFormatter
from tests.fake_telegram import FakeTelegram
from tests.telegram.botproc import PROJECT_ROOT, BotProcess, bot_env, free_port, run_once


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "nianbao.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def test_without_token_exits_2_with_a_chinese_message(tmp_path: Path, db_url: str) -> None:
    result = run_once(["run"], bot_env(None, db_url), tmp_path)
    assert result.returncode == 2, result.stderr
    assert "未设置 TELEGRAM_BOT_TOKEN" in result.stderr
    assert "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr


def test_token_rejected_by_telegram_exits_3(tg: FakeTelegram, tmp_path: Path, db_url: str) -> None:
    env = bot_env(tg, db_url, TELEGRAM_BOT_TOKEN="987654:REVOKED-token-value")
    result = run_once(["run"], env, tmp_path)
    assert result.returncode == 3, result.stderr
    assert "Telegram 拒绝了该机器人令牌" in result.stderr
    assert "Traceback" not in result.stderr
    assert "REVOKED-token-value" not in result.stdout + result.stderr
    assert "Unclosed" not in result.stderr  # the bot's HTTP sessions were closed


def test_telegram_unreachable_exits_1_and_closes_what_it_opened(
    tmp_path: Path, db_url: str
) -> None:
    env = bot_env(None, db_url, TELEGRAM_BOT_TOKEN="123456:TEST-token")
    env["TELEGRAM_BASE_URL"] = f"http://127.0.0.1:{free_port()}/bot"  # nobody listens
    result = run_once(["run"], env, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "无法连接 Telegram" in result.stderr
    assert "Unclosed" not in result.stderr and "Traceback" not in result.stderr


def test_webhook_port_taken_exits_1_and_closes_what_it_opened(
    tg: FakeTelegram, tmp_path: Path, db_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_once(
            ["run", "--webhook", f"http://127.0.0.1:{port}/telegram", "--port", str(port)],
            bot_env(tg, db_url),
            tmp_path,
        )
    assert result.returncode == 1, result.stderr
    assert f":{port} 上监听" in result.stderr
    assert "Unclosed" not in result.stderr and "Traceback" not in result.stderr


def test_token_rejected_in_webhook_mode_exits_3(
    tg: FakeTelegram, tmp_path: Path, db_url: str
) -> None:
    env = bot_env(tg, db_url, TELEGRAM_BOT_TOKEN="987654:REVOKED-token-value")
    port = free_port()
    result = run_once(
        ["run", "--webhook", f"http://127.0.0.1:{port}/telegram", "--port", str(port)],
        env,
        tmp_path,
    )
    assert result.returncode == 3, result.stderr
    assert "Telegram 拒绝了该机器人令牌" in result.stderr
    assert tg.call_count("setWebhook") == 0


def test_malformed_webhook_secret_exits_2(tg: FakeTelegram, tmp_path: Path, db_url: str) -> None:
    env = bot_env(tg, db_url, TELEGRAM_WEBHOOK_SECRET="has space;中文")
    result = run_once(["run", "--webhook", "https://bot.example.org/telegram"], env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert tg.call_count("getMe") == 0


def test_malformed_webhook_url_exits_2(tg: FakeTelegram, tmp_path: Path, db_url: str) -> None:
    result = run_once(
        ["run", "--webhook", "bot.example.org/telegram"], bot_env(tg, db_url), tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert "Webhook 地址无效" in result.stderr


def test_polling_health_and_sigterm_finish_the_update_in_flight(
    tg: FakeTelegram, tmp_path: Path, db_url: str
) -> None:
    health_port = free_port()
    env = bot_env(tg, db_url, NIANBAO_HEALTH_PORT=str(health_port))
    bot = BotProcess(["run"], env, tmp_path)
    try:
        health = bot.wait_healthy(f"http://127.0.0.1:{health_port}/healthz")
        assert health == {"status": "ok", "db": "ok", "mode": "polling"}
        assert tg.call_count("setMyCommands") == 1  # post_init ran

        # The reply is refused once with "retry after 1 s": the handler is still running (the
        # rate limiter waits to retry) when SIGTERM arrives. It must finish before the exit.
        tg.fail_next("sendMessage", status=429, retry_after=1)
        user = tg.user(id=1001, first_name="张三")
        user.send_command("help")
        refused = tg.wait_for_request("sendMessage")
        assert refused.status == 429
        started = time.monotonic()
        code = bot.terminate()
        assert code == 0, bot.log
        assert "本助手协助填写" in user.wait_for_messages(1)[0]["text"]
        assert time.monotonic() - started < 10
        tg.wait_until_updates_consumed()  # the update was confirmed to Telegram
        log = bot.log
        assert "handled in" in log
        assert tg.token.split(":")[1] not in log
    finally:
        bot.close()


def test_idle_polling_bot_stops_promptly(tg: FakeTelegram, tmp_path: Path, db_url: str) -> None:
    """A pending long poll (10 s on Telegram's side) does not delay the exit."""
    health_port = free_port()
    bot = BotProcess(["run"], bot_env(tg, db_url, NIANBAO_HEALTH_PORT=str(health_port)), tmp_path)
    try:
        bot.wait_healthy(f"http://127.0.0.1:{health_port}/healthz")
        # The Docker image's HEALTHCHECK command agrees.
        env = {"NIANBAO_HEALTH_PORT": str(health_port), "PATH": os.environ.get("PATH", "")}
        healthcheck = [sys.executable, str(PROJECT_ROOT / "deploy" / "healthcheck.py")]
        assert subprocess.run(healthcheck, env=env, timeout=30).returncode == 0
        tg.wait_for_request(
            "getUpdates", lambda r: float(r.params.get("timeout") or 0) >= 10, finished=False
        )
        started = time.monotonic()
        assert bot.terminate() == 0, bot.log
        assert time.monotonic() - started < 5
        assert "bot stopped" in bot.log
        assert subprocess.run(healthcheck, env=env, capture_output=True, timeout=30).returncode == 1
    finally:
        bot.close()


def test_log_lines_never_show_the_token() -> None:
    formatter = RedactingFormatter("%(message)s", ["123456:ABCdef-secret_token"])
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST %s",
        ("https://api.telegram.org/bot123456:ABCdef-secret_token/getMe",),
        None,
    )
    assert formatter.format(record) == f"POST https://api.telegram.org/bot{REDACTED}/getMe"
    record.args = ("path /ABCdef-secret_token/ only",)
    assert "ABCdef-secret_token" not in formatter.format(record)
