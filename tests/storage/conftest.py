"""A small supervision tree with one member per role, on the per-test database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.answers import AnswersFile, load_answers
from storage.members import create_invite, redeem_invite
from storage.models import Member, Organisation
from storage.orgs import create_org

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
_user_ids = itertools.count(7_000_000_001)


@dataclass
class Tree:
    """市政府 → 县政府 → 县局, 乡镇; 市政府 → 邻县政府 → 邻县局."""

    city: Organisation
    county: Organisation
    bureau: Organisation
    township: Organisation
    other_county: Organisation
    other_bureau: Organisation


def add_member(session: Session, org: Organisation, role: str, name: str) -> Member:
    _, code = create_invite(session, org_id=org.id, role=role, created_by="test")
    return redeem_invite(session, code=code, telegram_user_id=next(_user_ids), name=name)


@pytest.fixture
def tree(session: Session) -> Tree:
    city = create_org(session, name="淮安市人民政府", org_type="city_gov")
    county = create_org(session, name="洪泽区人民政府", org_type="county_gov", parent_id=city.id)
    bureau = create_org(session, name="洪泽区科技局", org_type="department", parent_id=county.id)
    township = create_org(session, name="高良涧街道", org_type="township", parent_id=county.id)
    other = create_org(session, name="涟水县人民政府", org_type="county_gov", parent_id=city.id)
    other_bureau = create_org(
        session, name="涟水县科技局", org_type="department", parent_id=other.id
    )
    return Tree(city, county, bureau, township, other, other_bureau)


@pytest.fixture
def staff(session: Session, tree: Tree) -> Member:
    return add_member(session, tree.bureau, "staff", "王芳")


@pytest.fixture
def colleague(session: Session, tree: Tree) -> Member:
    return add_member(session, tree.bureau, "staff", "李强")


@pytest.fixture
def other_staff(session: Session, tree: Tree) -> Member:
    return add_member(session, tree.other_bureau, "staff", "赵敏")


@pytest.fixture
def supervisor(session: Session, tree: Tree) -> Member:
    return add_member(session, tree.county, "supervisor", "陈督导")


@pytest.fixture
def admin(session: Session, tree: Tree) -> Member:
    return add_member(session, tree.city, "admin", "管理员甲")


@pytest.fixture
def huaian() -> AnswersFile:
    return load_answers(SAMPLES / "huaian-szf-2024.yaml")


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL the engine sends, as it sends it."""
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(engine, "before_cursor_execute", record)
