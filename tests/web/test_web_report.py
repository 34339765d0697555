"""The report page over HTTP (TestClient): cells checked and saved, conflicts, pasting,
last year's report, isolation between organisations, hostile text, uploads, generating."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from docx import Document as WordDocument
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.reader import read_report
from bot.core.render import render_report
from storage import orgs, reports
from storage.db import session_scope
from storage.models import Member
from tests.web.conftest import SAMPLES, Web, csrf_of

SAMPLE = SAMPLES / "huaian-szf-2024.yaml"


class Page:
    """One member's report page: its URL, CSRF token and the version it shows."""

    def __init__(self, client: TestClient, url: str) -> None:
        self.client = client
        self.url = url
        self.html = ""
        self.reload()

    def reload(self) -> str:
        response = self.client.get(self.url)
        assert response.status_code == 200
        self.html = response.text
        self.csrf = csrf_of(self.html)
        self.version = int(re.search(r'data-version="(\d+)"', self.html).group(1))
        return self.html

    def post(self, path: str, data: dict[str, str], **kwargs):
        return self.client.post(
            self.url + path,
            data={"csrf": self.csrf, "version": str(self.version), **data},
            **kwargs,
        )

    def cell(self, field: str, value: str) -> dict:
        response = self.client.post(
            self.url + "/cells",
            data={"field": field, "value": value, "version": str(self.version)},
            headers={"x-csrf-token": self.csrf, "accept": "application/json"},
        )
        return {"status": response.status_code, **response.json()}

    def value_of(self, field: str) -> str:
        anchor = "c-" + field.replace(".", "-")
        found = re.search(rf'id="{anchor}" name="v\.{re.escape(field)}" value="([^"]*)"', self.html)
        assert found, field
        return found.group(1)


@pytest.fixture
def page(web: Web) -> Page:
    client = web.client()
    web.join(client, web.org("某某市某某局"), "tianqi")
    return Page(client, web.report_url(client))


def test_a_bad_cell_is_refused_with_the_chats_reason_and_the_good_ones_saved(page: Page) -> None:
    response = page.post(
        "/sections/s3",
        {"v.s3.new.natural": "12", "v.s3.new.commercial": "3.5", "v.s3.new.research": "-1"},
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("#sec-s3")
    html = page.reload()
    assert "以下 2 格未能保存，已保留您填写的内容，请修改" in html
    assert (
        "表三「一、本年新收政府信息公开申请数量」行「商业企业」列：“3.5”不是整数，本格填写件数，应为整数"
        in html
    )
    assert "“-1”是负数，本格不能为负数" in html
    assert page.value_of("s3.new.natural") == "12"
    assert page.value_of("s3.new.commercial") == "3.5"  # what was typed is still there
    assert page.version == 1
    html = page.reload()  # shown once: after a reload the saved values remain, the refusal goes
    assert "未能保存" not in html
    assert page.value_of("s3.new.natural") == "12"


def test_a_cell_saved_by_the_script_returns_totals_progress_and_findings(page: Page) -> None:
    first = page.cell("s3.new.natural", "5")
    assert first["status"] == 200 and first["saved"] == ["s3.new.natural"]
    page.version = first["version"]
    for column in ("commercial", "research", "nonprofit", "legal", "other"):
        result = page.cell(f"s3.new.{column}", "1")
        page.version = result["version"]
    assert result["cells"]["s3.new.total"] == "10"
    assert result["progress"] == "1/36"
    bad = page.cell("s3.carried_in.natural", "十")
    assert bad["problems"]["s3.carried_in.natural"].endswith(
        "“十”不是数字，请只填写阿拉伯数字（如 0、12、1,024）"
    )


def test_two_people_on_the_same_cell_get_the_chats_conflict_message(web: Web, page: Page) -> None:
    colleague = web.client()
    with session_scope(web.engine) as session:
        member = session.exec(select(Member).where(Member.login == "tianqi")).one()
        org_id = member.org_id
    web.join(colleague, org_id, "colleague")
    other = Page(colleague, page.url)
    assert (
        page.post("/sections/s3", {"v.s3.new.natural": "5", "was.s3.new.natural": ""}).status_code
        == 303
    )
    # The colleague's page still shows version 0 and an empty cell.
    other.post("/sections/s3", {"v.s3.new.natural": "7", "was.s3.new.natural": ""})
    html = other.reload()
    assert "保存未成功：您开始填写后，以下内容已被他人修改，本次填写的内容均未保存：" in html
    assert "表三「一、本年新收政府信息公开申请数量」行「自然人」列：（空） → 5（tianqi同志" in html
    assert other.value_of("s3.new.natural") == "7"  # their figure is kept for them to decide
    page.reload()
    assert page.value_of("s3.new.natural") == "5"
    # A cell the colleague did not touch is not sent again, so it cannot conflict.
    other.reload()
    response = other.post(
        "/sections/s3",
        {
            "v.s3.new.natural": "5",
            "was.s3.new.natural": "5",
            "v.s3.new.legal": "2",
            "was.s3.new.legal": "",
        },
    )
    assert response.status_code == 303
    assert "保存未成功" not in other.reload()
    assert other.value_of("s3.new.legal") == "2"


def test_the_scripts_saves_keep_the_conflict_rule_and_need_the_session_and_token(
    web: Web, page: Page
) -> None:
    """A cell saved by the page's script (the one-transaction route): a colleague's change
    to the same cell since the page was shown refuses it with the chat's message and answers
    with the report as it is; without the session or with the wrong token nothing is saved."""
    colleague = web.client()
    with session_scope(web.engine) as session:
        org_id = session.exec(select(Member).where(Member.login == "tianqi")).one().org_id
    web.join(colleague, org_id, "colleague")
    other = Page(colleague, page.url)
    assert page.cell("s3.new.natural", "5")["status"] == 200
    refused = other.cell("s3.new.natural", "7")  # still at version 0
    assert refused["status"] == 409 and refused["saved"] == []
    assert refused["error"].startswith("保存未成功：您开始填写后，以下内容已被他人修改")
    assert "（空） → 5（tianqi同志" in refused["error"]
    assert refused["version"] == 1 and refused["progress"] == "0/36"
    assert "s3" in refused["findings"]
    elsewhere = other.cell("s3.new.legal", "2")  # another cell: no conflict
    assert elsewhere["status"] == 200 and elsewhere["version"] == 2
    signed_out = web.client().post(
        page.url + "/cells",
        data={"field": "s3.new.natural", "value": "9", "version": "2"},
        headers={"x-csrf-token": page.csrf, "accept": "application/json"},
    )
    assert signed_out.status_code == 401
    assert signed_out.json()["error"] == "登录已过期，请刷新页面后重新登录。"
    forged = page.client.post(
        page.url + "/cells",
        data={"field": "s3.new.natural", "value": "9", "version": "2"},
        headers={"x-csrf-token": other.csrf, "accept": "application/json"},
    )
    assert forged.status_code == 403
    assert page.reload() and page.value_of("s3.new.natural") == "5"
    assert page.version == 2


def test_a_cell_saved_by_the_script_is_one_transaction_of_five_statements(
    web: Web, page: Page
) -> None:
    """The busiest route, in round trips to the database (bench/web.py): the session row, the
    report locked with last year's, the version bumped, the answer and its history row; the
    page's new state needs no further read; one commit."""
    assert page.cell("s3.new.natural", "5")["status"] == 200  # the answers now cached
    page.version += 1
    statements: list[str] = []
    commits: list[bool] = []

    def statement(conn, cursor, text, parameters, context, executemany) -> None:
        if text.strip().upper() != "BEGIN":
            statements.append(text.split(None, 1)[0].upper())

    def commit(conn) -> None:
        commits.append(True)

    sa.event.listen(web.engine, "before_cursor_execute", statement)
    sa.event.listen(web.engine, "commit", commit)
    try:
        result = page.cell("s3.new.commercial", "3")
    finally:
        sa.event.remove(web.engine, "before_cursor_execute", statement)
        sa.event.remove(web.engine, "commit", commit)
    assert result["status"] == 200 and result["saved"] == ["s3.new.commercial"]
    assert statements == ["SELECT", "SELECT", "UPDATE", "INSERT", "INSERT"]
    assert len(commits) == 1


def _table_three_block() -> tuple[str, dict[str, int]]:
    """The sample's 表三 as copied from a spreadsheet: the row labels, the six applicant
    columns, without the computed （七）总计 row."""
    answers = load_answers(SAMPLE)
    values = parse_answers(answers).values
    section = answers.form.section("s3")
    lines, expected = [], {}
    for row in section.grid:
        typed = [f for f in row if not answers.form.field(f).derived]
        if not typed:
            continue
        lines.append(
            "\t".join([answers.form.field(typed[0]).row] + [str(values[f]) for f in typed])
        )
        expected.update({f: values[f] for f in typed})
    return "\n".join(lines), expected


def _table(html: str, section_id: str) -> tuple[str, list[int]]:
    """A table's header and the number of cells (inputs and totals) in each body row."""
    table = re.search(
        rf'<table class="official \w+" id="table-{section_id}">(.*?)</table>', html, re.S
    )
    assert table, section_id
    head = re.search(r"<thead>(.*?)</thead>", table.group(1), re.S)
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    assert head and body
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return head.group(1), [len(re.findall(r"<td\b", row)) for row in rows]


def test_the_page_has_the_official_sections_and_tables(page: Page) -> None:
    form = load_answers(SAMPLE).form
    headings = re.findall(r'<h2 id="h-s\d">([^<]*)</h2>', page.html)
    assert headings == [section.heading for section in form.sections]
    assert headings[0] == "一、总体情况" and len(headings) == 6
    head, cells = _table(page.html, "s3")  # 表三: 7 columns under merged headers
    assert cells == [7] * len(form.section("s3").rows)
    assert '<th scope="col" colspan="7">申请人情况</th>' in head
    assert '<th scope="col" colspan="5">法人或其他组织</th>' in head
    assert '<th scope="col" rowspan="2">总计</th>' in head
    head, cells = _table(page.html, "s4")  # 表四: its official single line of 15
    assert cells == [15]
    assert '<th scope="col" colspan="5">行政复议</th>' in head
    assert '<th scope="col" colspan="10">行政诉讼</th>' in head
    assert '<th scope="col" colspan="5">未经复议直接起诉</th>' in head


def test_a_broken_relation_is_shown_at_its_table_with_links_to_its_cells(page: Page) -> None:
    block, expected = _table_three_block()
    page.post("/sections/s3/paste", {"block": block})
    page.reload()
    assert "本表已填写部分的勾稽关系相符" in page.html
    result = page.cell("s3.new.natural", str(expected["s3.new.natural"] + 1))
    assert result["status"] == 200
    findings = result["findings"]["s3"]
    assert '<li class="error"><strong>错误：</strong>' in findings
    assert 'href="#c-s3-new-natural"' in findings  # a link to the cell that broke it
    html = page.reload()
    box = re.search(r'<div class="findings-box" id="findings-s3"[^>]*>(.*?)</div>', html, re.S)
    assert box and 'href="#c-s3-new-natural"' in box.group(1)
    assert 'id="c-s3-new-natural"' in html  # the link's target


def test_a_text_section_counts_its_characters(page: Page) -> None:
    text = "本机关认真贯彻落实《条例》，全面推进政务公开。"
    page.post("/sections/s1", {"v.s1.text": text})
    html = page.reload()
    count = re.search(r'已填写 <span data-count-for="c-s1-text">(\d+)</span> 字', html)
    assert count and int(count.group(1)) == len(text)


def test_table_three_pasted_from_a_spreadsheet_in_one_go(web: Web, page: Page) -> None:
    block, expected = _table_three_block()
    response = page.post("/sections/s3/paste", {"block": block})
    assert response.status_code == 303
    html = page.reload()
    assert "已粘贴表三的 144 格。" in html
    for field_id, value in expected.items():
        assert page.value_of(field_id) == str(value)


def test_a_block_pasted_into_one_cell_fills_the_row_from_there(page: Page) -> None:
    page.post("/sections/s3", {"v.s3.disclosed.natural": "4\t0\t1\t0\t0\t2"})
    page.reload()
    assert [
        page.value_of(f"s3.disclosed.{c}")
        for c in ("natural", "commercial", "research", "nonprofit", "legal", "other")
    ] == ["4", "0", "1", "0", "0", "2"]


def test_last_years_report_uploaded_prefills_carry_over_and_offers_its_texts(page: Page) -> None:
    answers = load_answers(SAMPLE)
    values = parse_answers(answers).values
    content = render_report(answers.form, agency="某某市某某局", year=2024, values=values)
    response = page.post("/upload", {}, files={"file": ("2024年报.docx", content)})
    assert response.headers["location"].endswith("#upload")
    html = page.reload()
    assert "这是上一年度（2024年）的报告" in html
    page.post("/upload-choice", {"action": "U"})
    html = page.reload()
    assert "已将其保存为本单位2024年度报告" in html
    assert page.value_of("s3.carried_in.natural") == str(values["s3.carried_out.natural"])
    assert "已按上年报告“结转下年度继续办理”预填" in html
    assert f"上年报告的本部分内容（{len(values['s1.text'])} 字）" in html
    page.post("/sections/s1/previous", {})
    page.reload()
    assert values["s1.text"].split("\n")[0] in page.html


def test_uploads_are_bounded_and_checked_as_in_the_chat(page: Page) -> None:
    too_big = b"x" * (20 * 1024 * 1024 + 1)
    page.post("/upload", {}, files={"file": ("big.docx", too_big)})
    assert "文件过大（超过 20 MB）" in page.reload()
    far_too_big = page.post("/upload", {}, files={"file": ("big.docx", too_big + b"x" * 70_000)})
    assert far_too_big.status_code == 413  # refused before anything reads the body
    assert "上传的报告文件不超过 20 MB" in far_too_big.text
    huge_form = page.post("/sections/s1", {"v.s1.text": "字" * 400_000})
    assert huge_form.status_code == 413
    page.post("/upload", {}, files={"file": ("report.xlsx", b"PK\x03\x04")})
    assert "请发送 Word（.docx）、网页（.html/.htm）或 PDF 格式的年度报告" in page.reload()
    page.post("/upload", {}, files={"file": ("fake.docx", b"not a zip")})
    assert "无法读取该文件" in page.reload()


def test_nothing_of_another_organisation_is_readable_or_writable(web: Web, page: Page) -> None:
    page.post("/sections/s1", {"v.s1.text": "本单位内部情况"})
    intruder = web.client()
    web.join(intruder, web.org("另一个局"), "intruder")
    own = Page(intruder, web.report_url(intruder))
    assert own.url != page.url
    for path in ("", "/preview"):
        response = intruder.get(page.url + path)
        assert response.status_code == 404
        assert "本单位内部情况" not in response.text
    forged = {"csrf": own.csrf, "version": "0"}
    for path, data in (
        ("/sections/s1", {"v.s1.text": "篡改"}),
        ("/sections/s3/paste", {"block": "1\t1\t1\t1\t1\t1"}),
        ("/sections/s1/previous", {}),
        ("/generate", {}),
        ("/upload-choice", {"action": "U"}),
    ):
        response = intruder.post(page.url + path, data={**forged, **data})
        assert response.status_code in (303, 404), path
        if response.status_code == 303:  # the redirect leads to a page it cannot see
            assert intruder.get(response.headers["location"]).status_code == 404
    response = intruder.post(
        page.url + "/cells",
        data={"field": "s1.text", "value": "篡改", "version": "0"},
        headers={"x-csrf-token": own.csrf, "accept": "application/json"},
    )
    assert response.status_code == 404
    # A field of no report, or a computed total, forged into the member's own form.
    own.post("/sections/s3", {"v.s3.new.total": "99", "v.nothing.here": "1"})
    html = own.reload()
    assert "“s3.new.total”不是本报告可填写的单元格" in html
    with session_scope(web.engine) as session:
        member = session.exec(select(Member).where(Member.login == "tianqi")).one()
        report_id = int(page.url.rsplit("/", 1)[1])
        values = reports.report_values(session, actor=member, report_id=report_id)
    assert values == {"s1.text": "本单位内部情况"}


def test_hostile_text_is_shown_literally_in_the_page_and_the_word_file(page: Page) -> None:
    hostile = '<script>alert("x")</script> & {{ 7*7 }} {% if 1 %}是{% endif %} <b>粗体</b>'
    page.post("/sections/s1", {"v.s1.text": hostile})
    html = page.reload()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; {{ 7*7 }}" in html
    response = page.post("/generate", {})
    document = WordDocument(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert hostile in text


def test_hostile_names_of_a_member_and_an_agency_are_shown_literally(web: Web) -> None:
    """A member's name and the agency's name reach the page's header, headings, notices and
    the Word report's title and file name: as typed, never as markup or template code."""
    agency = "<img src=x onerror=alert(1)>局{{ 7*7 }}\"'&"
    name = '<script>alert("名")</script>'
    client = web.client()
    page = client.get("/join")
    response = client.post(
        "/join",
        data={
            "csrf": csrf_of(page.text),
            "code": web.invite(web.org(agency)),
            "name": name,
            "login": "hostile",
            "password": "mima-2026-ok",
            "password2": "mima-2026-ok",
        },
    )
    assert response.status_code == 303
    report = Page(client, web.report_url(client))
    html = report.html
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;局{{ 7*7 }}&#34;&#39;&amp;" in html
    assert "&lt;script&gt;alert(&#34;名&#34;)&lt;/script&gt;" in html
    assert "局49" not in html
    document = report.post("/generate", {})
    assert document.status_code == 200
    assert quote(agency) in document.headers["content-disposition"]
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(document.content)).paragraphs)
    assert f"{agency}\n2025年政府信息公开工作年度报告" in text  # the title, on two lines


def test_generating_with_errors_gives_a_marked_draft_named_after_the_report(page: Page) -> None:
    response = page.post("/generate", {})
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert "%E8%8D%89%E7%A8%BF" in disposition  # （草稿）
    document = WordDocument(io.BytesIO(response.content))
    assert "草稿" in document.sections[0].header.paragraphs[0].text  # on every page
    preview = page.client.get(page.url + "/preview")
    assert "生成报告（草稿）" in preview.text
    assert "错误" in preview.text


def test_a_complete_report_generates_the_official_file_with_every_value(page: Page) -> None:
    answers = load_answers(SAMPLE)
    values = parse_answers(answers).values
    form = answers.form
    for section in form.sections:
        data = {
            f"v.{field_id}": str(value)
            for field_id, value in values.items()
            if form.field(field_id).section == section.id and not form.field(field_id).derived
        }
        page.post(f"/sections/{section.id}", data)
        page.reload()
    assert "36/36" in page.html
    response = page.post("/generate", {})
    assert response.headers["content-disposition"].endswith(
        "%E6%9F%90%E6%9F%90%E5%B8%82%E6%9F%90%E6%9F%90%E5%B1%802025"
        "%E5%B9%B4%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80"
        "%E5%B7%A5%E4%BD%9C%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.docx"
    )
    read = parse_answers(read_report(response.content).answers).values
    assert {f: read.get(f) for f in values} == values


class _Controls(HTMLParser):
    """The form controls a person fills in on a page, and whether each has a label (a
    <label for=…>, an enclosing <label>, or aria-label / aria-labelledby)."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()
        self.open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if found.get("for"):
                self.label_for.add(str(found["for"]))
        elif tag in ("input", "textarea", "select") and found.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.controls.append((tag, {**found, "in_label": "1" if self.open_labels else None}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1

    def unlabelled(self) -> list[str]:
        return [
            f"<{tag} {attrs}>"
            for tag, attrs in self.controls
            if not (
                attrs.get("id") in self.label_for
                or attrs.get("in_label")
                or attrs.get("aria-label")
                or attrs.get("aria-labelledby")
            )
        ]


def _unlabelled(html: str) -> tuple[int, list[str]]:
    parser = _Controls()
    parser.feed(html)
    return len(parser.controls), parser.unlabelled()


@pytest.fixture
def every_page(web: Web, page: Page) -> dict[str, str]:
    """Staff's pages (sign-in, joining, the report with its paste and upload forms, the
    account, the preview) and a supervisor's (overview, figures, copied texts, roll-up)."""
    anonymous = web.client()
    pages = {path: anonymous.get(path).text for path in ("/login", "/join")}
    for path in ("", "/preview"):
        pages[page.url + path] = page.client.get(page.url + path).text
    pages["/account"] = page.client.get("/account").text
    with session_scope(web.engine) as session:
        office = orgs.create_org(session, name="某某市政务公开办", org_type="city_gov")
    supervisor = web.client()
    web.join(supervisor, office.id, "dudao", role="supervisor")
    for path in ("/supervise", "/supervise/figures", "/supervise/copied", "/supervise/rollup"):
        response = supervisor.get(path)
        assert response.status_code == 200, path
        pages[path] = response.text
    return pages


def test_every_page_labels_every_input(every_page: dict[str, str]) -> None:
    controls = 0
    for path, html in every_page.items():
        count, unlabelled = _unlabelled(html)
        controls += count
        assert unlabelled == [], path
    assert controls > 150  # the report's cells are among them


def test_every_page_loads_only_nianbaos_own_assets(web: Web, every_page: dict[str, str]) -> None:
    """No CDN, no web fonts or scripts from elsewhere: every script, style sheet, image and
    form target is a path on nianbao itself, and nianbao serves it."""
    client = web.client()
    assets = set()
    for path, html in every_page.items():
        for reference in re.findall(r'\b(?:src|href|action)="([^"]*)"', html):
            assert reference.startswith(("/", "#", "?")), (path, reference)
            assert not reference.startswith("//"), (path, reference)
            if reference.startswith("/static/"):
                assets.add(reference)
        assert "@import" not in html and "url(http" not in html
    assert {a.split("?")[0] for a in assets} == {"/static/app.css", "/static/app.js"}
    for asset in assets:
        assert client.get(asset).status_code == 200
    style = client.get("/static/app.css").text
    assert "@import" not in style and "http" not in style and "@font-face" not in style


def test_a_supervisor_reads_the_reports_below_but_cannot_write(web: Web) -> None:
    with session_scope(web.engine) as session:
        office = orgs.create_org(session, name="某某市政务公开办", org_type="city_gov")
        bureau = orgs.create_org(
            session, name="某某市某某局", org_type="department", parent_id=office.id
        )
    staff = web.client()
    web.join(staff, bureau.id, "tianqi")
    page = Page(staff, web.report_url(staff))
    page.post("/sections/s3", {"v.s3.new.natural": "8"})
    supervisor = web.client()
    web.join(supervisor, office.id, "dudao", role="supervisor")
    listing = supervisor.get("/report")
    assert listing.status_code == 200 and "某某市某某局" in listing.text
    report = Page(supervisor, page.url)
    assert "（只读）" in report.html and " readonly" in report.html
    assert report.value_of("s3.new.natural") == "8"
    report.post("/sections/s3", {"v.s3.new.natural": "9"})
    assert "督导人员只能查看和审核报告，不能代为填报" in report.reload()
    assert Page(staff, page.url).value_of("s3.new.natural") == "8"


def test_a_forged_section_id_cannot_inject_into_the_redirect(page: Page) -> None:
    response = page.post("/sections/s3%0D%0ASet-Cookie:%20x=1", {"v.s3.new.natural": "1"})
    assert response.status_code == 303
    assert response.headers["location"] == page.url
    assert "x" not in page.client.cookies


def test_the_overview_drafted_from_the_tables_is_offered_and_adopted(web: Web) -> None:
    org_id = web.org("某某县审计局")
    sample = load_answers(SAMPLES / "huaian-szf-2024.yaml")
    values = {k: v for k, v in sample.values.items() if k != "s1.text"}
    with session_scope(web.engine) as session:
        answers = AnswersFile(sample.kind, "某某县审计局", 2025, values)
        reports.import_answers(session, org_id=org_id, answers=answers)
    client = web.client()
    web.join(client, org_id, "zhaoliu")
    page = Page(client, web.report_url(client))
    assert "按表格起草的段落（数字均取自表格）" in page.html
    drafted = "本机关新收政府信息公开申请3119件"
    assert drafted in page.html
    assert page.post("/sections/s1/draft", {}).status_code == 303
    html = page.reload()
    assert "已采用按表格起草的段落" in html
    text = re.search(r'<textarea id="c-s1-text"[^>]*>([^<]*)</textarea>', html)
    assert text is not None and drafted in text.group(1)
