"""`nianbao web` as a process: serves on the given address, answers health checks (the Docker
image's HEALTHCHECK too), believes a reverse proxy's forwarded address only when told to,
stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.web.live import nianbao_web

ROOT = Path(__file__).resolve().parents[2]


def test_nianbao_web_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with nianbao_web(tmp_path / "web.db") as (process, base):
        response = httpx.get(f"{base}/login")
        assert response.status_code == 200 and "登录" in response.text
        health = httpx.get(f"{base}/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "db": "ok", "mode": "web"}
        # The Docker image's HEALTHCHECK command (deploy/healthcheck.py) agrees.
        env = {"NIANBAO_HEALTH_PORT": base.rsplit(":", 1)[1], "PATH": os.environ["PATH"]}
        healthcheck = [sys.executable, str(ROOT / "deploy" / "healthcheck.py")]
        assert subprocess.run(healthcheck, env=env, timeout=30).returncode == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert process.stdout is not None
        assert "Finished server process" in process.stdout.read()
        assert subprocess.run(healthcheck, env=env, capture_output=True, timeout=30).returncode


def _failed_sign_in(base: str, forwarded_for: str) -> None:
    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        response = client.post(
            "/login",
            data={"csrf": csrf.group(1), "login": "nobody", "password": "wrong-password-1"},
            headers={"x-forwarded-for": forwarded_for},
        )
        assert response.status_code == 401


def _counted_addresses(database: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            keys = connection.execute(sa.text("SELECT key FROM login_attempts")).scalars()
            return sorted(k for k in keys if k.startswith("ip:"))
    finally:
        engine.dispose()


def test_sign_in_attempts_count_against_the_browsers_address_only_behind_a_trusted_proxy(
    tmp_path: Path,
) -> None:
    """Behind nginx every request comes from the proxy: with --forwarded-allow-ips the
    attempts count against the address the proxy forwards; without it a forged header is
    ignored."""
    trusted = tmp_path / "trusted.db"
    with nianbao_web(trusted, "--forwarded-allow-ips", "127.0.0.1") as (_, base):
        _failed_sign_in(base, "203.0.113.7")
    assert _counted_addresses(trusted) == ["ip:203.0.113.7"]
    direct = tmp_path / "direct.db"
    with nianbao_web(direct) as (_, base):
        _failed_sign_in(base, "203.0.113.7")
    assert _counted_addresses(direct) == ["ip:127.0.0.1"]


def test_the_demo_starts_with_one_command_and_no_token(tmp_path: Path) -> None:
    """`nianbao web --demo` (`make web`): its own database under var/, a demo agency with last
    year's report, and the account it prints signs in at once."""
    with nianbao_web(tmp_path / "unused.db", "--demo", cwd=tmp_path) as (process, base):
        printed = process.printed  # type: ignore[attr-defined]
        account = re.search(r"登录名 (\S+)，密码 (\S+)", printed)
        report = re.search(re.escape(base) + r"(/report\?year=\d+)", printed)
        assert account and report, printed
        with httpx.Client(base_url=base) as client:
            page = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf
            signed_in = client.post(
                "/login",
                data={"csrf": csrf.group(1), "login": account[1], "password": account[2]},
            )
            assert signed_in.status_code == 303
            response = client.get(report[1], follow_redirects=True)
            assert response.status_code == 200
            assert "填写进度" in response.text and "上年报告的本部分内容" in response.text
    assert (tmp_path / "var" / "nianbao-web-demo.db").exists()
    assert not (tmp_path / "unused.db").exists()
