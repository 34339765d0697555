"""A real headless Chromium over real HTTP: a county supervisor opens the roll-up of the two
approved reports below the county, reads each table cell as the sum of the two, downloads
the Word report and the answers file (both hold the sums); and once the county's own report
is in, every cell where it differs from the sum is flagged with the units' figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.calendar import report_year_for
from bot.core.checks import complete_values
from bot.core.form import ReportForm, load_form
from bot.core.reader import read_report
from bot.core.values import format_value
from storage import members, orgs, reports
from storage.db import session_scope
from tests.web.conftest import PASSWORD, SAMPLES, TODAY
from tests.web.live import chromium, chromium_available, join, live_server, wait_for

pytestmark = pytest.mark.skipif(not chromium_available(), reason="chromium is not installed")

if chromium_available():
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait

YEAR = report_year_for(TODAY)
UNITS = {"洪泽区科技局": "huaian-szf-2024.yaml", "高良涧街道": "hongze-qzf-2024.yaml"}


@dataclass
class County:
    org_id: int
    invite: str  # the county supervisor's
    units: dict[str, dict[str, Any]]  # each approved unit's values
    form: ReportForm

    def sums(self) -> dict[str, Any]:
        """Each table cell typed by either unit, added up here (not by the roll-up)."""
        cells = [
            field_id
            for field_id, field in self.form.fields.items()
            if field.numeric and not field.derived
        ]
        return {
            field_id: sum((values.get(field_id, 0) for values in self.units.values()), start=0)
            for field_id in cells
            if any(field_id in values for values in self.units.values())
        }


@pytest.fixture
def county(engine: Engine) -> County:
    """洪泽区人民政府 with its supervisor's invite; below it two units whose reports (two
    different published reports' figures) were submitted and approved."""
    units: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as session:
        county = orgs.create_org(session, name="洪泽区人民政府", org_type="county_gov")
        _, invite = members.create_invite(
            session, org_id=county.id, role="supervisor", created_by="test"
        )
        _, code = members.create_invite(
            session, org_id=county.id, role="supervisor", created_by="test"
        )
        reviewer = members.redeem_invite(
            session, code=code, telegram_user_id=7_300_000_001, name="陈督导"
        )
        for number, (name, sample) in enumerate(UNITS.items()):
            org = orgs.create_org(session, name=name, org_type="department", parent_id=county.id)
            answers = load_answers(SAMPLES / sample)
            answers = AnswersFile(answers.kind, name, YEAR, dict(answers.values))
            _, code = members.create_invite(session, org_id=org.id, role="staff", created_by="t")
            staff = members.redeem_invite(
                session, code=code, telegram_user_id=7_300_000_010 + number, name=f"{name}填报员"
            )
            report = reports.import_answers(session, org_id=org.id, answers=answers, actor=staff)
            reports.set_status(session, actor=staff, report_id=report.id, to_status="submitted")
            reports.set_status(session, actor=reviewer, report_id=report.id, to_status="approved")
            units[name] = parse_answers(answers).values
        form = load_form(answers.kind)
    return County(county.id, invite, units, form)


@pytest.fixture
def site(engine: Engine) -> Iterator[str]:
    with live_server(engine, today=lambda: TODAY) as base:
        yield base


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def driver(downloads: Path) -> Iterator[WebDriver]:
    with chromium(download_dir=downloads) as browser:
        yield browser


def _open_rollup(driver: WebDriver, site: str, county: County) -> None:
    join(driver, site, county.invite, "hz-dc", PASSWORD)
    driver.get(f"{site}/supervise?year={YEAR}")
    driver.find_element(By.LINK_TEXT, "汇总本级报告").click()
    wait_for(driver, "已计入审核通过的 2 份报告")


def _downloaded(driver: WebDriver, folder: Path, suffix: str) -> Path:
    """The file the browser finished downloading into `folder` with that suffix."""

    def finished(_: WebDriver) -> Path | None:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        return done[0] if done else None

    return WebDriverWait(driver, 30).until(finished)


def _shown(form: ReportForm, field_id: str, value: Any) -> str:
    return format_value(value, form.field(field_id).type)


def test_the_rollup_page_and_downloads_hold_the_sum_of_the_approved_reports(
    driver: WebDriver, site: str, county: County, downloads: Path
) -> None:
    _open_rollup(driver, site, county)
    sums = county.sums()
    expected = complete_values(county.form, sums)  # with each table's totals
    cells = {
        cell.get_attribute("data-field"): cell.text
        for cell in driver.find_elements(By.CSS_SELECTOR, "td[data-field]")
    }
    numeric = [f for f in cells if county.form.field(f).numeric]
    assert len(numeric) > 100  # every table of the national format is on the page
    for field_id in numeric:
        want = _shown(county.form, field_id, expected[field_id]) if field_id in expected else ""
        assert cells[field_id] == (want or "（空）"), county.form.field(field_id).label
    assert any(
        county.units["洪泽区科技局"].get(f) != county.units["高良涧街道"].get(f) for f in sums
    )  # the two reports differ, so a sum is not one of them doubled

    driver.find_element(By.ID, "rollup-docx").click()
    document = _downloaded(driver, downloads, ".docx")
    read = parse_answers(read_report(document.read_bytes()).answers).values
    assert {f: read.get(f) for f in sums} == {f: _number(v) for f, v in sums.items()}

    driver.find_element(By.ID, "rollup-yaml").click()
    answers = load_answers(_downloaded(driver, downloads, ".yaml"))
    assert answers.agency == "洪泽区人民政府" and answers.year == YEAR
    from_file = parse_answers(answers).values
    assert {f: from_file.get(f) for f in sums} == {f: _number(v) for f, v in sums.items()}


def _number(value: Any) -> Any:
    """A sum as a report file holds it (an amount keeps its decimals)."""
    return value if isinstance(value, (int, Decimal)) else Decimal(str(value))


def test_a_parent_report_differing_from_the_sum_is_flagged_cell_by_cell(
    driver: WebDriver, site: str, county: County, engine: Engine
) -> None:
    sums = county.sums()
    both = [f for f in sums if all(values.get(f) for values in county.units.values())]
    changed = {both[0]: sums[both[0]] + 5, both[-1]: sums[both[-1]] - 1}
    own = {**sums, **changed}
    with session_scope(engine) as session:
        answers = AnswersFile(county.form.kind, "洪泽区人民政府", YEAR, own)
        reports.import_answers(session, org_id=county.org_id, answers=answers)

    _open_rollup(driver, site, county)
    flagged = driver.find_element(By.ID, "parent-check")
    assert f"本级报告与汇总数不一致的单元格 {len(changed)} 个" in flagged.text
    items = [li.text for li in flagged.find_elements(By.CSS_SELECTOR, "li.warning")]
    assert len(items) == len(changed)  # the cells that agree are not flagged
    for item, (field_id, typed) in zip(items, changed.items(), strict=True):
        label = county.form.field(field_id).label
        units = "、".join(
            f"{name} {_shown(county.form, field_id, values[field_id])}"
            for name, values in county.units.items()
        )
        assert item == (
            f"{label}：本级报告填写 {_shown(county.form, field_id, typed)}，"
            f"所辖单位已审核通过报告合计 {_shown(county.form, field_id, sums[field_id])}"
            f"（{units}）。"
        )
