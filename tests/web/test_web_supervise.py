"""Supervisors on the web (TestClient): the overview of exactly their subtree (filters, sort,
pages, CSV), review through the desk (return with a comment, resubmit, approve), the roll-up,
and what neither staff nor a supervisor of another branch can reach by URL, form or id."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.chat.review import ReviewDesk
from bot.chat.service import ReportChat
from bot.config import Settings
from bot.core.answers import AnswersFile, answers_from_text, load_answers, parse_answers
from bot.core.reader import read_report
from bot.web.app import create_app
from storage import members, orgs, reports
from storage.db import session_scope
from storage.models import Member, ReminderLog, Report
from tests.fake_telegram import FakeTelegram
from tests.web.conftest import SAMPLES, TODAY, Web, csrf_of

SAMPLE = SAMPLES / "huaian-szf-2024.yaml"


@dataclass
class Tree:
    county: int
    bureau: int
    township: int
    other_county: int
    other_bureau: int


@pytest.fixture
def tree(web: Web) -> Tree:
    with session_scope(web.engine) as session:
        city = orgs.create_org(session, name="淮安市人民政府", org_type="city_gov")
        county = orgs.create_org(
            session, name="洪泽区人民政府", org_type="county_gov", parent_id=city.id
        )
        bureau = orgs.create_org(
            session, name="洪泽区科技局", org_type="department", parent_id=county.id
        )
        township = orgs.create_org(
            session, name="高良涧街道", org_type="township", parent_id=county.id
        )
        other = orgs.create_org(
            session, name="涟水县人民政府", org_type="county_gov", parent_id=city.id
        )
        other_bureau = orgs.create_org(
            session, name="涟水县科技局", org_type="department", parent_id=other.id
        )
        ids = (county.id, bureau.id, township.id, other.id, other_bureau.id)
    return Tree(*ids)  # type: ignore[arg-type]


def filled(web: Web, org_id: int, agency: str, year: int) -> int:
    """The organisation's report holding the sample's (valid) figures, as a draft."""
    sample = load_answers(SAMPLE)
    answers = AnswersFile(sample.kind, agency, year, dict(sample.values))
    with session_scope(web.engine) as session:
        return reports.import_answers(session, org_id=org_id, answers=answers).id


def status_of(web: Web, report_id: int) -> str:
    with session_scope(web.engine) as session:
        report = session.get(Report, report_id)
        assert report is not None
        return report.status


def signed_in(web: Web, org_id: int, login: str, role: str = "staff") -> TestClient:
    client = web.client()
    web.join(client, org_id, login, role=role)
    return client


def post_form(client: TestClient, page_url: str, action: str, **data: str):
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    version = re.search(r'name="version"[^>]*value="(\d+)"', page.text)
    fields = {"csrf": csrf_of(page.text), **data}
    if version and "version" not in data:
        fields["version"] = version.group(1)
    return client.post(action, data=fields)


def table_of(html: str) -> str:
    return html.split("<tbody>", 1)[1]


def submit(client: TestClient, report_id: int) -> None:
    url = f"/reports/{report_id}"
    response = post_form(client, url, f"{url}/submit")
    assert response.status_code == 303
    assert "已提交" in client.get(url).text


def test_the_overview_shows_exactly_the_subtree_filtered_sorted_and_paged(
    web: Web, tree: Tree, this_year: int
) -> None:
    staff = signed_in(web, tree.bureau, "kjj")
    bureau_report = filled(web, tree.bureau, "洪泽区科技局", this_year)
    filled(web, tree.other_bureau, "涟水县科技局", this_year)
    submit(staff, bureau_report)
    boss = signed_in(web, tree.county, "hz-dc", role="supervisor")

    page = boss.get("/supervise").text
    assert "洪泽区人民政府及所辖单位，共 3 个单位" in page
    assert "洪泽区科技局" in page and "高良涧街道" in page
    assert "涟水" not in page
    assert f'href="/supervise/reports/{bureau_report}"' in page

    only_submitted = boss.get("/supervise", params={"status": "submitted"}).text
    assert "洪泽区科技局" in only_submitted and "高良涧街道" not in only_submitted
    by_name = boss.get("/supervise", params={"name": "街道"}).text
    assert "高良涧街道" in by_name and "洪泽区科技局" not in by_name
    descending = table_of(boss.get("/supervise", params={"sort": "name", "order": "desc"}).text)
    ascending = table_of(boss.get("/supervise", params={"sort": "name", "order": "asc"}).text)
    names = ("洪泽区人民政府", "洪泽区科技局", "高良涧街道")
    order_desc = sorted(names, key=descending.index)
    assert sorted(names, key=ascending.index) == list(reversed(order_desc))

    with session_scope(web.engine) as session:
        for number in range(60):
            orgs.create_org(
                session,
                name=f"洪泽区第{number:02d}社区",
                org_type="township",
                parent_id=tree.county,
            )
    first = boss.get("/supervise", params={"sort": "name"}).text
    assert "第 1/2 页" in first and 'rel="next"' in first
    second = boss.get("/supervise", params={"sort": "name", "page": "2"}).text
    assert "第 2/2 页" in second and 'rel="prev"' in second
    assert boss.get("/supervise", params={"page": "99"}).status_code == 200

    exported = boss.get("/supervise/overview.csv", params={"status": "submitted"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "单位", "状态"]
    assert [row[1:3] for row in rows[1:]] == [["洪泽区科技局", "已提交"]]
    everyone = boss.get("/supervise/overview.csv").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(everyone)))) == 1 + 63
    assert "涟水" not in everyone


def test_staff_are_refused_every_supervisor_page_with_a_chinese_403(
    web: Web, tree: Tree, this_year: int
) -> None:
    staff = signed_in(web, tree.bureau, "kjj")
    report_id = filled(web, tree.bureau, "洪泽区科技局", this_year)
    submit(staff, report_id)
    for url in (
        "/supervise",
        "/supervise/overview.csv",
        f"/supervise/reports/{report_id}",
        "/supervise/rollup",
        "/supervise/rollup.docx",
        "/supervise/rollup.yaml",
        "/supervise/figures",
        "/supervise/copied",
    ):
        response = staff.get(url)
        assert response.status_code == 403, url
        assert "仅供上级单位的督导人员和管理员使用" in response.text
    csrf = csrf_of(staff.get(f"/reports/{report_id}").text)
    for action in ("approve", "return"):
        response = staff.post(
            f"/supervise/reports/{report_id}/{action}",
            data={"csrf": csrf, "version": "0", "comment": "自己退回"},
        )
        assert response.status_code == 403
    assert status_of(web, report_id) == "submitted"
    assert "填报总览" not in staff.get(f"/reports/{report_id}").text


def test_a_supervisor_who_also_reports_finds_the_supervisor_pages_in_the_navigation(
    web: Web, tree: Tree
) -> None:
    both = signed_in(web, tree.county, "hz-both", role="supervisor_staff")
    page = both.get("/account").text
    for link in ("/supervise", "/supervise/figures", "/supervise/copied", "/supervise/rollup"):
        assert f'href="{link}"' in page, link
    assert both.get("/supervise").status_code == 200


def test_a_supervisor_reaches_nothing_outside_the_subtree_by_url_form_or_id(
    web: Web, tree: Tree, this_year: int
) -> None:
    other_staff = signed_in(web, tree.other_bureau, "ls-kjj")
    foreign = filled(web, tree.other_bureau, "涟水县科技局", this_year)
    submit(other_staff, foreign)
    boss = signed_in(web, tree.county, "hz-dc", role="supervisor")
    own_page = boss.get("/supervise").text
    csrf = csrf_of(own_page)

    assert boss.get(f"/supervise/reports/{foreign}").status_code == 404
    assert boss.get(f"/reports/{foreign}").status_code == 404
    version = "1"
    for action, data in (
        ("approve", {"version": version}),
        ("return", {"version": version, "comment": "越权退回"}),
    ):
        boss.post(f"/supervise/reports/{foreign}/{action}", data={"csrf": csrf, **data})
    boss.post(f"/reports/{foreign}/submit", data={"csrf": csrf, "version": version})
    assert status_of(web, foreign) == "submitted"
    assert "没有符合条件的单位" in boss.get("/supervise", params={"name": "涟水"}).text
    assert "涟水" not in boss.get("/supervise/rollup").text
    # Without the form's token nothing is done either.
    response = boss.post(f"/supervise/reports/{foreign}/approve", data={"version": version})
    assert response.status_code == 403


def test_return_with_a_comment_resubmit_and_approve(web: Web, tree: Tree, this_year: int) -> None:
    staff = signed_in(web, tree.bureau, "kjj")
    report_id = filled(web, tree.bureau, "洪泽区科技局", this_year)
    submit(staff, report_id)
    boss = signed_in(web, tree.county, "hz-dc", role="supervisor")
    review_url = f"/supervise/reports/{report_id}"

    page = boss.get(review_url).text
    assert "校验结果" in page and 'id="approve"' in page and 'id="return"' in page

    assert "审核记录" in page and "kjj同志" in page

    refused = post_form(boss, review_url, f"{review_url}/return", comment="   ")
    assert refused.status_code == 303
    assert "请填写退回意见" in boss.get(review_url).text
    assert status_of(web, report_id) == "submitted"

    too_long = "请核实。" * 251
    post_form(boss, review_url, f"{review_url}/return", comment=too_long)
    kept = boss.get(review_url).text
    assert "退回意见共 1004 字，请精简到 1000 字以内" in kept and too_long in kept
    assert status_of(web, report_id) == "submitted"

    comment = "表三第（二）项“部分公开”数字与正文不一致，请核实。"
    post_form(boss, review_url, f"{review_url}/return", comment=comment)
    assert status_of(web, report_id) == "returned"
    after = boss.get(review_url).text
    assert "已退回" in after and 'id="approve"' not in after

    staff_page = staff.get(f"/reports/{report_id}").text
    assert "报告已被退回修改" in staff_page and comment in staff_page
    assert 'id="submit-report"' in staff_page
    fixed = post_form(
        staff,
        f"/reports/{report_id}",
        f"/reports/{report_id}/sections/s1",
        **{"v.s1.text": "本年度主动公开工作情况已按意见补充。", "was.s1.text": ""},
    )
    assert fixed.status_code == 303

    submit(staff, report_id)
    changes = boss.get(review_url).text.split('id="changes"')[1].split("</section>")[0]
    assert "kjj同志" in changes and "本年度主动公开工作情况已按意见补充。" in changes
    # A stale page (the version before resubmission) cannot approve.
    approved = post_form(boss, review_url, f"{review_url}/approve")
    assert approved.status_code == 303
    assert status_of(web, report_id) == "approved"
    assert "已审核通过" in staff.get(f"/reports/{report_id}").text
    # Once approved, the decision forms are gone and a replayed post changes nothing.
    page = boss.get(review_url).text
    assert 'id="return"' not in page and "不在待审核状态" in page


def test_the_rollup_sums_the_approved_reports_lists_the_rest_and_downloads(
    web: Web, tree: Tree, this_year: int
) -> None:
    boss = signed_in(web, tree.county, "hz-dc", role="supervisor")
    nothing = boss.get("/supervise/rollup").text
    assert f"尚无{this_year}年度已审核通过的报告" in nothing
    assert "洪泽区科技局" in nothing and "高良涧街道" in nothing  # both still missing
    assert boss.get("/supervise/rollup.docx").status_code == 303

    # The county's own report, filled by hand with the sample's figures.
    filled(web, tree.county, "洪泽区人民政府", this_year)
    for number, (org_id, agency, login) in enumerate(
        ((tree.bureau, "洪泽区科技局", "kjj"), (tree.township, "高良涧街道", "glj"))
    ):
        staff = signed_in(web, org_id, login)
        report_id = filled(web, org_id, agency, this_year)
        submit(staff, report_id)
        review = f"/supervise/reports/{report_id}"
        post_form(boss, review, f"{review}/approve")
        assert status_of(web, report_id) == "approved"
        if number == 0:  # one unit below with the same figures: the parent agrees
            assert "本级报告已填写的表格数字与汇总数一致" in boss.get("/supervise/rollup").text
    with session_scope(web.engine) as session:
        orgs.create_org(session, name="岔河镇", org_type="township", parent_id=tree.county)

    page = boss.get("/supervise/rollup").text
    assert "已计入审核通过的 2 份报告：洪泽区科技局、高良涧街道" in page
    assert "未计入汇总" in page and "岔河镇" in page
    differs = page.split('id="parent-check"')[1].split("</div>")[0]
    # 表三 予以公开, 自然人: the county wrote 1288, the two units sum to 2576.
    expected = (
        "本级报告填写 1288，所辖单位已审核通过报告合计 2576（洪泽区科技局 1288、高良涧街道 1288）"
    )
    assert expected in differs and "表三「（一）予以公开」" in differs
    answers = boss.get("/supervise/rollup.yaml")
    assert answers.status_code == 200
    from_file = parse_answers(answers_from_text(answers.text)).values
    download = boss.get("/supervise/rollup.docx")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    summed = parse_answers(read_report(download.content).answers).values
    single = parse_answers(load_answers(SAMPLE)).values
    numeric = [k for k, v in single.items() if isinstance(v, int) and not isinstance(v, bool)]
    assert numeric and all(summed.get(k) == 2 * single[k] for k in numeric)
    assert all(from_file.get(k) == 2 * single[k] for k in numeric)


def test_figures_per_organisation_and_in_total(web: Web, tree: Tree, this_year: int) -> None:
    staff = signed_in(web, tree.bureau, "kjj")
    filled(web, tree.bureau, "洪泽区科技局", this_year - 1)
    approved = filled(web, tree.bureau, "洪泽区科技局", this_year)
    filled(web, tree.township, "高良涧街道", this_year)
    filled(web, tree.other_bureau, "涟水县科技局", this_year)
    submit(staff, approved)
    boss = signed_in(web, tree.county, "hz-dc", role="supervisor")
    post_form(boss, f"/supervise/reports/{approved}", f"/supervise/reports/{approved}/approve")

    page = boss.get("/supervise/figures").text
    body = table_of(page)
    assert "洪泽区科技局" in body and "高良涧街道" in body and "涟水" not in page
    # The sample's 表三: 1362 + 454 of 3050 disclosed (59.5%), 其他处理 187 (6.1%).
    assert body.count("59.5%") == 4  # two units, the total and the approved-only total
    assert '<td class="figure">6100</td>' in body  # both units in the total
    assert "合计（已审核通过）" in body
    assert body.count("20.4%") == 4 and body.count("12.8%") == 4  # 复议 and 诉讼 纠错率
    # Applications year on year: the bureau's 3119 both years; the township has no last year.
    bureau_row = body.split("洪泽区科技局")[1].split("</tr>")[0]
    assert bureau_row.endswith(
        '<td class="figure">3119</td><td class="figure">3119</td><td class="figure">0.0%</td>'
    )
    chart = page.split("<svg")[1].split("</svg>")[0]
    assert f"{this_year - 1}年：3119 件（1 份报告）" in chart
    assert f"{this_year}年：6238 件（2 份报告）" in chart  # 涟水 is outside the scope
    assert f"{this_year - 2}年：0 件（0 份报告）" in chart
    for sort in ("rate", "results", "review", "suit", "unknown"):
        assert boss.get("/supervise/figures", params={"sort": sort}).status_code == 200
    assert staff.get("/supervise/figures").status_code == 403


def test_staff_in_telegram_hear_of_a_return_made_on_the_web(
    web: Web, tree: Tree, this_year: int, tg: FakeTelegram, database_url: str
) -> None:
    """The desk's notices go out from the web process as from the bot: a return made on the
    web reaches the staff member's Telegram chat with the comment."""
    user = tg.user(first_name="科技局")
    chat = ReportChat(web.engine, today=lambda: TODAY)
    with session_scope(web.engine) as session:
        _, code = members.create_invite(session, org_id=tree.bureau, role="staff", created_by="t")
    chat.join(telegram_user_id=user.id, name="科技局小王", chat_id=user.id, code=code)
    staff = chat.member(user.id)
    assert staff is not None
    report_id = filled(web, tree.bureau, "洪泽区科技局", this_year)
    with session_scope(web.engine) as session:
        version = session.get(Report, report_id).version  # type: ignore[union-attr]
    submitted = ReviewDesk(web.engine, today=lambda: TODAY).submit_report(staff, report_id, version)
    assert "已提交" in submitted.turn.replies[0].text

    settings = Settings(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_BASE_URL=tg.base_url,
        TELEGRAM_BASE_FILE_URL=tg.base_file_url,
    )
    app = create_app(settings, engine=web.engine, today=lambda: TODAY)
    boss = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
    web.join(boss, tree.county, "hz-dc", role="supervisor")
    comment = "请补充行政复议结果纠正的具体情况。"
    review = f"/supervise/reports/{report_id}"
    post_form(boss, review, f"{review}/return", comment=comment)
    assert status_of(web, report_id) == "returned"
    notice = user.wait_for_text(comment)
    assert "本单位2025年度报告已被退回修改" in notice["text"]


def test_the_overview_counts_the_reminders_sent_to_each_unit(
    web: Web, tree: Tree, this_year: int
) -> None:
    signed_in(web, tree.bureau, "kjj")
    with session_scope(web.engine) as session:
        staff = session.exec(select(Member).where(Member.login == "kjj")).one()
        for key, status in (
            (f"deadline:{this_year}:m{staff.id}:d-7", "sent"),
            (f"deadline:{this_year}:m{staff.id}:d-7:p2", "sent"),  # the same reminder, part 2
            (f"overdue:{this_year}:m{staff.id}:2026-02-01", "sent"),
            (f"overdue:{this_year}:m{staff.id}:2026-02-02", "failed"),
            (f"deadline:{this_year - 1}:m{staff.id}:d-7", "sent"),  # last year's
        ):
            session.add(ReminderLog(key=key, member_id=staff.id, step="d-7", status=status))
        session.commit()
    boss = signed_in(web, tree.county, "hz-dc", role="supervisor")
    row = table_of(boss.get("/supervise").text).split("洪泽区科技局")[1].split("</tr>")[0]
    assert row.endswith('<td class="figure">2 次</td>\n')
    exported = boss.get("/supervise/overview.csv", params={"sort": "reminders", "order": "desc"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "已发提醒（次）" and rows[1][1] == "洪泽区科技局" and rows[1][-1] == "2"


def test_text_copied_between_units_is_listed_within_the_scope(
    web: Web, tree: Tree, this_year: int
) -> None:
    boss = signed_in(web, tree.county, "hz-dc", role="supervisor")
    filled(web, tree.bureau, "洪泽区科技局", this_year)
    assert "未发现所辖单位报告之间文字雷同" in boss.get("/supervise/copied").text
    filled(web, tree.township, "高良涧街道", this_year)  # the same sample's text
    filled(web, tree.other_bureau, "涟水县科技局", this_year)
    page = boss.get("/supervise/copied").text
    rows = table_of(page)
    assert "一、总体情况" in rows and "洪泽区科技局" in rows and "高良涧街道" in rows
    assert "涟水" not in page
