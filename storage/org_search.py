"""Finding organisations in a large tree without loading it: one level at a time, a search
by name, and an organisation chosen by what an administrator typed (its number or name).

A city's whole tree is some 10,000 organisations; every function here reads only the rows a
page shows, with counts and paging done in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, func, select

from storage.errors import StorageError
from storage.models import Member, Organisation
from storage.orgs import get_org

# How many candidates a refusal names when what was typed matches several organisations.
NAMED_CANDIDATES = 8


def children(
    session: Session, *, parent_id: int | None, offset: int = 0, limit: int = 50
) -> tuple[list[Organisation], int]:
    """One page of the organisations directly below `parent_id` (None: the top level), by
    number, and how many there are in all."""
    where = (
        Organisation.parent_id.is_(None)  # type: ignore[union-attr]
        if parent_id is None
        else Organisation.parent_id == parent_id
    )
    total = session.exec(select(func.count()).select_from(Organisation).where(where)).one()
    rows = session.exec(
        select(Organisation).where(where).order_by(Organisation.id).offset(offset).limit(limit)  # type: ignore[arg-type]
    ).all()
    return list(rows), total


def name_matches(text: str) -> sa.ColumnElement[bool]:
    """Names containing `text`, Latin letters in either case on every database (LIKE is
    case-sensitive on PostgreSQL, not on SQLite); % and _ typed are taken literally."""
    return Organisation.name.icontains(text.strip(), autoescape=True)  # type: ignore[attr-defined]


def search(
    session: Session, *, text: str, offset: int = 0, limit: int = 50
) -> tuple[list[Organisation], int]:
    """One page of the organisations whose name contains `text` (the shortest names first:
    an exact name leads), and how many match."""
    where = name_matches(text)
    total = session.exec(select(func.count()).select_from(Organisation).where(where)).one()
    rows = session.exec(
        select(Organisation)
        .where(where)
        .order_by(func.length(Organisation.name), Organisation.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def child_counts(session: Session, *, org_ids: Iterable[int]) -> dict[int, int]:
    """How many organisations are directly below each of `org_ids` (absent: none)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Organisation.parent_id, func.count())
        .where(Organisation.parent_id.in_(ids))  # type: ignore[union-attr]
        .group_by(Organisation.parent_id)
    ).all()
    return {parent: count for parent, count in rows if parent is not None}


def active_member_counts(session: Session, *, org_ids: Iterable[int]) -> dict[int, int]:
    """How many active members each of `org_ids` has (absent: none)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Member.org_id, func.count())
        .where(Member.org_id.in_(ids), Member.active)  # type: ignore[attr-defined]
        .group_by(Member.org_id)
    ).all()
    return dict(rows)


def names_of(session: Session, *, org_ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the organisations a page mentions."""
    ids = {i for i in org_ids if i is not None}
    if not ids:
        return {}
    rows = session.exec(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))  # type: ignore[union-attr]
    ).all()
    return {org_id: name for org_id, name in rows if org_id is not None}


def choose(session: Session, *, text: str, what: str = "单位") -> Organisation:
    """The organisation an administrator typed: its number, its exact name, or a part of its
    name that only it contains. A number nobody has is NotFound (a forged or stale id); a
    name matching none or several is refused naming what was typed (and the candidates)."""
    typed = text.strip()
    if not typed:
        raise StorageError(f"请填写{what}的名称或编号")
    if typed.isdigit():
        return get_org(session, org_id=int(typed))
    exact = session.exec(select(Organisation).where(Organisation.name == typed)).first()
    if exact is not None:
        return exact
    found, total = search(session, text=typed, limit=NAMED_CANDIDATES)
    if total == 1:
        return found[0]
    if total == 0:
        raise StorageError(
            f"未找到名称或编号为「{typed}」的{what}，请核对后输入单位的完整名称或编号"
        )
    named = "、".join(f"{org.name}（编号 {org.id}）" for org in found)
    more = f"等 {total} 个" if total > len(found) else f"共 {total} 个"
    raise StorageError(
        f"名称含「{typed}」的单位有多个：{named}{more}，请输入其中一个单位的完整名称或编号"
    )


def choose_optional(session: Session, *, text: str, what: str = "单位") -> Organisation | None:
    """`choose`, with nothing typed meaning none (a top-level organisation has no parent)."""
    if not text.strip():
        return None
    return choose(session, text=text, what=what)
