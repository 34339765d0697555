"""Administrators: the organisation tree (add, rename, move, type, deadline), members (role,
remove, web password reset), invites (create, revoke, list) and the audit log.

Every change goes through the storage service the command line uses, with the signed-in
member as actor (`access.check_admin` there, audit-logged there); a route reads the form,
calls one service and redirects. An invite code and a temporary password are shown in the
response to the post itself and never stored, not even in the session's flash.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException

from bot.core.calendar import report_year_for
from bot.web.deps import CsrfChecked, DbEngine, Desk, SignedIn, Visit
from bot.web.flash import set_flash, take_flash
from bot.web.overview_table import local_time
from bot.web.pages import redirect, render
from bot.web.passwords import issue_temporary_password
from storage import audit, deadlines, members, org_admin, orgs
from storage.clock import utcnow
from storage.db import session_scope
from storage.errors import NotFound, PermissionDenied, StorageError
from storage.models import ORG_TYPE_LABELS, ROLE_LABELS, Organisation

ADMIN_ONLY = "管理页面仅供管理员使用，您的账号无权访问。"
AUDIT_ROWS = 200


def require_admin(visit: SignedIn) -> Visit:
    """Administration pages: everyone else gets 403 (a Chinese page). Storage checks the
    member again on every change (`access.check_admin`)."""
    if visit.member.role != "admin":
        raise HTTPException(403, detail=ADMIN_ONLY)
    return visit


Admin = Annotated[Visit, Depends(require_admin)]
router = APIRouter(prefix="/admin")


def _org_choice(text: str) -> int | None:
    """A select's value: an organisation's number, or "" for none."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise StorageError("请选择单位")
    return int(text)


def _done(engine: Engine, visit: Visit, url: str, note: str) -> Response:
    set_flash(engine, visit, {"notes": [note]})
    return redirect(url)


def _refused(engine: Engine, visit: Visit, url: str, exc: StorageError, **kept: str) -> Response:
    """A change storage refused: the page says why and keeps what was typed. Another
    organisation's or member's id that does not exist answers 404 like any missing page."""
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    set_flash(engine, visit, {"error": str(exc), "kept": kept})
    return redirect(url)


def _common(engine: Engine, visit: Visit) -> dict[str, Any]:
    return {
        "flash": take_flash(engine, visit),
        "org_types": ORG_TYPE_LABELS,
        "roles": ROLE_LABELS,
        "local_time": local_time,
    }


def _tree(session: Session) -> list[tuple[Organisation, int]]:
    return orgs.tree_order(orgs.list_orgs(session))


@router.get("")
def orgs_page(request: Request, engine: DbEngine, desk: Desk, visit: Admin) -> Response:
    """The organisation tree, each with its type, this year's deadline and its members."""
    year = report_year_for(desk.today())
    with session_scope(engine) as session:
        tree = _tree(session)
        due = deadlines.deadlines_for(session, orgs=[org for org, _ in tree], year=year)
        own = deadlines.org_overrides(session, year=year)
        counts: dict[int, int] = {}
        for member in members.list_members(session):
            if member.active:
                counts[member.org_id] = counts.get(member.org_id, 0) + 1
    context = {
        **_common(engine, visit),
        "tree": tree,
        "year": year,
        "due": due,
        "own": own,
        "counts": counts,
    }
    return render(request, "admin_orgs.html", context, visit=visit)


@router.post("/orgs", dependencies=[CsrfChecked])
def add_org(
    engine: DbEngine,
    visit: Admin,
    name: Annotated[str, Form(max_length=300)] = "",
    org_type: Annotated[str, Form(max_length=30)] = "",
    parent: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    with session_scope(engine) as session:
        try:
            org = org_admin.add_org(
                session,
                actor=visit.member,
                name=name,
                org_type=org_type,
                parent_id=_org_choice(parent),
            )
        except StorageError as exc:
            return _refused(
                engine, visit, "/admin#add", exc, name=name, org_type=org_type, parent=parent
            )
    note = f"已添加单位：{org.name}（编号 {org.id}）。"
    return _done(engine, visit, f"/admin#org-{org.id}", note)


@router.get("/orgs/{org_id}")
def org_page(request: Request, engine: DbEngine, desk: Desk, visit: Admin, org_id: int) -> Response:
    year = report_year_for(desk.today())
    with session_scope(engine) as session:
        org = orgs.get_org(session, org_id=org_id)
        below = orgs.subtree_ids(session, org_id=org_id)
        tree = _tree(session)
        context = {
            **_common(engine, visit),
            "org": org,
            "chain": orgs.ancestors(session, org=org)[1:],
            "parents": [(o, depth) for o, depth in tree if o.id not in below],
            "year": year,
            "due": deadlines.deadline_for(session, org=org, year=year),
            "own_due": deadlines.org_overrides(session, year=year).get(org_id),
            "legal_due": deadlines.legal_deadline(org.org_type, year),
            "people": members.list_members(session, org_id=org_id),
        }
    return render(request, "admin_org.html", context, visit=visit)


@router.post("/orgs/{org_id}/name", dependencies=[CsrfChecked])
def rename_org(
    engine: DbEngine, visit: Admin, org_id: int, name: Annotated[str, Form(max_length=300)] = ""
) -> Response:
    url = f"/admin/orgs/{org_id}"
    with session_scope(engine) as session:
        try:
            org = org_admin.rename_org(session, actor=visit.member, org_id=org_id, name=name)
        except StorageError as exc:
            return _refused(engine, visit, url, exc, name=name)
    return _done(engine, visit, url, f"单位名称已改为「{org.name}」。")


@router.post("/orgs/{org_id}/parent", dependencies=[CsrfChecked])
def move_org(
    engine: DbEngine, visit: Admin, org_id: int, parent: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    url = f"/admin/orgs/{org_id}"
    with session_scope(engine) as session:
        try:
            org = org_admin.move_org(
                session, actor=visit.member, org_id=org_id, parent_id=_org_choice(parent)
            )
            where = (
                f"「{orgs.get_org(session, org_id=org.parent_id).name}」之下"
                if org.parent_id is not None
                else "顶层（无上级单位）"
            )
        except StorageError as exc:
            return _refused(engine, visit, url, exc)
    return _done(engine, visit, url, f"已将「{org.name}」连同其下级单位移到{where}。")


@router.post("/orgs/{org_id}/type", dependencies=[CsrfChecked])
def set_org_type(
    engine: DbEngine,
    visit: Admin,
    org_id: int,
    org_type: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    url = f"/admin/orgs/{org_id}"
    with session_scope(engine) as session:
        try:
            org = org_admin.set_org_type(
                session, actor=visit.member, org_id=org_id, org_type=org_type
            )
        except StorageError as exc:
            return _refused(engine, visit, url, exc)
    return _done(engine, visit, url, f"单位类型已改为{ORG_TYPE_LABELS[org.org_type]}。")


@router.post("/orgs/{org_id}/deadline", dependencies=[CsrfChecked])
def set_deadline(
    engine: DbEngine,
    visit: Admin,
    org_id: int,
    year: Annotated[int, Form()],
    due: Annotated[str, Form(max_length=30)] = "",
    clear: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A date of the organisation's own for `year` (its lower organisations follow it), or
    with 恢复默认 back to what it inherits."""
    url = f"/admin/orgs/{org_id}"
    with session_scope(engine) as session:
        try:
            if clear:
                deadlines.clear_org_deadline(session, year=year, org_id=org_id, actor=visit.member)
                note = f"已取消单独设置的{year}年度报送截止日期，恢复按上级单位或法定日期执行。"
            else:
                due_date = deadlines.parse_due(due)
                deadlines.set_deadline(
                    session, year=year, due=due_date, org_id=org_id, actor=visit.member
                )
                note = (
                    f"已将本单位及其下级单位{year}年度报告的报送截止日期"
                    f"设为 {due_date.isoformat()}。"
                )
        except StorageError as exc:
            return _refused(engine, visit, url, exc, due=due)
    return _done(engine, visit, url, note)


def _members_context(engine: Engine, visit: Visit, org: int | None) -> dict[str, Any]:
    with session_scope(engine) as session:
        people = members.list_members(session, org_id=org)
        names = {o.id: o.name for o in orgs.list_orgs(session)}
        if org is not None and org not in names:
            raise NotFound(f"单位（编号 {org}）不存在")
        tree = _tree(session)
    return {
        **_common(engine, visit),
        "people": people,
        "names": names,
        "tree": tree,
        "org": org,
        "accounts": members.accounts_text,
        "state": members.state_text,
    }


@router.get("/members")
def members_page(
    request: Request, engine: DbEngine, visit: Admin, org: int | None = None
) -> Response:
    return render(request, "admin_members.html", _members_context(engine, visit, org), visit=visit)


def _members_url(org: str) -> str:
    return f"/admin/members?org={org}" if org.isdigit() else "/admin/members"


@router.post("/members/{member_id}/role", dependencies=[CsrfChecked])
def set_role(
    engine: DbEngine,
    visit: Admin,
    member_id: int,
    role: Annotated[str, Form(max_length=30)] = "",
    org: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    url = _members_url(org)
    with session_scope(engine) as session:
        try:
            member = members.set_role(session, member_id=member_id, role=role, actor=visit.member)
        except StorageError as exc:
            return _refused(engine, visit, url, exc)
    return _done(
        engine, visit, url, f"已将 {member.name} 的角色改为{ROLE_LABELS[member.role]}，立即生效。"
    )


@router.post("/members/{member_id}/remove", dependencies=[CsrfChecked])
def remove_member(
    engine: DbEngine,
    visit: Admin,
    member_id: int,
    org: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    url = _members_url(org)
    with session_scope(engine) as session:
        try:
            member = members.deactivate_member(session, member_id=member_id, actor=visit.member)
        except StorageError as exc:
            return _refused(engine, visit, url, exc)
    return _done(
        engine,
        visit,
        url,
        f"已停用成员 {member.name}（编号 {member.id}），立即生效：其网页登录已失效，"
        "Telegram 中也不能再操作。",
    )


@router.post("/members/{member_id}/password", dependencies=[CsrfChecked])
def reset_password(
    request: Request,
    engine: DbEngine,
    visit: Admin,
    member_id: int,
    org: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The temporary password is in this response only (as `nianbao member password-reset`
    prints it)."""
    with session_scope(engine) as session:
        try:
            member, password = issue_temporary_password(
                session, actor=visit.member, member_id=member_id
            )
        except StorageError as exc:
            return _refused(engine, visit, _members_url(org), exc)
    context = _members_context(engine, visit, int(org) if org.isdigit() else None)
    context["reset"] = {"member": member, "password": password}
    return render(request, "admin_members.html", context, visit=visit)


def _invites_context(engine: Engine, visit: Visit, org: int | None) -> dict[str, Any]:
    with session_scope(engine) as session:
        invites = members.list_invites(session, org_id=org)
        names = {o.id: o.name for o in orgs.list_orgs(session)}
        if org is not None and org not in names:
            raise NotFound(f"单位（编号 {org}）不存在")
        everyone = members.list_members(session)
        tree = _tree(session)
    return {
        **_common(engine, visit),
        "invites": invites,
        "names": names,
        "people": {m.id: m for m in everyone},
        "tree": tree,
        "org": org,
        "now": utcnow(),
        "state": members.invite_state,
        "creator": lambda actor: audit.actor_text(actor, everyone),
        "max_days": members.MAX_TTL.days,
    }


@router.get("/invites")
def invites_page(
    request: Request, engine: DbEngine, visit: Admin, org: int | None = None
) -> Response:
    return render(request, "admin_invites.html", _invites_context(engine, visit, org), visit=visit)


@router.post("/invites", dependencies=[CsrfChecked])
def create_invite(
    request: Request,
    engine: DbEngine,
    visit: Admin,
    org: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=30)] = "",
    days: Annotated[int, Form(ge=-100000, le=100000)] = 14,
) -> Response:
    """The code is in this response only; the database keeps its hash."""
    with session_scope(engine) as session:
        try:
            org_id = _org_choice(org)
            if org_id is None:
                raise StorageError("请选择邀请加入的单位")
            invite, code = members.create_invite(
                session,
                org_id=org_id,
                role=role,
                created_by=visit.member,
                ttl=timedelta(days=days),
            )
        except StorageError as exc:
            return _refused(
                engine, visit, "/admin/invites", exc, org=org, role=role, days=str(days)
            )
    context = _invites_context(engine, visit, None)
    settings = request.app.state.settings
    bot = settings.bot_username.strip().lstrip("@")
    site = (settings.web_url or str(request.base_url)).rstrip("/")
    context["created"] = {
        "invite": invite,
        "code": code,
        "link": f"https://t.me/{bot}?start={code}" if bot else None,
        "join": f"{site}/join",
    }
    return render(request, "admin_invites.html", context, visit=visit)


@router.post("/invites/{invite_id}/revoke", dependencies=[CsrfChecked])
def revoke_invite(
    engine: DbEngine,
    visit: Admin,
    invite_id: int,
    org: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    url = f"/admin/invites?org={org}" if org.isdigit() else "/admin/invites"
    with session_scope(engine) as session:
        try:
            members.revoke_invite(session, actor=visit.member, invite_id=invite_id)
        except StorageError as exc:
            return _refused(engine, visit, url, exc)
    return _done(
        engine,
        visit,
        url,
        f"已撤销邀请码（编号 {invite_id}），该邀请码在网页和 Telegram 中均不能再使用。",
    )


@router.get("/audit")
def audit_page(request: Request, engine: DbEngine, visit: Admin) -> Response:
    """The newest administrative actions first."""
    with session_scope(engine) as session:
        entries = audit.recent(session, limit=AUDIT_ROWS)
        everyone = members.list_members(session)
    context = {
        **_common(engine, visit),
        "entries": entries,
        "labels": audit.ACTION_LABELS,
        "describe": audit.describe,
        "actor": lambda actor: audit.actor_text(actor, everyone),
        "limit": AUDIT_ROWS,
    }
    return render(request, "admin_audit.html", context, visit=visit)
