"""Joining with an invite, signing in and out, sessions, CSRF, brute force, the bot's
one-time links and the administrator's password reset."""

from __future__ import annotations

import re

from sqlmodel import select
from typer.testing import CliRunner

from bot.chat.service import ReportChat
from bot.cli import app as cli_app
from storage import members, web_accounts
from storage.db import session_scope
from storage.models import Member, WebSession
from tests.web.conftest import PASSWORD, Web, csrf_of


def _login(web: Web, client, login: str, password: str):
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf": csrf_of(page.text), "login": login, "password": password}
    )


def test_join_with_invite_signs_in_and_opens_this_years_report(web: Web, this_year: int) -> None:
    client = web.client()
    web.join(client, web.org("某某市某某局"), "zhangsan")
    page = client.get(web.report_url(client))
    assert page.status_code == 200
    assert f"某某市某某局{this_year}年政府信息公开工作年度报告" in page.text
    assert "登记成功！您已作为“某某市某某局”的填报人员加入。" in page.text
    assert "0/36" in page.text


def test_invite_is_single_use_and_a_wrong_code_is_refused_in_chinese(web: Web) -> None:
    org = web.org("某某局")
    code = web.invite(org)
    for login, expected in (("first", 303), ("second", 400)):
        client = web.client()
        page = client.get("/join")
        response = client.post(
            "/join",
            data={
                "csrf": csrf_of(page.text),
                "code": code,
                "name": "张三",
                "login": login,
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == expected
    assert "该邀请码已被使用" in response.text
    assert 'value="second"' in response.text  # what was typed is kept
    client = web.client()
    page = client.get("/join")
    response = client.post(
        "/join",
        data={
            "csrf": csrf_of(page.text),
            "code": "wrongcode123",
            "name": "李四",
            "login": "lisi",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert "邀请码无效，请核对后重新输入" in response.text


def test_sign_in_rotates_the_session_and_logout_ends_it(web: Web) -> None:
    client = web.client()
    web.join(client, web.org("某某局"), "wangwu")
    joined_cookie = client.cookies["nianbao_session"]
    page = client.get(web.report_url(client))
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert client.get("/report").headers["location"] == "/login"
    response = _login(web, client, "WangWu", PASSWORD)  # login names ignore case
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.cookies["nianbao_session"] != joined_cookie
    # The old cookie is dead: logged out sessions are deleted from the database.
    stale = web.client()
    stale.cookies.set("nianbao_session", joined_cookie)
    assert stale.get("/report").headers["location"] == "/login"


def test_sessions_live_in_the_database_so_any_web_process_serves_them(web: Web) -> None:
    first = web.client()
    web.join(first, web.org("某某局"), "zhaoliu")
    second = web.client()  # another app instance (another process behind the same address)
    second.cookies.set("nianbao_session", first.cookies["nianbao_session"])
    assert second.get("/report").status_code == 303
    assert second.get(web.report_url(second)).status_code == 200
    with session_scope(web.engine) as session:
        stored = session.exec(select(WebSession.token_hash)).all()
    assert first.cookies["nianbao_session"] not in stored  # only the hash is kept


def test_wrong_passwords_are_rate_limited_per_login(web: Web) -> None:
    client = web.client()
    web.join(client, web.org("某某局"), "sunqi")
    attacker = web.client()
    for _ in range(web_accounts.MAX_FAILURES["login"]):
        response = _login(web, attacker, "sunqi", "wrong-password-1")
        assert response.status_code == 401
        assert "登录名或密码不正确。" in response.text
    response = _login(web, attacker, "sunqi", PASSWORD)  # even the right one, for a while
    assert response.status_code == 429
    assert "尝试次数过多，请 15 分钟后再试" in response.text


def test_forms_without_the_csrf_token_are_refused(web: Web) -> None:
    client = web.client()
    web.join(client, web.org("某某局"), "zhouba")
    url = web.report_url(client)
    page = client.get(url)
    for data in ({}, {"csrf": "forged"}):
        response = client.post(url + "/sections/s3", data={**data, "v.s3.new.natural": "9"})
        assert response.status_code == 403
        assert "页面已过期或来源不明，未执行操作" in response.text
    # Another member's token does not do either.
    other = web.client()
    web.join(other, web.org("另一局"), "other")
    other_token = csrf_of(other.get(web.report_url(other)).text)
    response = client.post(
        url + "/sections/s3", data={"csrf": other_token, "v.s3.new.natural": "9"}
    )
    assert response.status_code == 403
    assert 'name="v.s3.new.natural" value=""' in client.get(url).text
    # Before sign-in the forms are protected too.
    response = web.client().post("/login", data={"login": "zhouba", "password": PASSWORD})
    assert response.status_code == 403
    assert csrf_of(page.text)


def test_telegram_member_signs_in_with_a_one_time_link(web: Web, monkeypatch) -> None:
    monkeypatch.setenv("NIANBAO_WEB_URL", "http://intranet.example/nianbao/")
    from bot.config import get_settings

    get_settings.cache_clear()
    try:
        with session_scope(web.engine) as session:
            _, code = members.create_invite(
                session, org_id=web.org("某某局"), role="staff", created_by="test"
            )
            member = members.redeem_invite(session, code=code, telegram_user_id=4242, name="钱九")
        turn = ReportChat(web.engine).web_link(member)
    finally:
        get_settings.cache_clear()
    text = turn.replies[0].text
    link = re.search(r"http://intranet\.example/nianbao/link/(\S+)", text)
    assert link, text
    path = f"/link/{link.group(1)}"
    client = web.client()
    page = client.get(path)  # a link preview fetching it does not use it up
    assert "确认登录" in page.text
    response = client.post(path, data={"csrf": csrf_of(page.text)})
    assert response.status_code == 303
    assert "已通过 Telegram 登录" in client.get(web.report_url(client)).text
    again = web.client()
    page = again.get(path)
    response = again.post(path, data={"csrf": csrf_of(page.text)})
    assert "登录链接无效、已使用或已过期" in response.text


def test_admin_resets_a_password_from_the_command_line(web: Web, monkeypatch) -> None:
    client = web.client()
    web.join(client, web.org("某某局"), "wushi")
    with session_scope(web.engine) as session:
        member = session.exec(select(Member).where(Member.login == "wushi")).one()
    url = web.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    from bot.config import get_settings
    from storage.db import dispose_engines

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["member", "password-reset", str(member.id)])
    finally:
        dispose_engines()
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    temporary = re.search(r"临时密码：(\S+)", result.output).group(1)
    assert client.get("/report").headers["location"] == "/login"  # old sessions ended
    assert _login(web, web.client(), "wushi", PASSWORD).status_code == 401
    assert _login(web, web.client(), "wushi", temporary).status_code == 303


def test_security_headers_on_every_page(web: Web) -> None:
    response = web.client().get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    script = web.client().get("/static/app.js")
    assert script.status_code == 200 and script.headers["x-content-type-options"] == "nosniff"


def test_unknown_pages_and_malformed_posts_answer_in_chinese(web: Web) -> None:
    client = web.client()
    web.join(client, web.org("某某局"), "chenshi")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "未找到该页面" in missing.text
    url = web.report_url(client)
    token = csrf_of(client.get(url).text)
    response = client.post(url + "/sections/s3/paste", data={"csrf": token, "start_row": "x"})
    assert response.status_code == 400
    assert "提交的内容不完整或格式不正确" in response.text
