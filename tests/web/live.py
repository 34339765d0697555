"""The web front end over real HTTP (uvicorn in a thread on a free port) and a real headless
Chromium driven by Selenium (Debian's chromium and chromedriver; nothing downloaded)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import uvicorn
from sqlalchemy.engine import Engine

from bot.config import get_settings
from bot.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(engine: Engine, *, today: Callable[[], date] | None = None) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1; yields its base URL."""
    port = free_port()
    app = create_app(get_settings(), engine=engine, **({"today": today} if today else {}))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        started.wait(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def nianbao_web(
    database: Path, *options: str, cwd: Path | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`nianbao web` on a free port until it says it listens; yields it and its base URL
    (what it printed until then: `process.printed`). No Telegram token in its environment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NIANBAO_"))}
    env["DATABASE_URL"] = f"sqlite:///{database}"
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
            *options,
        ],
        env=env,
        cwd=cwd or ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # uvicorn says when it listens
            lines.append(line)
            if "Uvicorn running on" in line:
                break
        else:
            raise AssertionError("".join(lines))
        process.printed = "".join(lines)  # type: ignore[attr-defined]
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def chrome_options(
    *,
    download_dir: Path,
    javascript: bool = True,
    width: int = 1366,
    height: int = 768,
    profile: Path | None = None,
):
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
    ):
        options.add_argument(argument)
    if profile is not None:
        options.add_argument(f"--user-data-dir={profile}")
    prefs: dict[str, object] = {
        "download.default_directory": str(download_dir),
        "download.prompt_for_download": False,
    }
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    return options


@contextmanager
def chromium(*, download_dir: Path, javascript: bool = True, width: int = 1366, height: int = 768):
    """A headless Chromium with a fresh profile of its own."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    profile = Path(tempfile.mkdtemp(prefix="nianbao-chromium-"))
    options = chrome_options(
        download_dir=download_dir,
        javascript=javascript,
        width=width,
        height=height,
        profile=profile,
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, text: str, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    """Until the page holds `text`."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: text in d.page_source)


def join(driver, site: str, code: str, login: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Join with an invite on /join as a person does, and wait to be signed in."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{site}/join")
    for field, value in (
        ("code", code),
        ("name", f"{login}同志"),
        ("login", login),
        ("password", password),
        ("password2", password),
    ):
        driver.find_element(By.ID, field).send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/join" not in d.current_url)


def press(driver, element_id: str) -> None:  # type: ignore[no-untyped-def]
    """Click a button as a person would: scrolled into view first (a long list of findings
    can leave it at the window's lower edge, under the page's fixed parts)."""
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
