"""`nianbao web` as a process: serves on the given address, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.web.live import free_port


def test_nianbao_web_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from bot.cli import app; app()",
            "web",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:  # uvicorn says when it listens
            lines.append(line)
            if "Uvicorn running on" in line:
                break
        else:
            raise AssertionError("".join(lines))
        response = httpx.get(f"http://127.0.0.1:{port}/login")
        assert response.status_code == 200 and "登录" in response.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        rest = process.stdout.read()
        assert "Finished server process" in rest
    finally:
        if process.poll() is None:
            process.kill()
