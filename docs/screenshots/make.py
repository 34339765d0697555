"""Screenshots of the web front end's main pages, by a headless Chromium, into this folder.

    .venv/bin/python docs/screenshots/make.py

A fresh SQLite database with the demo data (`nianbao web --demo`), served on a free port;
the demo member signs in, fills part of the report, and the pages are captured at 1366×768
and at a phone's 390×844; then an administrator of a small tree opens the administration pages.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from bot.web.demo import prepare_demo  # noqa: E402
from bot.web.passwords import hash_password  # noqa: E402
from storage import members, org_admin, orgs, web_accounts  # noqa: E402
from storage.db import make_engine, session_scope, upgrade_database  # noqa: E402
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
            # Signed in before the report is asked for (a page asked for too early goes to
            # the sign-in page, which then leads to the current year's report).
            _sign_in(driver, base, access.login, access.password)
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
            driver.set_window_size(1366, 768)
            driver.delete_all_cookies()
            _sign_in(driver, base, *_admin(engine))
            driver.get(f"{base}/admin")
            driver.save_screenshot(str(OUT / "admin.png"))
            driver.get(f"{base}/admin/members")
            driver.save_screenshot(str(OUT / "admin-members.png"))
        engine.dispose()
    print(f"screenshots written to {OUT}")


def _admin(engine) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A city with two counties and their bureaus under the demo's city government, an
    administrator of it and two members of a bureau (one deactivated); returns the
    administrator's login and password."""
    password = "shots-2026-admin"
    with session_scope(engine) as session:
        city = orgs.list_orgs(session)[0]
        for county, bureaus in (
            ("洪泽区人民政府", ("洪泽区科技局", "高良涧街道")),
            ("涟水县人民政府", ("涟水县教育局",)),
        ):
            top = org_admin.add_org(
                session, actor="cli:shots", name=county, org_type="county_gov", parent_id=city.id
            )
            for name in bureaus:
                kind = "township" if name.endswith("街道") else "department"
                org_admin.add_org(
                    session, actor="cli:shots", name=name, org_type=kind, parent_id=top.id
                )
        _, code = members.create_invite(
            session, org_id=city.id, role="admin", created_by="cli:shots"
        )
        web_accounts.join_with_invite(
            session,
            code=code,
            login="admin",
            name="市政务公开办管理员",
            password_hash=hash_password(password),
            attempt_keys=["invite:shots"],
        )
        # Two members of a bureau, one of them deactivated (the list offers to restore her).
        bureau = next(o for o in orgs.list_orgs(session) if o.name == "洪泽区科技局")
        for login, name in (("wangfang", "王芳"), ("lijing", "李静")):
            _, code = members.create_invite(
                session, org_id=bureau.id, role="staff", created_by="cli:shots"
            )
            member = web_accounts.join_with_invite(
                session,
                code=code,
                login=login,
                name=name,
                password_hash=hash_password(password),
                attempt_keys=["invite:shots"],
            )
        members.deactivate_member(session, member_id=member.id, actor="cli:shots")
    return "admin", password


def _sign_in(driver, base: str, login: str, password: str) -> None:  # type: ignore[no-untyped-def]
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/login" not in d.current_url)


if __name__ == "__main__":
    main()
