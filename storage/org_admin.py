"""Administrators' changes to the organisation tree: add, rename, move, change type.

Each is checked through `access.check_admin` (an admin member, or the command line) and
written to the audit log in the same transaction. `orgs.create_org` stays the bare row that
setup code (the demo, benchmarks, tests) adds.
"""

from __future__ import annotations

from sqlmodel import Session, select

from storage import access, audit
from storage.db import write_transaction
from storage.errors import StorageError
from storage.models import ORG_TYPE_LABELS, Member, Organisation, check_code
from storage.orgs import create_org, get_org, subtree_ids


def add_org(
    session: Session,
    *,
    actor: Member | str,
    name: str,
    org_type: str,
    parent_id: int | None = None,
) -> Organisation:
    """A new organisation under `parent_id` (None: at the top). Commits."""
    with write_transaction(session):
        by = access.check_admin(session, actor)
        org = create_org(session, name=name, org_type=org_type, parent_id=parent_id)
        session.flush()
        audit.record(
            session,
            actor=by,
            action="org.add",
            detail={
                "org_id": org.id,
                "name": org.name,
                "org_type": org_type,
                "parent_id": parent_id,
            },
        )
    return org


def _check_name_free(session: Session, name: str, org_id: int) -> str:
    name = name.strip()
    if not name:
        raise StorageError("单位名称不能为空")
    if len(name) > 200:
        raise StorageError("单位名称不超过 200 字")
    taken = session.exec(
        select(Organisation.id).where(Organisation.name == name, Organisation.id != org_id)
    ).first()
    if taken is not None:
        raise StorageError(f"单位「{name}」已存在（编号 {taken}），单位名称不能重复")
    return name


def rename_org(session: Session, *, actor: Member | str, org_id: int, name: str) -> Organisation:
    """Give an organisation a new (unique) name; reports keep the name they were written
    under. Commits."""
    with write_transaction(session):
        by = access.check_admin(session, actor)
        org = get_org(session, org_id=org_id)
        before = org.name
        org.name = _check_name_free(session, name, org_id)
        session.add(org)
        audit.record(
            session,
            actor=by,
            action="org.rename",
            detail={"org_id": org_id, "from": before, "to": org.name},
        )
    return org


def move_org(
    session: Session, *, actor: Member | str, org_id: int, parent_id: int | None
) -> Organisation:
    """Put an organisation (with everything below it) under another one, or at the top
    (None). Refuses to put it under itself or under one of its own lower organisations.
    Commits."""
    with write_transaction(session):
        by = access.check_admin(session, actor)
        org = get_org(session, org_id=org_id)
        if parent_id is not None:
            parent = get_org(session, org_id=parent_id)
            if parent_id == org_id:
                raise StorageError(f"不能把「{org.name}」设为自己的上级单位")
            if parent_id in subtree_ids(session, org_id=org_id):
                raise StorageError(
                    f"不能把「{org.name}」移到其下级单位「{parent.name}」之下："
                    f"上下级关系不能形成循环。请先调整「{parent.name}」的上级单位"
                )
        before = org.parent_id
        org.parent_id = parent_id
        session.add(org)
        audit.record(
            session,
            actor=by,
            action="org.move",
            detail={"org_id": org_id, "from": before, "to": parent_id},
        )
    return org


def set_org_type(
    session: Session, *, actor: Member | str, org_id: int, org_type: str
) -> Organisation:
    """Change an organisation's type (which legal deadline applies to it). Commits."""
    check_code(org_type, ORG_TYPE_LABELS, "单位类型")
    with write_transaction(session):
        by = access.check_admin(session, actor)
        org = get_org(session, org_id=org_id)
        before = org.org_type
        org.org_type = org_type
        session.add(org)
        audit.record(
            session,
            actor=by,
            action="org.set_type",
            detail={"org_id": org_id, "from": before, "to": org_type},
        )
    return org
