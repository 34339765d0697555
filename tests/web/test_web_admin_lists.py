"""The administration pages at the size of a city's tree: the tree a level at a time with a
name search, long lists paged (links that keep the filter), an organisation chosen by name
or number (refused naming what was typed when it matches none or several), and member and
invite lists filtered by an organisation and everything below it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from storage import orgs
from storage.db import session_scope
from storage.models import Invite, Member, Organisation
from tests.web.conftest import Web, csrf_of


@pytest.fixture
def admin(web: Web) -> TestClient:
    client = web.client()
    web.join(client, web.org("淮安市人民政府"), "admin", role="admin")
    return client


def _id(web: Web, name: str) -> int:
    with session_scope(web.engine) as session:
        return session.exec(select(Organisation.id).where(Organisation.name == name)).one()


def _under(web: Web, name: str, parent: str, org_type: str = "department") -> int:
    with session_scope(web.engine) as session:
        org = orgs.create_org(session, name=name, org_type=org_type, parent_id=_id(web, parent))
        return org.id


def _post(client: TestClient, form_page: str, action: str, **data: str):  # type: ignore[no-untyped-def]
    """Post a form of `form_page` with the page's CSRF token."""
    return client.post(action, data={"csrf": csrf_of(client.get(form_page).text), **data})


def _followed(client: TestClient, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def _rows(page: str, table: str) -> list[str]:
    """The ids of a table's rows, in order."""
    body = page.split(f'id="{table}"')[1].split("</table>")[0]
    return re.findall(r'<tr id="[a-z]+-(\d+)"', body)


def test_long_levels_are_paged_and_a_search_finds_any_level(web: Web, admin: TestClient) -> None:
    _under(web, "洪泽区人民政府", "淮安市人民政府", "county_gov")
    county = _id(web, "洪泽区人民政府")
    with session_scope(web.engine) as session:
        session.add_all(
            Organisation(name=f"洪泽区第{n:02d}局", org_type="department", parent_id=county)
            for n in range(55)
        )
        session.commit()

    first = admin.get(f"/admin?org={county}").text
    assert "洪泽区人民政府的下级单位（共 55 个）" in first
    assert len(_rows(first, "org-tree")) == 50
    assert "第 1–50 条，共 55 条（第 1/2 页）" in first
    assert f'<a href="/admin?org={county}&amp;page=2" rel="next">下一页</a>' in first
    second = admin.get(f"/admin?org={county}&page=2").text
    assert len(_rows(second, "org-tree")) == 5 and "洪泽区第54局" in second
    assert f'<a href="/admin?org={county}" rel="prev">上一页</a>' in second
    last = admin.get(f"/admin?org={county}&page=99").text  # past the end: the last page
    assert _rows(last, "org-tree") == _rows(second, "org-tree")
    top = admin.get("/admin").text
    assert "最上级单位（共 1 个）" in top and "洪泽区第00局" not in top

    found = admin.get("/admin", params={"q": "第05"}).text
    assert "名称含「第05」的单位（共 1 个）" in found
    assert f'<a href="/admin?org={county}">洪泽区人民政府</a>' in found  # its parent
    assert len(_rows(admin.get("/admin", params={"q": "局"}).text, "org-tree")) == 50
    assert "第 51–55 条" in admin.get("/admin", params={"q": "局", "page": "2"}).text
    assert "没有名称含「100%」的单位" in admin.get("/admin", params={"q": "100%"}).text
    assert admin.get("/admin?org=9999").status_code == 404

    looked_up = admin.get("/admin/orgs/lookup", params={"q": "第05局"}).json()
    assert looked_up == [
        {
            "id": _id(web, "洪泽区第05局"),
            "name": "洪泽区第05局",
            "label": f"编号 {_id(web, '洪泽区第05局')} · 洪泽区人民政府之下",
        }
    ]
    assert admin.get("/admin/orgs/lookup", params={"q": str(county)}).json()[0]["name"] == (
        "洪泽区人民政府"
    )
    assert web.client().get("/admin/orgs/lookup?q=局").status_code == 303  # signed out


def test_a_parent_is_typed_and_a_wrong_or_vague_one_refused(web: Web, admin: TestClient) -> None:
    county = _under(web, "洪泽区人民政府", "淮安市人民政府", "county_gov")
    _under(web, "洪泽区科技局", "洪泽区人民政府")
    _under(web, "涟水县人民政府", "淮安市人民政府", "county_gov")
    _under(web, "涟水县科技局", "涟水县人民政府")

    page = _followed(
        admin,
        _post(
            admin,
            "/admin",
            "/admin/orgs",
            name="洪泽区财政局",
            org_type="department",
            parent="科技局",
            back=str(county),
        ),
    )
    assert (
        f"未执行：名称含「科技局」的单位有多个：洪泽区科技局（编号 {_id(web, '洪泽区科技局')}）、"
        f"涟水县科技局（编号 {_id(web, '涟水县科技局')}）共 2 个" in page
    )
    assert 'value="洪泽区财政局"' in page and 'value="科技局"' in page  # kept
    assert "洪泽区人民政府的下级单位" in page  # back on the level it was added from
    page = _followed(
        admin,
        _post(
            admin,
            "/admin",
            "/admin/orgs",
            name="洪泽区财政局",
            org_type="department",
            parent="洪泽县政府",
        ),
    )
    assert "未找到名称或编号为「洪泽县政府」的上级单位" in page
    with session_scope(web.engine) as session:
        assert (
            session.exec(select(Organisation).where(Organisation.name == "洪泽区财政局")).first()
            is None
        )

    # Its number, and a part of the name only it has, are taken.
    page = _followed(
        admin,
        _post(
            admin,
            "/admin",
            "/admin/orgs",
            name="洪泽区财政局",
            org_type="department",
            parent=str(county),
        ),
    )
    assert "已添加单位：洪泽区财政局" in page and "洪泽区人民政府的下级单位（共 2 个）" in page
    bureau = _id(web, "洪泽区财政局")
    url = f"/admin/orgs/{bureau}"
    assert 'value="洪泽区人民政府"' in admin.get(url).text  # the parent it has now
    page = _followed(admin, _post(admin, url, f"{url}/parent", parent="涟水县人民"))
    assert "已将「洪泽区财政局」连同其下级单位移到「涟水县人民政府」之下" in page
    page = _followed(admin, _post(admin, url, f"{url}/parent", parent="人民政府"))
    assert "名称含「人民政府」的单位有多个" in page and 'value="人民政府"' in page
    assert _id(web, "涟水县人民政府") == _parent(web, bureau)

    page = _followed(
        admin, _post(admin, "/admin/invites", "/admin/invites", org="", role="staff", days="3")
    )
    assert "未执行：请填写邀请加入的单位的名称或编号" in page
    page = _followed(
        admin,
        _post(admin, "/admin/invites", "/admin/invites", org="科技", role="staff", days="3"),
    )
    assert "名称含「科技」的单位有多个" in page and 'value="科技"' in page
    created = _post(
        admin, "/admin/invites", "/admin/invites", org="洪泽区科技局", role="staff", days="3"
    )
    assert "单位：洪泽区科技局；角色：填报人员" in created.text


def _parent(web: Web, org_id: int) -> int | None:
    with session_scope(web.engine) as session:
        return session.get(Organisation, org_id).parent_id


def _people(session: Session, org_id: int, count: int) -> None:
    session.add_all(
        Member(name=f"成员{org_id}-{n:02d}", role="staff", org_id=org_id) for n in range(count)
    )


def test_members_and_invites_filtered_by_an_organisation_and_below_and_paged(
    web: Web, admin: TestClient
) -> None:
    county = _under(web, "洪泽区人民政府", "淮安市人民政府", "county_gov")
    bureau = _under(web, "洪泽区科技局", "洪泽区人民政府")
    with session_scope(web.engine) as session:
        _people(session, county, 2)
        _people(session, bureau, 60)
        session.commit()

    only = admin.get(f"/admin/members?org={county}").text
    assert "成员管理：洪泽区人民政府" in only and len(_rows(only, "members")) == 2
    below = admin.get("/admin/members", params={"org": "洪泽区人民政府", "below": "1"}).text
    assert "成员管理：洪泽区人民政府（含下级单位）" in below and "共 62 人" in below
    assert len(_rows(below, "members")) == 50
    assert f'href="/admin/members?org={county}&amp;below=1&amp;page=2" rel="next"' in below
    second = admin.get(f"/admin/members?org={county}&below=1&page=2").text
    assert len(_rows(second, "members")) == 12 and "成员" + f"{bureau}-59" in second
    assert "admin同志" not in second.split('id="members"')[1]
    # A post from page 2 comes back to page 2 of the same list.
    member = _rows(second, "members")[0]
    response = _post(
        admin,
        "/admin/members",
        f"/admin/members/{member}/role",
        role="supervisor",
        org=str(county),
        below="1",
        page="2",
    )
    assert response.headers["location"] == f"/admin/members?org={county}&below=1&page=2"

    vague = admin.get("/admin/members", params={"org": "人民政府"}).text
    assert "名称含「人民政府」的单位有多个" in vague and "共 63 人" in vague  # everyone shown
    assert "未找到名称或编号为「教育局」的单位" in admin.get("/admin/members?org=教育局").text

    for org_id in (county, bureau, bureau):
        web.invite(org_id)
    with session_scope(web.engine) as session:
        all_invites = len(session.exec(select(Invite.id)).all())
    page = admin.get(f"/admin/invites?org={county}&below=1").text
    assert "邀请码管理：洪泽区人民政府（含下级单位）" in page and "共 3 个" in page
    assert len(_rows(page, "invites")) == 3
    assert len(_rows(admin.get(f"/admin/invites?org={county}").text, "invites")) == 1
    assert f"共 {all_invites} 个" in admin.get("/admin/invites").text
    # The invite form starts with the organisation the list is filtered by.
    assert 'name="org" list="invite-org-choices"' in page and 'value="洪泽区人民政府"' in page
