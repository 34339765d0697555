"""The administration pages over HTTP (FastAPI's TestClient): an administrator builds the
organisation tree, invites, manages members and resets a password, every change in the audit
log; nobody else reaches a page or a form, and forms without the CSRF token do nothing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from storage import members
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
    """Post a form of `page` as the browser would: with the page's CSRF token."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf": token, **data})


def _org_id(web: Web, name: str) -> int:
    with session_scope(web.engine) as session:
        return session.exec(select(Organisation.id).where(Organisation.name == name)).one()


def _member(web: Web, login: str) -> Member:
    with session_scope(web.engine) as session:
        return session.exec(select(Member).where(Member.login == login)).one()


def _audit(web: Web) -> list[AuditLog]:
    with session_scope(web.engine) as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.id)).all())


def test_admin_smoke(web: Web, admin: TestClient) -> None:
    for page in ("/admin", "/admin/members", "/admin/invites", "/admin/audit"):
        response = admin.get(page)
        assert response.status_code == 200, response.text
    city = _org_id(web, "淮安市人民政府")
    response = _post(admin, "/admin", "/admin/orgs", name="洪泽区人民政府", org_type="county_gov", parent=str(city))
    assert response.status_code == 303, response.text
    page = admin.get("/admin").text
    print(page)
    response = _post(admin, "/admin/invites", "/admin/invites", org=str(city), role="staff", days="3")
    print(response.text)
    assert admin.get(f"/admin/orgs/{city}").status_code == 200
    print(admin.get("/admin/audit").text)
