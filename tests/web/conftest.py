"""The web front end on the per-test database: the app under FastAPI's TestClient, members
who joined with invites, and the page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from bot.config import get_settings
from bot.core.calendar import report_year_for
from bot.web.app import create_app
from storage import members, orgs
from storage.db import session_scope

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
PASSWORD = "mima-2026-ok"
# The 2025 report is being written: last year's is the 2024 sample (tests/fixtures/samples).
TODAY = date(2025, 12, 15)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


@dataclass
class Web:
    engine: Engine

    def client(self) -> TestClient:
        """A browser of its own (its own cookies)."""
        app = create_app(get_settings(), engine=self.engine, today=lambda: TODAY)
        return TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)

    def org(self, name: str) -> int:
        with session_scope(self.engine) as session:
            org = orgs.create_org(session, name=name, org_type="department")
            assert org.id is not None
            return org.id

    def invite(self, org_id: int, role: str = "staff") -> str:
        with session_scope(self.engine) as session:
            _, code = members.create_invite(session, org_id=org_id, role=role, created_by="test")
        return code

    def join(self, client: TestClient, org_id: int, login: str, *, role: str = "staff") -> None:
        page = client.get("/join")
        response = client.post(
            "/join",
            data={
                "csrf": csrf_of(page.text),
                "code": self.invite(org_id, role),
                "name": f"{login}同志",
                "login": login,
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/report"

    def report_url(self, client: TestClient) -> str:
        response = client.get("/report")
        assert response.status_code == 303
        return response.headers["location"]


@pytest.fixture
def web(engine: Engine) -> Iterator[Web]:
    yield Web(engine)


@pytest.fixture
def this_year() -> int:
    return report_year_for(TODAY)
