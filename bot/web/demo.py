"""`nianbao web --demo`: a demo organisation with last year's published report, a member who
can sign in at once, and an invite code to try joining."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.core.answers import load_answers
from bot.web.passwords import hash_password
from storage import members, orgs, reports, web_accounts
from storage.db import session_scope
from storage.errors import NotFound

DEMO_SAMPLE = Path(__file__).resolve().parent.parent / "demo" / "huaian-szf-2024.yaml"
DEMO_LOGIN = "demo"


@dataclass(frozen=True)
class DemoAccess:
    agency: str
    year: int
    login: str
    password: str
    invite_code: str


def prepare_demo(engine: Engine) -> DemoAccess:
    """The demo data (created once, kept between runs); a fresh password and invite code
    each time."""
    answers = load_answers(DEMO_SAMPLE)
    password = "demo-" + secrets.token_hex(4)
    with session_scope(engine) as session:
        try:
            org = orgs.find_org(session, name_or_id=answers.agency)
        except NotFound:
            org = orgs.create_org(session, name=answers.agency, org_type="city_gov")
        assert org.id is not None
        reports.import_answers(session, org_id=org.id, answers=answers)
        member = web_accounts.member_by_login(session, login=DEMO_LOGIN)
        if member is None:
            _, code = members.create_invite(
                session, org_id=org.id, role="staff", created_by="web-demo"
            )
            member = web_accounts.join_with_invite(
                session,
                code=code,
                login=DEMO_LOGIN,
                name="演示填报人员",
                password_hash=hash_password(password),
                attempt_keys=["invite:demo"],
            )
        assert member.id is not None
        web_accounts.set_credentials(
            session, member_id=member.id, password_hash=hash_password(password), actor="web-demo"
        )
        _, invite_code = members.create_invite(
            session, org_id=org.id, role="staff", created_by="web-demo"
        )
    return DemoAccess(answers.agency, answers.year + 1, DEMO_LOGIN, password, invite_code)
