"""Webhook mode: `nianbao run --webhook …` as a real process behind the fake Telegram.

Only requests carrying Telegram's secret token reach the bot; anything else is answered 403
and leaves no trace (no reply, nothing in the database).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.telegram.webhook import check_webhook_url, generate_secret, valid_secret, webhook_path
from storage import members, orgs
from storage.db import make_engine
from tests.fake_telegram import FakeTelegram
from tests.telegram.botproc import BotProcess, bot_env, free_port

SECRET = "S3cret_token-for-tests"


@pytest.fixture
def invited(tmp_path: Path, sqlite_template: Path) -> tuple[str, str]:
    """A database with one organisation and a fresh invite: (url, code)."""
    path = tmp_path / "nianbao.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            org = orgs.create_org(session, name="淮安市测试局", org_type="department")
            assert org.id is not None
            _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="t")
    finally:
        engine.dispose()
    return url, code


def member_count(url: str, telegram_user_id: int) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            found = members.get_member(session, telegram_user_id=telegram_user_id)
            return 0 if found is None else 1
    finally:
        engine.dispose()


def start_update(update_id: int, user_json: dict, text: str) -> dict:
    """A private-chat /start message as Telegram would POST it."""
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user_json,
            "chat": {
                "id": user_json["id"],
                "type": "private",
                "first_name": user_json["first_name"],
            },
            "date": int(time.time()),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


def test_only_requests_with_the_secret_token_are_processed(
    tg: FakeTelegram, tmp_path: Path, invited: tuple[str, str]
) -> None:
    db_url, code = invited
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    bot = BotProcess(
        f"run --webhook {url} --listen 127.0.0.1 --port {port} --secret-token {SECRET}".split(),
        bot_env(tg, db_url),
        tmp_path,
    )
    try:
        health = bot.wait_healthy(f"http://127.0.0.1:{port}/healthz")
        assert health == {"status": "ok", "db": "ok", "mode": "webhook"}
        registered = tg.wait_for_request("setWebhook")
        assert registered.params["url"] == url
        assert registered.params["secret_token"] == SECRET
        assert "message" in registered.params["allowed_updates"]
        assert "callback_query" in registered.params["allowed_updates"]
        assert tg.webhook_url == url

        user = tg.user(id=2001, first_name="李四")
        forged = start_update(900001, user.to_json(), f"/start {code}")
        assert tg.post_update(url, forged) == 403
        assert tg.post_update(url, {**forged, "update_id": 900002}, secret_token="wrong") == 403
        assert tg.post_update(url, {**forged, "update_id": 900003}, secret_token=SECRET[:-1]) == 403
        # Refused means refused: no reply, nobody joined, the invite is still unused.
        assert tg.call_count("sendMessage") == 0
        assert member_count(db_url, user.id) == 0

        # Over 1 MB: 413, answered (post_update raises if the connection is cut instead).
        for size in (1024 * 1024, 5 * 1024 * 1024):
            padded = {**forged, "update_id": 900005, "padding": "x" * size}
            assert tg.post_update(url, padded, secret_token=SECRET) == 413
        assert tg.post_update(url, {**forged, "update_id": 900004}, secret_token=SECRET) == 200
        user.wait_for_text("登记成功")
        assert member_count(db_url, user.id) == 1
        assert len(user.messages) == 1

        # Telegram's own deliveries carry the secret set by setWebhook.
        stranger = tg.user(id=2002, first_name="王五")
        stranger.send_command("help")
        assert "本助手协助填写" in stranger.wait_for_messages(1)[0]["text"]
        assert tg.wait_for_delivery(lambda d: d.ok).secret_token == SECRET
        stranger.send_command("start", "WRONGCODE99")
        stranger.wait_for_text("登记未成功")

        assert bot.terminate() == 0, bot.log
        log = bot.log
        assert "webhook request refused: missing secret token" in log
        assert "webhook request refused: wrong secret token" in log
        for secret in (SECRET, tg.token.split(":")[1], code):
            assert secret not in log
        # The webhook stays registered: Telegram keeps updates for us while we are down.
        assert tg.webhook_url == url
        assert tg.call_count("deleteWebhook") == 0
    finally:
        bot.close()


def test_health_on_its_own_port_and_updates_kept_while_stopping(
    tg: FakeTelegram, tmp_path: Path, invited: tuple[str, str]
) -> None:
    """Generated secret, a separate health port; SIGTERM finishes the update being handled."""
    db_url, _ = invited
    port, health_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}/hook/path"
    env = bot_env(
        tg, db_url, NIANBAO_HEALTH_PORT=str(health_port), NIANBAO_WEBHOOK_LISTEN="127.0.0.1"
    )
    bot = BotProcess(["run", "--webhook", url, "--port", str(port)], env, tmp_path)
    try:
        bot.wait_healthy(f"http://127.0.0.1:{health_port}/healthz")
        secret = tg.wait_for_request("setWebhook").params["secret_token"]
        assert valid_secret(secret) and len(secret) >= 32
        assert secret not in bot.log

        tg.fail_next("sendMessage", status=429, retry_after=1)
        user = tg.user(id=2003, first_name="赵六")
        user.send_command("help")
        assert tg.wait_for_request("sendMessage").status == 429
        assert bot.terminate() == 0, bot.log
        assert "本助手协助填写" in user.wait_for_messages(1)[0]["text"]
    finally:
        bot.close()


def test_secret_rules() -> None:
    assert valid_secret("A-z_09")
    assert valid_secret("x" * 256)
    for bad in ("", "x" * 257, "has space", "中文", "semi;colon", "slash/"):
        assert not valid_secret(bad)
    secrets = {generate_secret() for _ in range(20)}
    assert len(secrets) == 20 and all(valid_secret(s) for s in secrets)


def test_webhook_url_rules() -> None:
    assert webhook_path("https://bot.example.org/telegram") == "/telegram"
    assert webhook_path("https://bot.example.org") == "/"
    assert check_webhook_url("https://bot.example.org/telegram") is None
    assert check_webhook_url("bot.example.org/telegram") is not None
    assert check_webhook_url("ftp://bot.example.org/x") is not None
    assert check_webhook_url("https://bot.example.org/healthz") is not None
