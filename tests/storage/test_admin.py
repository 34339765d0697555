"""Administration services: only an admin member (or the command line) changes the tree,
members, invites, deadlines and web passwords; each change is audit-logged with who did it;
the tree never gets a cycle; a revoked invite no longer joins, in the chat or on the web."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from storage import deadlines, members, org_admin, web_accounts
from storage.errors import InviteError, NotFound, PermissionDenied, StorageError
from storage.models import AuditLog, Member, Organisation, WebSession
from tests.storage.conftest import Tree, add_member


def _log(session: Session) -> list[tuple[str, str]]:
    return [(e.actor, e.action) for e in session.exec(select(AuditLog).order_by(AuditLog.id))]


def _changes(session: Session, actor: Member | str, tree: Tree) -> None:
    """One call of every administration service, as `actor`."""
    org_admin.add_org(session, actor=actor, name="新设单位", org_type="department")
    org_admin.rename_org(session, actor=actor, org_id=tree.bureau.id, name="洪泽区科学技术局")
    org_admin.move_org(session, actor=actor, org_id=tree.township.id, parent_id=tree.city.id)
    org_admin.set_org_type(session, actor=actor, org_id=tree.bureau.id, org_type="township")
    deadlines.set_deadline(
        session, year=2025, due=date(2026, 1, 20), org_id=tree.county.id, actor=actor
    )
    deadlines.clear_org_deadline(session, year=2025, org_id=tree.county.id, actor=actor)
    invite, _ = members.create_invite(
        session, org_id=tree.bureau.id, role="staff", created_by=actor
    )
    members.revoke_invite(session, actor=actor, invite_id=invite.id)


def test_an_admin_member_changes_everything_and_the_log_names_them(
    session: Session, tree: Tree, admin: Member, staff: Member
) -> None:
    session.add(Member(name="网页用户", role="staff", org_id=tree.bureau.id, login="wangye"))
    session.commit()
    _changes(session, admin, tree)
    members.set_role(session, member_id=staff.id, role="supervisor_staff", actor=admin)
    web = session.exec(select(Member).where(Member.login == "wangye")).one()
    web_accounts.reset_password(session, actor=admin, member_id=web.id, password_hash="h")
    members.deactivate_member(session, member_id=staff.id, actor=admin)
    by_admin = [action for actor, action in _log(session) if actor == f"member:{admin.id}"]
    assert by_admin == [
        "org.add", "org.rename", "org.move", "org.set_type", "deadline.set", "deadline.clear",
        "invite.create", "invite.revoke", "member.set_role", "member.set_password",
        "member.deactivate",
    ]  # fmt: skip
    assert session.get(Organisation, tree.township.id).parent_id == tree.city.id
    assert session.get(Organisation, tree.bureau.id).name == "洪泽区科学技术局"


@pytest.mark.parametrize("role", ["staff", "supervisor", "supervisor_staff"])
def test_nobody_else_changes_anything(session: Session, tree: Tree, role: str) -> None:
    member = add_member(session, tree.city, role, "某某")
    before = _log(session)
    with pytest.raises(PermissionDenied, match="只有管理员可以管理"):
        _changes(session, member, tree)
    for call in (
        lambda: org_admin.rename_org(session, actor=member, org_id=tree.city.id, name="x"),
        lambda: org_admin.move_org(session, actor=member, org_id=tree.bureau.id, parent_id=None),
        lambda: org_admin.set_org_type(
            session, actor=member, org_id=tree.city.id, org_type="department"
        ),
        lambda: deadlines.set_deadline(
            session, year=2025, due=date(2026, 1, 1), org_id=tree.city.id, actor=member
        ),
        lambda: members.create_invite(
            session, org_id=tree.city.id, role="admin", created_by=member
        ),
        lambda: members.set_role(session, member_id=member.id, role="admin", actor=member),
        lambda: members.reactivate_member(session, member_id=member.id, actor=member),
        lambda: web_accounts.reset_password(
            session, actor=member, member_id=member.id, password_hash="h"
        ),
    ):
        with pytest.raises(StorageError):
            call()
    assert _log(session) == before
    assert session.get(Member, member.id).role == role
    assert session.get(Organisation, tree.bureau.id).parent_id == tree.county.id


def test_a_deactivated_admin_is_refused(session: Session, tree: Tree, admin: Member) -> None:
    members.deactivate_member(session, member_id=admin.id, actor="cli:root")
    with pytest.raises(PermissionDenied, match="已停用"):
        org_admin.add_org(session, actor=admin, name="x", org_type="department")


def test_the_tree_never_gets_a_cycle(session: Session, tree: Tree) -> None:
    with pytest.raises(StorageError, match="不能把「洪泽区人民政府」设为自己的上级单位"):
        org_admin.move_org(session, actor="cli", org_id=tree.county.id, parent_id=tree.county.id)
    with pytest.raises(
        StorageError,
        match="不能把「淮安市人民政府」移到其下级单位「洪泽区科技局」之下：上下级关系不能形成循环",
    ):
        org_admin.move_org(session, actor="cli", org_id=tree.city.id, parent_id=tree.bureau.id)
    with pytest.raises(NotFound, match="单位（编号 999）不存在"):
        org_admin.move_org(session, actor="cli", org_id=tree.county.id, parent_id=999)
    assert session.get(Organisation, tree.city.id).parent_id is None
    # Sideways and to the top are fine, with everything below.
    org_admin.move_org(session, actor="cli", org_id=tree.county.id, parent_id=tree.other_county.id)
    org_admin.move_org(session, actor="cli", org_id=tree.other_county.id, parent_id=None)
    assert session.get(Organisation, tree.bureau.id).parent_id == tree.county.id


def test_names_stay_unique_and_types_valid(session: Session, tree: Tree) -> None:
    with pytest.raises(
        StorageError, match=r"单位「涟水县科技局」已存在（编号 \d+），单位名称不能重复"
    ):
        org_admin.rename_org(session, actor="cli", org_id=tree.bureau.id, name=" 涟水县科技局 ")
    with pytest.raises(StorageError, match="单位名称不能为空"):
        org_admin.rename_org(session, actor="cli", org_id=tree.bureau.id, name="  ")
    org_admin.rename_org(session, actor="cli", org_id=tree.bureau.id, name="洪泽区科技局")
    with pytest.raises(StorageError, match="单位「洪泽区科技局」已存在"):
        org_admin.add_org(session, actor="cli", name="洪泽区科技局", org_type="department")
    with pytest.raises(StorageError, match="单位类型「局」无效"):
        org_admin.set_org_type(session, actor="cli", org_id=tree.bureau.id, org_type="局")
    assert _log(session) == [("cli", "org.rename")]


def test_a_revoked_invite_joins_neither_in_the_chat_nor_on_the_web(
    session: Session, tree: Tree
) -> None:
    invite, code = members.create_invite(
        session, org_id=tree.bureau.id, role="staff", created_by="cli:root"
    )
    members.revoke_invite(session, actor="cli:root", invite_id=invite.id)
    assert members.invite_state(invite, invite.created_at) == "已撤销"
    refused = "该邀请码已被管理员撤销，不能再使用"
    with pytest.raises(InviteError, match=refused):
        members.redeem_invite(session, code=code, telegram_user_id=5_000_000_077, name="王芳")
    with pytest.raises(InviteError, match=refused):
        web_accounts.join_with_invite(
            session, code=code, login="wangfang", name="王芳", password_hash="h",
            attempt_keys=["invite:test"],
        )  # fmt: skip
    assert session.exec(select(Member).where(Member.name == "王芳")).all() == []
    with pytest.raises(StorageError, match="已撤销"):
        members.revoke_invite(session, actor="cli:root", invite_id=invite.id)

    used, used_code = members.create_invite(
        session, org_id=tree.bureau.id, role="staff", created_by="cli:root"
    )
    members.redeem_invite(session, code=used_code, telegram_user_id=5_000_000_078, name="李强")
    with pytest.raises(StorageError, match="已被使用，不能撤销"):
        members.revoke_invite(session, actor="cli:root", invite_id=used.id)
    states = [members.invite_state(i, i.created_at) for i in members.list_invites(session)]
    assert states == ["已使用", "已撤销"]  # the newest first


def test_removing_a_member_ends_their_web_sessions(
    session: Session, tree: Tree, admin: Member, staff: Member
) -> None:
    web_accounts.start_session(session, member_id=staff.id)
    members.deactivate_member(session, member_id=staff.id, actor=admin)
    assert session.exec(select(WebSession).where(WebSession.member_id == staff.id)).all() == []
    with pytest.raises(StorageError, match="不能停用自己的账号"):
        members.deactivate_member(session, member_id=admin.id, actor=admin)
    with pytest.raises(StorageError, match="不能更改自己的角色"):
        members.set_role(session, member_id=admin.id, role="staff", actor=admin)
    assert session.get(Member, admin.id).active


def test_a_deactivation_made_by_mistake_is_undone_as_the_member_was(
    session: Session, tree: Tree, admin: Member, staff: Member
) -> None:
    members.set_role(session, member_id=staff.id, role="supervisor_staff", actor=admin)
    web_accounts.start_session(session, member_id=staff.id)
    members.deactivate_member(session, member_id=staff.id, actor=admin)
    assert members.get_member(session, telegram_user_id=staff.telegram_user_id) is None

    back = members.reactivate_member(session, member_id=staff.id, actor=admin)

    found = members.get_member(session, telegram_user_id=staff.telegram_user_id)
    assert found is not None and found.id == staff.id == back.id
    assert (found.org_id, found.role, found.active) == (tree.bureau.id, "supervisor_staff", True)
    # The sessions the deactivation ended stay ended: they sign in again.
    assert session.exec(select(WebSession).where(WebSession.member_id == staff.id)).all() == []
    assert _log(session)[-2:] == [
        (f"member:{admin.id}", "member.deactivate"),
        (f"member:{admin.id}", "member.reactivate"),
    ]
    with pytest.raises(
        StorageError, match=rf"成员 {staff.name}（编号 {staff.id}）未被停用，无需恢复"
    ):
        members.reactivate_member(session, member_id=staff.id, actor=admin)
    with pytest.raises(NotFound, match="成员（编号 999）不存在"):
        members.reactivate_member(session, member_id=999, actor=admin)


def test_a_telegram_only_member_has_no_web_password_to_reset(
    session: Session, staff: Member
) -> None:
    with pytest.raises(StorageError, match=r"尚未设置网页登录名.*发送 /web"):
        web_accounts.reset_password(session, actor="cli", member_id=staff.id, password_hash="h")
    assert session.get(Member, staff.id).password_hash is None
