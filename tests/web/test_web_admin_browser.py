"""A real headless Chromium over real HTTP: an administrator adds an organisation to the tree
(typing its parent: a wrong name refused, the datalist offering matches as they type) and
creates an invite for it (and revokes a spare one, which then joins nobody); a new member
joins with the code on the join page, sets a password and lands in that organisation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from storage import members, orgs
from storage.db import session_scope
from storage.models import Member, Organisation
from tests.web.conftest import PASSWORD, TODAY
from tests.web.live import chromium, chromium_available, live_server

pytestmark = pytest.mark.skipif(not chromium_available(), reason="chromium is not installed")

if chromium_available():
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import Select, WebDriverWait


@pytest.fixture
def site(engine: Engine) -> Iterator[str]:
    with live_server(engine, today=lambda: TODAY) as base:
        yield base


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(download_dir=tmp_path) as browser:
        yield browser


def _is_gone(element: object) -> bool:
    """The element's document was replaced (stale, or no longer in the document)."""
    try:
        element.is_enabled()  # type: ignore[attr-defined]
    except (StaleElementReferenceException, WebDriverException):
        return True
    return False


def _press(driver: WebDriver, element_id: str) -> None:
    """Click a button, as a person does, and wait for the page the post leads to."""
    old_page = driver.find_element(By.TAG_NAME, "html")
    button = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    WebDriverWait(driver, 10).until(lambda _: _is_gone(old_page))
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _join(driver: WebDriver, site: str, code: str, login: str, name: str) -> None:
    driver.get(f"{site}/join")
    for field, value in (
        ("code", code),
        ("name", name),
        ("login", login),
        ("password", PASSWORD),
        ("password2", PASSWORD),
    ):
        driver.find_element(By.ID, field).send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 10).until(
        lambda d: "/join" not in d.current_url or d.find_elements(By.CSS_SELECTOR, "p.error")
    )


def test_admin_adds_an_organisation_and_invites_a_member_who_joins_it(
    driver: WebDriver, site: str, engine: Engine
) -> None:
    with session_scope(engine) as session:
        city = orgs.create_org(session, name="淮安市人民政府", org_type="city_gov")
        _, admin_code = members.create_invite(
            session, org_id=city.id, role="admin", created_by="test"
        )
    _join(driver, site, admin_code, "gly", "管理员甲")

    driver.find_element(By.LINK_TEXT, "管理").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "add-org"))
    driver.find_element(By.ID, "name").send_keys("洪泽区科技局")
    Select(driver.find_element(By.ID, "org_type")).select_by_visible_text("部门")
    # The parent is typed: a part of its name, refused naming what was typed and kept; then
    # the name as the datalist (filled as one types) offers it.
    parent = driver.find_element(By.ID, "parent")
    parent.send_keys("淮安")
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '#parent-choices option[value="淮安市人民政府"]')
    )
    parent.clear()
    parent.send_keys("淮安市政府")
    _press(driver, "add-org")
    assert (
        "未找到名称或编号为「淮安市政府」的上级单位" in driver.find_element(By.ID, "refused").text
    )
    assert driver.find_element(By.ID, "name").get_attribute("value") == "洪泽区科技局"
    parent = driver.find_element(By.ID, "parent")
    parent.clear()
    parent.send_keys("淮安市人民政府")
    _press(driver, "add-org")
    assert "已添加单位：洪泽区科技局" in driver.find_element(By.ID, "flash").text
    assert "淮安市人民政府" in driver.find_element(By.ID, "breadcrumbs").text
    tree = driver.find_element(By.ID, "org-tree").text
    assert "洪泽区科技局" in tree and "部门" in tree

    driver.find_element(By.LINK_TEXT, "邀请码").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "create-invite"))
    driver.find_element(By.ID, "invite-org").send_keys("洪泽区科技局")
    Select(driver.find_element(By.ID, "invite-role")).select_by_visible_text("填报人员")
    days = driver.find_element(By.ID, "invite-days")
    days.clear()
    days.send_keys("7")
    _press(driver, "create-invite")
    code = driver.find_element(By.ID, "invite-code").text
    assert len(code) == 12
    with session_scope(engine) as session:
        org_id = session.exec(
            select(Organisation.id).where(Organisation.name == "洪泽区科技局")
        ).one()
    assert "单位：洪泽区科技局；角色：填报人员" in driver.find_element(By.ID, "created").text

    # A spare invite, revoked: the page asks first, and the code is never usable.
    driver.find_element(By.ID, "invite-org").send_keys(str(org_id))  # by its number
    _press(driver, "create-invite")
    spare = driver.find_element(By.ID, "invite-code").text
    revoke = driver.find_element(By.CSS_SELECTOR, "#invites tbody tr:first-child button.danger")
    old_page = driver.find_element(By.TAG_NAME, "html")
    revoke.click()
    alert = WebDriverWait(driver, 10).until(lambda d: d.switch_to.alert)
    assert "撤销后不能恢复" in alert.text
    alert.accept()
    WebDriverWait(driver, 10).until(lambda _: _is_gone(old_page))
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "flash"))
    assert "该邀请码在网页和 Telegram 中均不能再使用" in driver.find_element(By.ID, "flash").text

    driver.find_element(By.CSS_SELECTOR, "header form button").click()  # 退出
    WebDriverWait(driver, 10).until(lambda d: "/login" in d.current_url)
    _join(driver, site, spare, "kjj-li", "李强")
    assert "该邀请码已被管理员撤销" in driver.find_element(By.CSS_SELECTOR, "p.error").text
    _join(driver, site, code, "kjj-wang", "王芳")
    assert "/reports/" in driver.current_url
    assert "登记成功！您已作为“洪泽区科技局”的填报人员加入。" in driver.page_source
    assert "管理" not in driver.find_element(By.CSS_SELECTOR, "header nav").text
    with session_scope(engine) as session:
        member = session.exec(select(Member).where(Member.login == "kjj-wang")).one()
        org = session.get(Organisation, member.org_id)
        assert (org.name, org.parent_id, member.role) == ("洪泽区科技局", city.id, "staff")
