"""Administrators: members (role, remove, restore, web password reset), invites (create, revoke,
list) and the audit log.

The member and invite lists are filtered by an organisation (typed by name or number, with
or without everything below it) and paged in SQL; a page reads only the organisations and
members it names. An invite code and a temporary password are shown in the response to the
post itself and never stored, not even in the session's flash.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.web.deps import CsrfChecked, DbEngine, Visit
from bot.web.pages import render
from bot.web.passwords import issue_temporary_password
from bot.web.routes.admin import Admin, common, done, paged, refused
from storage import audit, members, org_search
from storage.clock import utcnow
from storage.db import session_scope
from storage.errors import StorageError
from storage.models import ROLE_LABELS, Member, Organisation

AUDIT_ROWS = 200

router = APIRouter(prefix="/admin")


class Filter:
    """A list's filter as the query string (or a form's hidden fields) carries it: an
    organisation as typed, with `below` its lower organisations too, and the page."""

    def __init__(self, org: str = "", below: str = "", page: str | int = 1) -> None:
        self.typed = org.strip()[:300]
        self.below = below == "1"
        self.page = int(page) if str(page).isdigit() else 1
        self.org: Organisation | None = None
        self.error = ""

    def resolve(self, session: Session) -> None:
        """The organisation typed; a name matching none or several is said on the page (the
        list then shows everyone), a number nobody has is a missing page."""
        try:
            self.org = org_search.choose_optional(session, text=self.typed)
        except StorageError as exc:
            if self.typed.isdigit():
                raise
            self.error = str(exc)

    @property
    def org_id(self) -> int | None:
        return self.org.id if self.org is not None else None

    def query(self) -> tuple[tuple[str, str], ...]:
        """The filter in a link (the organisation by number)."""
        org = str(self.org_id) if self.org_id is not None else ""
        return (("org", org), ("below", "1" if self.below and org else ""))

    def back(self, path: str) -> str:
        """The list at `path` as this filter shows it (a posted filter: the organisation by
        number), to redirect to after a change."""
        params = [f"org={self.typed}"] if self.typed else []
        if params and self.below:
            params.append("below=1")
        if self.page > 1:
            params.append(f"page={self.page}")
        return f"{path}?{'&'.join(params)}" if params else path


def posted_from(
    org: Annotated[str, Form(max_length=20)] = "",
    below: Annotated[str, Form(max_length=1)] = "",
    page: Annotated[str, Form(max_length=10)] = "",
) -> Filter:
    """The list a form was posted from, as its hidden fields carry it (numbers only)."""
    return Filter(org if org.isdigit() else "", below, page)


PostedFrom = Annotated[Filter, Depends(posted_from)]


def _members_context(engine: Engine, visit: Visit, shown: Filter) -> dict[str, Any]:
    with session_scope(engine) as session:
        shown.resolve(session)
        people, pages = paged(
            lambda at: members.page_members(
                session, org_id=shown.org_id, below=shown.below, offset=at
            ),
            shown.page,
            "/admin/members",
            *shown.query(),
        )
        names = org_search.names_of(session, org_ids=[p.org_id for p in people])
    return {
        **common(engine, visit),
        "people": people,
        "pager": pages,
        "names": names,
        "shown": shown,
        "accounts": members.accounts_text,
        "state": members.state_text,
    }


@router.get("/members")
def members_page(
    request: Request,
    engine: DbEngine,
    visit: Admin,
    org: str = "",
    below: str = "",
    page: str = "1",
) -> Response:
    context = _members_context(engine, visit, Filter(org, below, page))
    return render(request, "admin_members.html", context, visit=visit)


@router.post("/members/{member_id}/role", dependencies=[CsrfChecked])
def set_role(
    engine: DbEngine,
    visit: Admin,
    member_id: int,
    shown: PostedFrom,
    role: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    return _change_member(
        engine,
        visit,
        shown.back("/admin/members"),
        lambda session: members.set_role(
            session, member_id=member_id, role=role, actor=visit.member
        ),
        lambda member: f"已将 {member.name} 的角色改为{ROLE_LABELS[member.role]}，立即生效。",
    )


def _change_member(
    engine: Engine,
    visit: Visit,
    url: str,
    change: Callable[[Session], Member],
    said: Callable[[Member], str],
) -> Response:
    """A member changed by a storage service, then back to the list saying what was done
    (or why it was refused)."""
    with session_scope(engine) as session:
        try:
            member = change(session)
        except StorageError as exc:
            return refused(engine, visit, url, exc)
    return done(engine, visit, url, said(member))


@router.post("/members/{member_id}/remove", dependencies=[CsrfChecked])
def remove_member(
    engine: DbEngine,
    visit: Admin,
    member_id: int,
    shown: PostedFrom,
) -> Response:
    return _change_member(
        engine,
        visit,
        shown.back("/admin/members"),
        lambda session: members.deactivate_member(session, member_id=member_id, actor=visit.member),
        lambda member: (
            f"已停用成员 {member.name}（编号 {member.id}），立即生效："
            "其网页登录已失效，Telegram 中也不能再操作。"
        ),
    )


@router.post("/members/{member_id}/restore", dependencies=[CsrfChecked])
def restore_member(
    engine: DbEngine,
    visit: Admin,
    member_id: int,
    shown: PostedFrom,
) -> Response:
    return _change_member(
        engine,
        visit,
        shown.back("/admin/members"),
        lambda session: members.reactivate_member(session, member_id=member_id, actor=visit.member),
        lambda member: (
            f"已恢复成员 {member.name}（编号 {member.id}），立即生效："
            "单位、角色和登录方式不变，可重新登录网页，Telegram 中可直接使用。"
        ),
    )


@router.post("/members/{member_id}/password", dependencies=[CsrfChecked])
def reset_password(
    request: Request,
    engine: DbEngine,
    visit: Admin,
    member_id: int,
    shown: PostedFrom,
) -> Response:
    """The temporary password is in this response only (as `nianbao member password-reset`
    prints it)."""
    with session_scope(engine) as session:
        try:
            member, password = issue_temporary_password(
                session, actor=visit.member, member_id=member_id
            )
        except StorageError as exc:
            return refused(engine, visit, shown.back("/admin/members"), exc)
    context = _members_context(engine, visit, shown)
    context["reset"] = {"member": member, "password": password}
    return render(request, "admin_members.html", context, visit=visit)


def _invites_context(engine: Engine, visit: Visit, shown: Filter) -> dict[str, Any]:
    with session_scope(engine) as session:
        shown.resolve(session)
        invites, pages = paged(
            lambda at: members.page_invites(
                session, org_id=shown.org_id, below=shown.below, offset=at
            ),
            shown.page,
            "/admin/invites",
            *shown.query(),
        )
        names = org_search.names_of(session, org_ids=[i.org_id for i in invites])
        named = members.members_by_ids(session, member_ids=[i.used_by_member_id for i in invites])
        creators = audit.people_named(session, {i.created_by for i in invites})
    return {
        **common(engine, visit),
        "invites": invites,
        "pager": pages,
        "names": names,
        "people": named,
        "shown": shown,
        "now": utcnow(),
        "state": members.invite_state,
        "creator": lambda actor: audit.actor_text(actor, creators),
        "max_days": members.MAX_TTL.days,
    }


@router.get("/invites")
def invites_page(
    request: Request,
    engine: DbEngine,
    visit: Admin,
    org: str = "",
    below: str = "",
    page: str = "1",
) -> Response:
    context = _invites_context(engine, visit, Filter(org, below, page))
    return render(request, "admin_invites.html", context, visit=visit)


@router.post("/invites", dependencies=[CsrfChecked])
def create_invite(
    request: Request,
    engine: DbEngine,
    visit: Admin,
    org: Annotated[str, Form(max_length=300)] = "",
    role: Annotated[str, Form(max_length=30)] = "",
    days: Annotated[int, Form(ge=-100000, le=100000)] = 14,
) -> Response:
    """The code is in this response only; the database keeps its hash."""
    with session_scope(engine) as session:
        try:
            chosen = org_search.choose(session, text=org, what="邀请加入的单位")
            invite, code = members.create_invite(
                session,
                org_id=chosen.id,
                role=role,
                created_by=visit.member,
                ttl=timedelta(days=days),
            )
            org_name = chosen.name
        except StorageError as exc:
            return refused(engine, visit, "/admin/invites", exc, org=org, role=role, days=str(days))
    context = _invites_context(engine, visit, Filter())
    settings = request.app.state.settings
    bot = settings.bot_username.strip().lstrip("@")
    site = (settings.web_url or str(request.base_url)).rstrip("/")
    context["created"] = {
        "invite": invite,
        "org_name": org_name,
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
    shown: PostedFrom,
) -> Response:
    url = shown.back("/admin/invites")
    with session_scope(engine) as session:
        try:
            members.revoke_invite(session, actor=visit.member, invite_id=invite_id)
        except StorageError as exc:
            return refused(engine, visit, url, exc)
    return done(
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
        named = audit.people_named(session, {e.actor for e in entries})
    context = {
        **common(engine, visit),
        "entries": entries,
        "labels": audit.ACTION_LABELS,
        "describe": audit.describe,
        "actor": lambda actor: audit.actor_text(actor, named),
        "limit": AUDIT_ROWS,
    }
    return render(request, "admin_audit.html", context, visit=visit)
