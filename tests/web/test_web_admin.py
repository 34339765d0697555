"""The administration pages over HTTP (FastAPI's TestClient): an administrator builds the
organisation tree, invites, manages members and resets a password, every change in the audit
log; nobody else reaches a page or a form, and forms without the CSRF token do nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from storage.db import session_scope
from storage.models import AuditLog, Deadline, Invite, Member, Organisation
from tests.web.conftest import PASSWORD, Web, csrf_of


@pytest.fixture
def admin(web: Web) -> TestClient:
    """An administrator of the city government, signed in."""
    client = web.client()
    web.join(client, web.org("淮安市人民政府"), "admin", role="admin")
    return client


def _post(client: TestClient, page: str, action: str, **data: str):  # type: ignore[no-untyped-def]
    """Post a form of `page` as the browser does: with the page's CSRF token."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf": token, **data})


def _org(web: Web, name: str) -> Organisation:
    with session_scope(web.engine) as session:
        return session.exec(select(Organisation).where(Organisation.name == name)).one()


def _member(web: Web, login: str) -> Member:
    with session_scope(web.engine) as session:
        return session.exec(select(Member).where(Member.login == login)).one()


def _audit(web: Web) -> list[AuditLog]:
    with session_scope(web.engine) as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.id)).all())


def _login(client: TestClient, login: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf": csrf_of(page.text), "login": login, "password": password}
    )


def _followed(client: TestClient, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def test_admin_builds_the_organisation_tree(web: Web, admin: TestClient) -> None:
    city = _org(web, "淮安市人民政府").id
    page = _followed(
        admin,
        _post(
            admin,
            "/admin",
            "/admin/orgs",
            name="洪泽区人民政府",
            org_type="county_gov",
            parent=str(city),
        ),
    )
    assert "已添加单位：洪泽区人民政府" in page
    county = _org(web, "洪泽区人民政府")
    assert (county.parent_id, county.org_type) == (city, "county_gov")
    _post(
        admin,
        "/admin",
        "/admin/orgs",
        name="洪泽区科技局",
        org_type="department",
        parent=str(county.id),
    )
    bureau = _org(web, "洪泽区科技局")
    # The tree a level at a time: the top, then each organisation's own children, with the
    # way back up and how many lie below each.
    top = admin.get("/admin").text.split('id="org-tree"')[1]
    assert f'<a href="/admin?org={city}">1 个</a>' in top and "洪泽区人民政府" not in top
    level = admin.get(f"/admin?org={county.id}").text
    assert (
        f'<a href="/admin?org={city}">淮安市人民政府</a> › <strong aria-current="page">洪泽区人民政府'
        in level
    )
    rows = level.split('id="org-tree"')[1]
    assert "洪泽区人民政府的下级单位（共 1 个）" in rows and f'id="org-{bureau.id}"' in rows

    # Names are unique: refused with the name, what was typed kept in the form.
    page = _followed(
        admin,
        _post(admin, "/admin", "/admin/orgs", name="洪泽区科技局", org_type="department"),
    )
    assert "未执行：单位「洪泽区科技局」已存在" in page and 'value="洪泽区科技局"' in page
    url = f"/admin/orgs/{county.id}"
    page = _followed(admin, _post(admin, url, f"{url}/name", name="洪泽区科技局"))
    assert "单位「洪泽区科技局」已存在" in page
    page = _followed(admin, _post(admin, url, f"{url}/name", name="淮安市洪泽区人民政府"))
    assert "单位名称已改为「淮安市洪泽区人民政府」" in page

    # Moving under its own lower organisation would make a cycle.
    page = _followed(admin, _post(admin, url, f"{url}/parent", parent=str(bureau.id)))
    assert (
        "不能把「淮安市洪泽区人民政府」移到其下级单位「洪泽区科技局」之下：上下级关系不能形成循环"
        in page
    )
    assert _org(web, "淮安市洪泽区人民政府").parent_id == city
    burl = f"/admin/orgs/{bureau.id}"
    page = _followed(admin, _post(admin, burl, f"{burl}/parent", parent=""))
    assert "已将「洪泽区科技局」连同其下级单位移到顶层" in page
    assert _org(web, "洪泽区科技局").parent_id is None
    _post(admin, burl, f"{burl}/parent", parent=str(county.id))
    assert _org(web, "洪泽区科技局").parent_id == county.id

    page = _followed(admin, _post(admin, burl, f"{burl}/type", org_type="township"))
    assert "单位类型已改为乡镇" in page and _org(web, "洪泽区科技局").org_type == "township"
    page = _followed(admin, _post(admin, burl, f"{burl}/type", org_type="bureau"))
    assert "单位类型「bureau」无效" in page

    # A deadline of the county's own (the bureau below follows it), then back to the law.
    page = _followed(admin, _post(admin, url, f"{url}/deadline", year="2025", due="2026-01-20"))
    assert "截止日期设为 2026-01-20" in page and "（本单位单独设置）" in page
    assert 'id="due">2026-01-20' in admin.get(burl).text
    page = _followed(admin, _post(admin, url, f"{url}/deadline", year="2025", due="20号"))
    assert "日期「20号」格式有误，请按“年-月-日”填写，如 2026-01-31" in page
    page = _followed(admin, _post(admin, url, f"{url}/deadline", year="2025", clear="1"))
    assert "已取消单独设置的2025年度报送截止日期" in page
    assert 'id="due">2026-03-31' in page  # a county government: 31 March
    with session_scope(web.engine) as session:
        assert session.exec(select(Deadline)).all() == []

    admin_id = _member(web, "admin").id
    actions = [(e.actor, e.action) for e in _audit(web) if e.actor == f"member:{admin_id}"]
    assert [a for _, a in actions] == [
        "org.add",
        "org.add",
        "org.rename",
        "org.move",
        "org.move",
        "org.set_type",
        "deadline.set",
        "deadline.clear",
    ]
    log = admin.get("/admin/audit").text
    assert log.index("取消单独设置的截止日期") < log.index("单位改名")  # the newest first
    assert "原为：洪泽区人民政府；改为：淮安市洪泽区人民政府" in log
    assert "admin同志（成员编号" in log


def test_invite_shown_once_joins_that_organisation_and_revoked_codes_do_not(
    web: Web, admin: TestClient
) -> None:
    bureau = web.org("洪泽区科技局")
    response = _post(
        admin,
        "/admin/invites",
        "/admin/invites",
        org=str(bureau),
        role="supervisor_staff",
        days="3",
    )
    assert response.status_code == 200
    code = re.search(r'id="invite-code">([a-z0-9]+)<', response.text).group(1)
    assert "单位：洪泽区科技局；角色：督导兼填报人员" in response.text
    listing = admin.get("/admin/invites").text
    assert code not in listing and "未使用" in listing
    with session_scope(web.engine) as session:
        assert code not in session.exec(select(Invite.code_hash)).all()[-1]

    newcomer = web.client()
    page = newcomer.get("/join")
    joined = newcomer.post(
        "/join",
        data={
            "csrf": csrf_of(page.text),
            "code": code,
            "name": "钱七",
            "login": "qianqi",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert joined.status_code == 303
    member = _member(web, "qianqi")
    assert (member.org_id, member.role) == (bureau, "supervisor_staff")
    row = admin.get(f"/admin/invites?org={bureau}").text
    assert "已使用" in row and "钱七（" in row
    log = admin.get("/admin/audit").text
    assert f"<td>钱七（成员编号 {member.id}）</td>\n<td>网页登记加入</td>" in log

    response = _post(
        admin, "/admin/invites", "/admin/invites", org=str(bureau), role="staff", days="14"
    )
    second = re.search(r'id="invite-code">([a-z0-9]+)<', response.text).group(1)
    invite_id = int(re.search(r'action="/admin/invites/(\d+)/revoke"', response.text).group(1))
    page = _followed(admin, _post(admin, "/admin/invites", f"/admin/invites/{invite_id}/revoke"))
    assert f"已撤销邀请码（编号 {invite_id}）" in page and "已撤销（" in page
    latecomer = web.client()
    page = latecomer.get("/join")
    refused = latecomer.post(
        "/join",
        data={
            "csrf": csrf_of(page.text),
            "code": second,
            "name": "孙八",
            "login": "sunba",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert refused.status_code == 400
    assert "该邀请码已被管理员撤销，不能再使用" in refused.text
    page = _followed(admin, _post(admin, "/admin/invites", f"/admin/invites/{invite_id}/revoke"))
    assert "已撤销" in page

    page = _followed(
        admin,
        _post(admin, "/admin/invites", "/admin/invites", org=str(bureau), role="staff", days="0"),
    )
    assert "邀请码有效期应大于零" in page
    assert [e.action for e in _audit(web)][-4:] == [
        "invite.create",
        "member.join_web",
        "invite.create",
        "invite.revoke",
    ]


def test_members_role_and_removal_take_effect_at_once(web: Web, admin: TestClient) -> None:
    bureau = web.org("洪泽区科技局")
    staff = web.client()
    web.join(staff, bureau, "wangfang")
    member = _member(web, "wangfang")
    listing = admin.get(f"/admin/members?org={bureau}").text.split('id="members"')[1]
    assert "wangfang同志" in listing and "网页登录名 wangfang" in listing and "在用" in listing
    assert "admin同志" not in listing  # only that organisation

    page = _followed(
        admin,
        _post(
            admin,
            "/admin/members",
            f"/admin/members/{member.id}/role",
            role="supervisor_staff",
            org=str(bureau),
        ),
    )
    assert "已将 wangfang同志 的角色改为督导兼填报人员" in page
    assert staff.get("/supervise").status_code == 200  # on their very next request

    page = _followed(admin, _post(admin, "/admin/members", f"/admin/members/{member.id}/remove"))
    assert "已停用成员 wangfang同志" in page
    assert staff.get("/report").headers["location"] == "/login"
    assert _login(web.client(), "wangfang", PASSWORD).status_code == 401
    assert "已停用" in admin.get("/admin/members").text

    page = _followed(admin, _post(admin, "/admin/members", f"/admin/members/{member.id}/restore"))
    assert "已恢复成员 wangfang同志" in page
    assert _member(web, "wangfang").role == "supervisor_staff"  # as they were
    assert _login(web.client(), "wangfang", PASSWORD).status_code == 303
    page = _followed(admin, _post(admin, "/admin/members", f"/admin/members/{member.id}/restore"))
    assert "未被停用，无需恢复" in page

    me = _member(web, "admin")
    page = _followed(admin, _post(admin, "/admin/members", f"/admin/members/{me.id}/remove"))
    assert "不能停用自己的账号，请由其他管理员操作" in page
    page = _followed(
        admin, _post(admin, "/admin/members", f"/admin/members/{me.id}/role", role="staff")
    )
    assert "不能更改自己的角色" in page and _member(web, "admin").role == "admin"
    assert [e.action for e in _audit(web)][-3:] == [
        "member.set_role",
        "member.deactivate",
        "member.reactivate",
    ]


def test_password_reset_on_the_web_is_the_command_lines(web: Web, admin: TestClient) -> None:
    staff = web.client()
    web.join(staff, web.org("洪泽区科技局"), "zhaomin")
    member = _member(web, "zhaomin")
    response = _post(admin, "/admin/members", f"/admin/members/{member.id}/password")
    assert response.status_code == 200
    temporary = re.search(r'id="temporary-password">([^<]+)<', response.text).group(1)
    assert "临时密码只显示这一次" in response.text
    assert temporary not in admin.get("/admin/members").text
    assert staff.get("/report").headers["location"] == "/login"  # its sessions ended
    assert _login(web.client(), "zhaomin", PASSWORD).status_code == 401
    assert _login(web.client(), "zhaomin", temporary).status_code == 303
    entry = _audit(web)[-1]
    assert (entry.action, entry.actor) == (
        "member.set_password",
        f"member:{_member(web, 'admin').id}",
    )


ADMIN_PAGES = [
    "/admin",
    "/admin/orgs/1",
    "/admin/members",
    "/admin/members?org=1",
    "/admin/invites",
    "/admin/audit",
]


def _admin_forms(org_id: int, member_id: int, invite_id: int) -> dict[str, dict[str, str]]:
    return {
        "/admin/orgs": {"name": "新单位", "org_type": "department", "parent": str(org_id)},
        f"/admin/orgs/{org_id}/name": {"name": "改过的名称"},
        f"/admin/orgs/{org_id}/parent": {"parent": ""},
        f"/admin/orgs/{org_id}/type": {"org_type": "township"},
        f"/admin/orgs/{org_id}/deadline": {"year": "2025", "due": "2026-01-01"},
        f"/admin/members/{member_id}/role": {"role": "admin"},
        f"/admin/members/{member_id}/remove": {},
        f"/admin/members/{member_id}/restore": {},
        f"/admin/members/{member_id}/password": {},
        "/admin/invites": {"org": str(org_id), "role": "admin", "days": "3"},
        f"/admin/invites/{invite_id}/revoke": {},
    }


@pytest.mark.parametrize("role", ["staff", "supervisor", "supervisor_staff"])
def test_nobody_but_admins_reaches_a_page_or_a_form(web: Web, role: str) -> None:
    city = web.org("淮安市人民政府")
    bureau = web.org("洪泽区科技局")
    web.invite(bureau)
    client = web.client()
    web.join(client, city, "someone", role=role)
    other = web.client()
    web.join(other, bureau, "colleague")
    target = _member(web, "colleague")
    with session_scope(web.engine) as session:
        invite_id = session.exec(select(Invite.id).where(Invite.used_at.is_(None))).first()
    before = [e.id for e in _audit(web)]

    home = client.get("/account").text
    assert 'href="/admin"' not in home
    for page in ADMIN_PAGES:
        response = client.get(page)
        assert response.status_code == 403, page
        assert "管理页面仅供管理员使用" in response.text
    token = csrf_of(home)
    for action, data in _admin_forms(bureau, target.id, invite_id).items():
        response = client.post(action, data={"csrf": token, **data})
        assert response.status_code == 403, action
    # A forged id of every kind changed nothing.
    assert _org(web, "洪泽区科技局").org_type == "department"
    assert _member(web, "colleague").role == "staff" and _member(web, "colleague").active
    assert other.get("/report").status_code == 303  # still signed in
    assert [e.id for e in _audit(web)] == before
    with session_scope(web.engine) as session:
        assert session.exec(select(Invite.revoked_at).where(Invite.id == invite_id)).one() is None


def test_admin_forms_refuse_a_missing_csrf_token_and_forged_ids(
    web: Web, admin: TestClient
) -> None:
    bureau = web.org("洪泽区科技局")
    staff = web.client()
    web.join(staff, bureau, "zhouwu")
    target = _member(web, "zhouwu")
    invite_id = 1
    before = [e.id for e in _audit(web)]
    for action, data in _admin_forms(bureau, target.id, invite_id).items():
        assert admin.post(action, data=data).status_code == 403, action
        assert admin.post(action, data={"csrf": "forged", **data}).status_code == 403, action
    assert [e.id for e in _audit(web)] == before
    assert _member(web, "zhouwu").active and _org(web, "洪泽区科技局").name == "洪泽区科技局"

    token = csrf_of(admin.get("/admin").text)
    for action, data in _admin_forms(9999, 9999, 9999).items():
        if action == "/admin/orgs":
            continue
        response = admin.post(action, data={"csrf": token, **data})
        assert response.status_code == 404, action
        assert "未找到该页面，或您无权访问" in response.text
    assert admin.get("/admin/orgs/9999").status_code == 404
    assert admin.get("/admin/members?org=9999").status_code == 404
    assert [e.id for e in _audit(web)] == before


def test_admin_nav_link_and_signed_out_visitors(web: Web, admin: TestClient) -> None:
    assert '<a href="/admin">管理</a>' in admin.get("/account").text
    assert web.client().get("/admin").headers["location"] == "/login"
