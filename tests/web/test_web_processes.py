"""`nianbao run` and two `nianbao web` processes at once on one database, as deployed: two web
processes behind one address serve the same members (a session started on one is valid on
the other, a save on one is seen on the other) while the bot serves the same reports.

Deployments run several web processes on PostgreSQL (docs/operations.md); on one host's
SQLite file it is correct too (WAL, the busy timeout), only slower under many writers, so the
test runs on both databases."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from storage import members, orgs
from storage.db import make_engine, session_scope
from tests.fake_telegram import FakeTelegram
from tests.telegram.botproc import BotProcess, bot_env, free_port
from tests.web.conftest import csrf_of

AGENCY = "某某市某某局"


def _wait_serving(process: BotProcess, base: str, timeout: float = 60) -> None:
    """Until the web process answers its sign-in page (fails early if it exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise AssertionError(f"nianbao web exited:\n{process.log}")
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{base} not serving after {timeout} s:\n{process.log}")


class Deployment:
    """The bot (its links pointing at the first web process) and two web processes, each
    started in a directory of its own."""

    def __init__(self, tg: FakeTelegram, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.ports = [free_port(), free_port()]
        self.bases = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.running: list[BotProcess] = []
        self.crashed: list[BotProcess] = []
        health = free_port()
        env = bot_env(
            tg,
            database_url,
            NIANBAO_HEALTH_PORT=str(health),
            NIANBAO_WEB_URL=self.bases[0] + "/",
        )
        self.bot = self._start(["run"], env)
        self.webs = [self.start_web(index, wait=False) for index in range(2)]
        self.bot.wait_healthy(f"http://127.0.0.1:{health}/healthz")
        for web, base in zip(self.webs, self.bases, strict=True):
            _wait_serving(web, base)

    def _start(self, args: list[str], env: dict[str, str]) -> BotProcess:
        cwd = self.tmp_path / f"process{len(self.running) + len(self.crashed)}"
        cwd.mkdir()
        process = BotProcess(args, env, cwd)
        self.running.append(process)
        return process

    def start_web(self, index: int, *, wait: bool = True) -> BotProcess:
        args = ["web", "--port", str(self.ports[index])]
        process = self._start(args, bot_env(None, self.database_url))
        if wait:
            _wait_serving(process, self.bases[index])
            self.webs[index] = process
        return process

    def crash(self, process: BotProcess) -> None:
        """SIGKILL: no chance to finish anything."""
        process.process.send_signal(signal.SIGKILL)
        process.process.wait(timeout=20)
        self.running.remove(process)
        self.crashed.append(process)

    def stop(self) -> None:
        for process in self.running:
            assert process.terminate() == 0, process.log

    def close(self) -> None:
        for process in self.running + self.crashed:
            process.close()


@pytest.fixture
def deployment(tg: FakeTelegram, tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    started = Deployment(tg, tmp_path, database_url)
    try:
        yield started
        started.stop()
    finally:
        started.close()


def _report_page(client: httpx.Client) -> tuple[str, str, int]:
    """The member's report: its URL, the page's CSRF token and the version it shows."""
    response = client.get("/report")
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    html = client.get(url).text
    version = re.search(r'data-version="(\d+)"', html)
    assert version, html
    return url, csrf_of(html), int(version.group(1))


def _save(client: httpx.Client, url: str, csrf: str, version: int, field: str, value: str) -> int:
    response = client.post(
        url + "/cells",
        data={"field": field, "value": value, "version": str(version)},
        headers={"x-csrf-token": csrf, "accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    return response.json()["version"]


def _value_on_page(html: str, field: str) -> str:
    found = re.search(rf'name="v\.{re.escape(field)}" value="([^"]*)"', html)
    assert found, field
    return found.group(1)


def test_the_bot_and_two_web_processes_serve_the_same_members_at_once(
    deployment: Deployment, tg: FakeTelegram, database_url: str
) -> None:
    first, second = deployment.bases
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            org = orgs.create_org(session, name=AGENCY, org_type="department")
            _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="t")
    finally:
        engine.dispose()

    # A member joins in Telegram and asks the bot for a sign-in link to the web.
    user = tg.user(id=5150, first_name="周十")
    user.send_command("start", code)
    user.wait_for_text(AGENCY)
    user.send_command("web")
    link = re.search(re.escape(first) + r"(/link/\S+)", user.wait_for_text("/link/")["text"])
    assert link

    with (
        httpx.Client(base_url=first, timeout=30) as on_first,
        httpx.Client(base_url=second, timeout=30) as on_second,
    ):
        # Signed in on the first web process …
        page = on_first.get(link.group(1))
        signed_in = on_first.post(link.group(1), data={"csrf": csrf_of(page.text)})
        assert signed_in.status_code == 303
        cookie = on_first.cookies["nianbao_session"]

        # … the same session on the second: its pages, its CSRF token, a save.
        on_second.cookies.set("nianbao_session", cookie)
        url, csrf, version = _report_page(on_second)
        version = _save(on_second, url, csrf, version, "s3.new.natural", "7")
        version = _save(on_second, url, csrf, version, "s1.text", "由第二个网页进程保存的概述。")

        # The first sees the second's saves, and its own save is seen on the second.
        first_url, first_csrf, first_version = _report_page(on_first)
        assert (first_url, first_csrf, first_version) == (url, csrf, version)
        assert _value_on_page(on_first.get(url).text, "s3.new.natural") == "7"
        version = _save(on_first, url, csrf, version, "s3.new.commercial", "3")
        html = on_second.get(url).text
        assert _value_on_page(html, "s3.new.commercial") == "3"
        assert "由第二个网页进程保存的概述。" in html

        # The second crashes right after a save was shown as saved: nothing is lost, and
        # restarted, it serves the same session again.
        _save(on_second, url, csrf, version, "s3.new.research", "5")
        deployment.crash(deployment.webs[1])
        assert _value_on_page(on_first.get(url).text, "s3.new.research") == "5"
        deployment.start_web(1)
        assert _value_on_page(on_second.get(url).text, "s3.new.research") == "5"

        # Signing out on one ends the session on both.
        logout = on_first.post("/logout", data={"csrf": csrf})
        assert logout.status_code == 303
        assert on_second.get("/report").headers["location"] == "/login"

    # The bot, meanwhile on the same database, reports what the web saved.
    user.send_command("status")
    status = user.wait_for_text("填写进度")["text"]
    assert AGENCY in status and "填写进度 1/36" in status
    assert deployment.bot.process.poll() is None
