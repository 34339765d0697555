"""A real headless Chromium over real HTTP: a supervisor sees exactly their subtree, opens a
submitted report and returns it with a comment; the staff member reads the comment, fixes the
report and resubmits; the supervisor approves, and the staff member sees it approved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.core.answers import AnswersFile, load_answers
from storage import members, orgs, reports
from storage.db import session_scope
from tests.web.conftest import PASSWORD, SAMPLES, TODAY
from tests.web.live import chromium, chromium_available, join, live_server, press, wait_for

pytestmark = pytest.mark.skipif(not chromium_available(), reason="chromium is not installed")

COMMENT = "第一部分“总体情况”未说明本年度主动公开的重点工作，请补充后重新提交。"
ADDED = "本年度重点公开了科技项目资金安排和政策解读。"

if chromium_available():
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture
def site(engine: Engine) -> Iterator[str]:
    with live_server(engine, today=lambda: TODAY) as base:
        yield base


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(download_dir=tmp_path) as browser:
        yield browser


def _setup(engine: Engine) -> dict[str, str]:
    """Two counties, each with a bureau whose 2025 report holds the sample's figures; the
    invites of the first county's supervisor and its bureau's staff member."""
    sample = load_answers(SAMPLES / "huaian-szf-2024.yaml")
    year = TODAY.year
    with session_scope(engine) as session:
        county = orgs.create_org(session, name="洪泽区人民政府", org_type="county_gov")
        bureau = orgs.create_org(
            session, name="洪泽区科技局", org_type="department", parent_id=county.id
        )
        other = orgs.create_org(session, name="涟水县人民政府", org_type="county_gov")
        other_bureau = orgs.create_org(
            session, name="涟水县科技局", org_type="department", parent_id=other.id
        )
        for org in (bureau, other_bureau):
            answers = AnswersFile(sample.kind, org.name, year, dict(sample.values))
            reports.import_answers(session, org_id=org.id, answers=answers)
        _, boss = members.create_invite(
            session, org_id=county.id, role="supervisor", created_by="test"
        )
        _, staff = members.create_invite(session, org_id=bureau.id, role="staff", created_by="t")
    return {"boss": boss, "staff": staff}


def _join(driver: WebDriver, site: str, code: str, login: str) -> None:
    join(driver, site, code, login, PASSWORD)


def _sign_out(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, "header form button").click()  # 退出
    WebDriverWait(driver, 10).until(lambda d: "/login" in d.current_url)


def _sign_in(driver: WebDriver, login: str) -> None:
    """Another member at the same PC: the one signed in leaves first."""
    _sign_out(driver)
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/login" not in d.current_url)


def test_return_with_a_comment_resubmit_and_approve_in_the_browser(
    driver: WebDriver, site: str, engine: Engine
) -> None:
    codes = _setup(engine)
    _join(driver, site, codes["staff"], "kjj")
    driver.get(f"{site}/report")
    report_url = driver.current_url.split("#")[0]
    press(driver, "submit-report")
    wait_for(driver, "报告已提交，正在等待上级审核")

    _sign_out(driver)
    _join(driver, site, codes["boss"], "hz-dc")
    driver.find_element(By.LINK_TEXT, "填报总览").click()
    wait_for(driver, 'class="official overview"')  # the new page, not the link on the old
    table = driver.find_element(By.CSS_SELECTOR, "table.overview").text
    assert "洪泽区人民政府" in table and "洪泽区科技局" in table
    assert "涟水" not in driver.page_source

    driver.find_element(By.LINK_TEXT, "洪泽区科技局").click()
    wait_for(driver, "校验结果")
    assert driver.find_element(By.ID, "status").text == "已提交"
    assert "与上年对比" in driver.page_source
    driver.find_element(By.ID, "comment").send_keys(COMMENT)
    press(driver, "return")
    wait_for(driver, "已退回")
    assert driver.find_element(By.ID, "status").text == "已退回"

    _sign_in(driver, "kjj")
    driver.get(report_url)
    returned = driver.find_element(By.ID, "returned").text
    assert "报告已被退回修改" in returned and COMMENT in returned
    area = driver.find_element(By.ID, "c-s1-text")
    area.send_keys("\n" + ADDED)
    driver.find_element(By.CSS_SELECTOR, "#sec-s1 form.text-form button").click()
    wait_for(driver, ADDED)
    press(driver, "submit-report")
    wait_for(driver, "报告已提交，正在等待上级审核")

    _sign_in(driver, "hz-dc")
    driver.get(f"{site}/supervise?status=submitted")
    driver.find_element(By.LINK_TEXT, "洪泽区科技局").click()
    wait_for(driver, "审核记录")
    assert ADDED in driver.page_source
    history = driver.find_element(By.ID, "history").text
    assert COMMENT in history
    press(driver, "approve")
    wait_for(driver, "已审核通过")
    assert driver.find_element(By.ID, "status").text == "已审核通过"

    _sign_in(driver, "kjj")
    driver.get(report_url)
    assert "报告已审核通过" in driver.find_element(By.ID, "review").text
