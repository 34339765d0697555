"""Screenshots of the web front end's main pages, by a headless Chromium, into this folder.

    .venv/bin/python docs/screenshots/make.py

A fresh SQLite database with the demo data (`nianbao web --demo`), served on a free port;
the demo member signs in, fills part of the report, and the pages are captured at 1366×768
and at a phone's 390×844.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.by import By  # noqa: E402

from bot.web.demo import prepare_demo  # noqa: E402
from storage.db import make_engine, upgrade_database  # noqa: E402
from tests.web.live import chromium, live_server  # noqa: E402

OUT = Path(__file__).resolve().parent


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="nianbao-shots-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'shots.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        access = prepare_demo(engine)
        with live_server(engine) as base, chromium(download_dir=Path(workdir)) as driver:
            driver.get(f"{base}/login")
            driver.save_screenshot(str(OUT / "login.png"))
            driver.find_element(By.ID, "login").send_keys(access.login)
            driver.find_element(By.ID, "password").send_keys(access.password)
            driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
            driver.get(f"{base}/report?year={access.year}")
            report = driver.current_url
            driver.save_screenshot(str(OUT / "report.png"))
            cells = {"c-s3-new-natural": "12", "c-s3-new-commercial": "3", "c-s3-new-legal": "x"}
            for anchor, value in cells.items():
                driver.find_element(By.ID, anchor).send_keys(value)
            driver.find_element(By.ID, "c-s3-new-other").click()
            driver.find_element(By.CSS_SELECTOR, "#sec-s3 form.table-form button").click()
            driver.get(report + "#sec-s3")
            driver.save_screenshot(str(OUT / "table3.png"))
            driver.get(report + "#sec-s4")
            driver.save_screenshot(str(OUT / "table4.png"))
            driver.get(report + "#sec-s1")
            driver.save_screenshot(str(OUT / "text.png"))
            driver.get(report.split("#")[0] + "/preview")
            driver.save_screenshot(str(OUT / "preview.png"))
            driver.set_window_size(390, 844)
            driver.get(report + "#sec-s3")
            driver.save_screenshot(str(OUT / "phone-table3.png"))
        engine.dispose()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
