"""A real headless Chromium over real HTTP: a new member joins with an invite, fills the whole
2021-format report (表三 pasted from a spreadsheet, 表四 by keyboard), is refused a bad cell,
fixes it, moves through the table with Enter as in a spreadsheet, reloads, generates and gets
a Word file holding every value; and a table filled with JavaScript switched off (Enter posts
it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.core.answers import load_answers, parse_answers
from bot.core.reader import read_report
from bot.core.values import format_value
from storage import members, orgs
from storage.db import session_scope
from tests.web.conftest import PASSWORD, SAMPLES, TODAY
from tests.web.live import chromium, chromium_available, live_server

pytestmark = pytest.mark.skipif(not chromium_available(), reason="chromium is not installed")

SAMPLE = load_answers(SAMPLES / "huaian-szf-2024.yaml")
FORM = SAMPLE.form
VALUES = parse_answers(SAMPLE).values
AGENCY = "某某市某某局"

if chromium_available():
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def browser(downloads: Path) -> Iterator[WebDriver]:
    """One Chromium for the session; each test starts from a clean slate (`clean_browser`)."""
    with chromium(download_dir=downloads) as driver:
        yield driver


@pytest.fixture
def clean_browser(browser: WebDriver) -> WebDriver:
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    return browser


@pytest.fixture
def site(engine: Engine) -> Iterator[str]:
    with live_server(engine, today=lambda: TODAY) as base:
        yield base


def _invite(engine: Engine) -> str:
    with session_scope(engine) as session:
        org = orgs.create_org(session, name=AGENCY, org_type="department")
        _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="test")
    return code


def _join(driver: WebDriver, site: str, code: str, login: str) -> None:
    driver.get(f"{site}/join")
    for field, value in (
        ("code", code),
        ("name", "张三"),
        ("login", login),
        ("password", PASSWORD),
        ("password2", PASSWORD),
    ):
        driver.find_element(By.ID, field).send_keys(value)
    driver.find_element(By.ID, "password2").send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: "/reports/" in d.current_url)
    assert "登记成功" in driver.page_source


def _anchor(field_id: str) -> str:
    return "c-" + field_id.replace(".", "-")


def _shown(field_id: str) -> str:
    return format_value(VALUES[field_id], FORM.field(field_id).type)


def _typed(section_id: str) -> list[str]:
    return [
        f.id
        for f in FORM.fields.values()
        if f.section == section_id and not f.derived and f.numeric
    ]


def _is_gone(element: object) -> bool:
    """The element's document was replaced. Chromium reports this either as a stale element
    or, while the new document is being built, as a node that "does not belong to the
    document"."""
    try:
        element.is_enabled()  # type: ignore[attr-defined]
    except (StaleElementReferenceException, WebDriverException):
        return True
    return False


def _wait_for_next_page(driver: WebDriver, old_page: object) -> None:
    """Wait for the page a post leads to: the old one still reads "complete" until the new
    one replaces it, so first wait for the old one to go."""
    WebDriverWait(driver, 10).until(lambda _: _is_gone(old_page))
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _wait_for_focus(driver: WebDriver, field_id: str) -> None:
    WebDriverWait(driver, 10).until(
        lambda d: d.switch_to.active_element.get_attribute("id") == _anchor(field_id)
    )


def _submit(driver: WebDriver, section_id: str) -> None:
    """Post a table's form and wait for the page it leads to."""
    old_page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f"#sec-{section_id} form.table-form button").click()
    _wait_for_next_page(driver, old_page)


def _table_three_block(bad_field: str) -> str:
    """The sample's 表三 as copied from WPS: label cells, the six applicant columns and the
    总计 column, one row per line; one cell mistyped."""
    lines = []
    for row, fields in zip(FORM.section("s3").rows, FORM.section("s3").grid, strict=True):
        if all(FORM.field(f).derived for f in fields):
            continue
        cells = ["1O" if f == bad_field else _shown(f) for f in fields if not FORM.field(f).derived]
        total = sum(VALUES[f] for f in fields if not FORM.field(f).derived)
        lines.append("\t".join([row.within or "", row.group or "", row.label, *cells, str(total)]))
    return "\r\n".join(lines) + "\r\n"


def test_a_new_member_fills_checks_and_generates_the_whole_report(
    clean_browser: WebDriver, site: str, engine: Engine, downloads: Path
) -> None:
    driver = clean_browser
    _join(driver, site, _invite(engine), "zhangsan")
    report_url = driver.current_url.split("#")[0]
    assert "0/36" in driver.page_source

    # 表二: typed cell by cell, saved by the page's script as each cell is left.
    for field_id in _typed("s2"):
        driver.find_element(By.ID, _anchor(field_id)).send_keys(_shown(field_id), Keys.TAB)
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "progress-text").text == "6/36")

    # 表三: the whole table pasted into its first cell as a tab-separated block.
    bad = "s3.withheld_law.commercial"
    first = driver.find_element(By.ID, _anchor("s3.new.natural"))
    driver.execute_script(
        "const data = new DataTransfer(); data.setData('text/plain', arguments[1]);"
        "arguments[0].dispatchEvent(new ClipboardEvent('paste',"
        " {clipboardData: data, bubbles: true, cancelable: true}));",
        first,
        _table_three_block(bad),
    )
    WebDriverWait(driver, 10).until(lambda d: "未能保存" in d.page_source)
    alert = driver.find_element(By.CSS_SELECTOR, "div.error[role=alert]").text
    assert (
        "表三「（三）不予公开：2.其他法律行政法规禁止公开」行「商业企业」列：“1O”不是数字" in alert
    )
    cell = driver.find_element(By.ID, _anchor(bad))
    assert cell.get_attribute("value") == "1O"  # kept as typed, to be fixed
    assert cell.get_attribute("aria-invalid") == "true"
    # Enter as in a spreadsheet: the fixed cell is saved and the cell below takes the keys;
    # Shift+Enter goes back up; the computed 总计 row is passed over.
    cell.clear()
    cell.send_keys(_shown(bad), Keys.ENTER)
    _wait_for_focus(driver, "s3.withheld_safety.commercial")
    WebDriverWait(driver, 10).until(
        lambda d: (
            cell.get_attribute("aria-invalid") is None
            and d.find_element(By.ID, "live").text == "已保存。"
        )
    )
    assert not driver.find_elements(By.CSS_SELECTOR, "div.error[role=alert]")
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    _wait_for_focus(driver, bad)
    driver.find_element(By.ID, _anchor("s3.other_other.natural")).send_keys(Keys.ENTER)
    _wait_for_focus(driver, "s3.carried_out.natural")
    driver.refresh()
    assert "未能保存" not in driver.page_source
    assert driver.find_element(By.ID, _anchor(bad)).get_attribute("value") == _shown(bad)
    assert driver.find_element(By.ID, _anchor("s3.new.total")).text == str(
        sum(
            VALUES[f"s3.new.{c}"]
            for c in ("natural", "commercial", "research", "nonprofit", "legal", "other")
        )
    )

    # 表四: keyboard only, from cell to cell by Tab or by Enter (its one line has no cell
    # below: Enter goes on to the next); the computed totals are skipped. Each cell is saved
    # as it is left.
    driver.find_element(By.ID, _anchor("s4.review.upheld")).click()
    for index, field_id in enumerate(_typed("s4")):
        active = driver.switch_to.active_element
        assert active.get_attribute("id") == _anchor(field_id)
        active.send_keys(_shown(field_id), Keys.ENTER if index % 2 else Keys.TAB)
    WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.ID, "progress-text").text == "33/36"
    )

    # The narrative sections.
    for section_id in ("s1", "s5", "s6"):
        area = driver.find_element(By.ID, _anchor(f"{section_id}.text"))
        area.send_keys(VALUES[f"{section_id}.text"])
        old_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, f"#sec-{section_id} form.text-form button").click()
        _wait_for_next_page(driver, old_page)
    assert "36/36" in driver.find_element(By.ID, "progress-text").text

    # A reload shows everything as saved.
    driver.get(report_url)
    for field_id in (*_typed("s2"), *_typed("s3"), *_typed("s4")):
        shown = driver.find_element(By.ID, _anchor(field_id)).get_attribute("value")
        assert shown == _shown(field_id), field_id
    for section_id in ("s1", "s5", "s6"):
        text = driver.find_element(By.ID, _anchor(f"{section_id}.text")).get_attribute("value")
        assert text == VALUES[f"{section_id}.text"]

    # Preview, then 生成报告: the official file name, every value inside.
    driver.get(report_url + "/preview")
    assert "全面校验未发现错误" in driver.page_source
    generate = driver.find_element(By.ID, "generate")
    assert generate.text == "生成报告"  # not a draft
    generate.click()
    target = downloads / f"{AGENCY}2025年政府信息公开工作年度报告.docx"
    WebDriverWait(driver, 20).until(lambda d: target.exists() and target.stat().st_size > 0)
    read = parse_answers(read_report(target.read_bytes()).answers).values
    assert {f: read.get(f) for f in VALUES} == VALUES


def test_a_table_filled_with_javascript_switched_off(
    site: str, engine: Engine, tmp_path: Path
) -> None:
    with chromium(download_dir=tmp_path, javascript=False) as driver:
        _join(driver, site, _invite(engine), "lisi")
        fields = _typed("s4")
        for field_id in fields:
            value = "三" if field_id == "s4.review.pending" else _shown(field_id)
            driver.find_element(By.ID, _anchor(field_id)).send_keys(value)
        _submit(driver, "s4")
        assert "“三”不是数字，请只填写阿拉伯数字" in driver.page_source
        cell = driver.find_element(By.ID, _anchor("s4.review.pending"))
        cell.clear()
        old_page = driver.find_element(By.TAG_NAME, "html")
        cell.send_keys(_shown("s4.review.pending"), Keys.ENTER)  # without the script: posted
        _wait_for_next_page(driver, old_page)
        assert "未能保存" not in driver.page_source
        driver.refresh()
        for field_id in fields:
            assert driver.find_element(By.ID, _anchor(field_id)).get_attribute("value") == _shown(
                field_id
            )
        total = driver.find_element(By.ID, _anchor("s4.review.total")).text
        assert total == str(
            sum(VALUES[f"s4.review.{c}"] for c in ("upheld", "corrected", "other", "pending"))
        )


def test_a_phone_reads_and_fills_the_report_without_the_page_scrolling_sideways(
    clean_browser: WebDriver, site: str, engine: Engine
) -> None:
    """At a phone's 390×844: the page fits the screen's width (only the wide official tables
    scroll, inside their own box), every control of the page can be reached, and a cell of
    表三 and a text section are filled and saved there."""
    driver = clean_browser
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True},
    )
    try:
        _join(driver, site, _invite(engine), "wangwu")
        assert driver.execute_script("return window.innerWidth") == 390
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        # Nothing sticks out of the screen except inside a table's own scrolling box.
        outside = driver.execute_script(
            "return Array.from(document.querySelectorAll("
            "'input:not([type=hidden]), textarea, select, button, a.button, h1, h2, p'))"
            ".filter(e => !e.closest('.scroll') && e.getClientRects().length"
            " && e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.outerHTML.slice(0, 80))"
        )
        assert outside == []
        box = driver.find_element(By.CSS_SELECTOR, "#sec-s3 .scroll")
        assert driver.execute_script("return arguments[0].scrollWidth", box) > 390
        assert box.rect["width"] <= 390

        cell = driver.find_element(By.ID, _anchor("s3.new.other"))  # the far right of 表三
        driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', inline: 'center'})", cell
        )
        assert driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return r.left >= 0 && r.right <= window.innerWidth",
            cell,
        )
        cell.send_keys("4", Keys.ENTER)
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "live").text == "已保存。")
        area = driver.find_element(By.ID, _anchor("s1.text"))
        assert area.rect["width"] > 300  # a text section uses the phone's width
        area.send_keys(VALUES["s1.text"])
        old_page = driver.find_element(By.TAG_NAME, "html")
        button = driver.find_element(By.CSS_SELECTOR, "#sec-s1 form.text-form button")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        _wait_for_next_page(driver, old_page)
        assert (
            driver.find_element(By.ID, _anchor("s1.text")).get_attribute("value")
            == VALUES["s1.text"]
        )
        assert driver.find_element(By.ID, _anchor("s3.new.other")).get_attribute("value") == "4"
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
