"""`nianbao run` as a real subprocess against the fake Telegram, for the runner/webhook tests.

Waits are on conditions with deadlines (the health endpoint answering 200, the process
exiting), never fixed sleeps.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.fake_telegram import FakeTelegram

NIANBAO = Path(sys.executable).with_name("nianbao")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(tg: FakeTelegram | None, database_url: str, **extra: str) -> dict[str, str]:
    """The parent's environment without any of our settings, pointed at the fake and `database_url`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "NIANBAO_")) and key != "DATABASE_URL"
    }
    env["DATABASE_URL"] = database_url
    env["NIANBAO_PDF"] = "off"  # no LibreOffice started by the bots under test
    if tg is not None:
        env.update(
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_BASE_URL=tg.base_url,
            TELEGRAM_BASE_FILE_URL=tg.base_file_url,
        )
    env.update(extra)
    return env


def run_once(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NIANBAO), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


class BotProcess:
    """`nianbao ARGS` started in `cwd` (no .env there), its output in `cwd/bot.log`."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.log_path = cwd / "bot.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(NIANBAO), *args], env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, url: str, timeout: float = 60) -> dict[str, Any]:
        """Poll GET `url` until it answers 200; its JSON body. Fails early if the bot exits."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"bot exited with {self.process.returncode}:\n{self.log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}: {exc.read()!r}"
            except OSError as exc:  # not listening yet
                last = exc
            time.sleep(0.05)
        raise AssertionError(f"{url} not healthy after {timeout} s (last: {last}):\n{self.log}")

    def terminate(self, timeout: float = 20) -> int:
        """SIGTERM, then the exit code (SIGKILL and fail if it does not exit in time)."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 20) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"bot did not exit within {timeout} s:\n{self.log}") from None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
