"""Organisations and the supervision tree (a county government above its departments, …)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.db import write_transaction
from storage.errors import NotFound, StorageError
from storage.models import ORG_TYPE_LABELS, Organisation, check_code


def create_org(
    session: Session, *, name: str, org_type: str, parent_id: int | None = None
) -> Organisation:
    """Add an organisation under `parent_id`; names are unique. Commits."""
    name = name.strip()
    if not name:
        raise StorageError("单位名称不能为空")
    check_code(org_type, ORG_TYPE_LABELS, "单位类型")
    with write_transaction(session):
        if parent_id is not None and session.get(Organisation, parent_id) is None:
            raise NotFound(f"上级单位（编号 {parent_id}）不存在")
        if session.exec(select(Organisation.id).where(Organisation.name == name)).first():
            raise StorageError(f"单位「{name}」已存在")
        org = Organisation(name=name, org_type=org_type, parent_id=parent_id)
        session.add(org)
    return org


def get_org(session: Session, *, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"单位（编号 {org_id}）不存在")
    return org


def find_org(session: Session, *, name_or_id: str) -> Organisation:
    """An organisation by its number or its exact name (how admins type it on the CLI)."""
    text = name_or_id.strip()
    if text.isdigit():
        org = session.get(Organisation, int(text))
        if org is not None:
            return org
    org = session.exec(select(Organisation).where(Organisation.name == text)).first()
    if org is None:
        raise NotFound(f"未找到单位「{text}」，请用 nianbao org list 查看单位名称和编号")
    return org


def list_orgs(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.id)).all())


def tree_order(orgs: list[Organisation]) -> list[tuple[Organisation, int]]:
    """The organisations as a tree is read: each followed by those below it, with its depth
    (0 at the top); within a level by number."""
    children: dict[int | None, list[Organisation]] = {}
    for org in sorted(orgs, key=lambda o: o.id or 0):
        children.setdefault(org.parent_id, []).append(org)
    ordered: list[tuple[Organisation, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for org in children.get(parent_id, []):
            ordered.append((org, depth))
            walk(org.id, depth + 1)

    walk(None, 0)
    return ordered


def subtree_query(org_id: int) -> sa.Select:
    """The ids of `org_id` and every organisation below it, at any depth, as a recursive
    query to filter by in SQL (`Member.org_id.in_(subtree_query(5))`)."""
    tree = select(Organisation.id).where(Organisation.id == org_id).cte(recursive=True)
    child = sa.orm.aliased(Organisation)
    tree = tree.union_all(select(child.id).where(child.parent_id == tree.c.id))
    return select(tree.c.id)


def subtree_ids(session: Session, *, org_id: int) -> set[int]:
    """`org_id` and every organisation below it, at any depth (a recursive query)."""
    return set(session.exec(subtree_query(org_id)).all())


def ancestors(session: Session, *, org: Organisation) -> list[Organisation]:
    """`org` itself, then its parent, up to the top of the tree."""
    chain = [org]
    seen = {org.id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        parent = get_org(session, org_id=chain[-1].parent_id)
        seen.add(parent.id)
        chain.append(parent)
    return chain
