"""Administrators: the organisation tree (browse a level at a time, search, add, rename,
move, type, deadline). Members, invites and the audit log are in `admin_people`.

Every change goes through the storage service the command line uses, with the signed-in
member as actor (`access.check_admin` there, audit-logged there); a route reads the form,
calls one service and redirects. A city's tree is some 10,000 organisations, so no page reads
it whole: a level, a search or a page of a list, counted and paged in SQL
(`storage.org_search`). An organisation is chosen by typing its name or number, with a
datalist of likely ones (filled as one types when the page's script runs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException

from bot.core.calendar import report_year_for
from bot.web.deps import CsrfChecked, DbEngine, Desk, SignedIn, Visit
from bot.web.flash import set_flash, take_flash
from bot.web.overview_table import local_time
from bot.web.pages import redirect, render
from bot.web.paging import Pager, offset_of, pager
from storage import deadlines, members, org_admin, org_search, orgs
from storage.db import session_scope
from storage.errors import NotFound, PermissionDenied, StorageError
from storage.models import ORG_TYPE_LABELS, ROLE_LABELS, Organisation

ADMIN_ONLY = "管理页面仅供管理员使用，您的账号无权访问。"
LOOKUP_ROWS = 20

Row = TypeVar("Row")


def require_admin(visit: SignedIn) -> Visit:
    """Administration pages: everyone else gets 403 (a Chinese page). Storage checks the
    member again on every change (`access.check_admin`)."""
    if visit.member.role != "admin":
        raise HTTPException(403, detail=ADMIN_ONLY)
    return visit


Admin = Annotated[Visit, Depends(require_admin)]
router = APIRouter(prefix="/admin")


def done(engine: Engine, visit: Visit, url: str, note: str) -> Response:
    set_flash(engine, visit, {"notes": [note]})
    return redirect(url)


def refused(engine: Engine, visit: Visit, url: str, exc: StorageError, **kept: str) -> Response:
    """A change storage refused: the page says why and keeps what was typed. Another
    organisation's or member's id that does not exist answers 404 like any missing page."""
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    set_flash(engine, visit, {"error": str(exc), "kept": kept})
    return redirect(url)


def common(engine: Engine, visit: Visit) -> dict[str, Any]:
    return {
        "flash": take_flash(engine, visit),
        "org_types": ORG_TYPE_LABELS,
        "roles": ROLE_LABELS,
        "local_time": local_time,
    }


def paged(
    fetch: Callable[[int], tuple[Sequence[Row], int]],
    number: int,
    path: str,
    *query: tuple[str, str],
) -> tuple[Sequence[Row], Pager]:
    """A page of rows from `fetch(offset)`; a page number past the end shows the last page."""
    rows, total = fetch(offset_of(number))
    shown = pager(number, total, path, *query)
    if shown.number != number:
        rows, total = fetch(offset_of(shown.number))
    return rows, shown


@router.get("")
def orgs_page(
    request: Request,
    engine: DbEngine,
    desk: Desk,
    visit: Admin,
    org: int | None = None,
    q: str = "",
    page: int = 1,
) -> Response:
    """One level of the tree (the top, or `org` and the organisations directly below it, with
    the way up to the top), or the organisations whose name contains `q`."""
    year = report_year_for(desk.today())
    q = q.strip()[:100]
    with session_scope(engine) as session:
        here = orgs.get_org(session, org_id=org) if org is not None else None
        chain = list(reversed(orgs.ancestors(session, org=here))) if here else []
        if q:
            rows, shown = paged(
                lambda at: org_search.search(session, text=q, offset=at),
                page,
                "/admin",
                ("q", q),
            )
        else:
            rows, shown = paged(
                lambda at: org_search.children(session, parent_id=org, offset=at),
                page,
                "/admin",
                ("org", str(org) if org is not None else ""),
            )
        ids = [o.id for o in (*chain, *rows) if o.id is not None]
        # A search's results come from anywhere in the tree: their deadlines need their own
        # chains, which a level's rows share with `chain`.
        known = {o.id: o for o in (*chain, *rows)}
        for found in rows if q else []:
            for up in orgs.ancestors(session, org=found)[1:]:
                known.setdefault(up.id, up)
        context = {
            **common(engine, visit),
            "level": here,
            "chain": chain,
            "rows": rows,
            "pager": shown,
            "q": q,
            "year": year,
            "due": deadlines.deadlines_for(session, orgs=list(known.values()), year=year),
            "own": deadlines.org_overrides(session, year=year),
            "counts": org_search.active_member_counts(session, org_ids=ids),
            "below": org_search.child_counts(session, org_ids=ids),
            "parents": org_search.names_of(session, org_ids=[o.parent_id for o in rows]),
            "choices": [*chain, *rows][:LOOKUP_ROWS],
        }
    return render(request, "admin_orgs.html", context, visit=visit)


@router.get("/orgs/lookup")
def lookup(engine: DbEngine, visit: Admin, q: str = "") -> JSONResponse:
    """The organisations whose name contains what is typed (or with that number), for a
    chooser's datalist as one types."""
    text = q.strip()[:100]
    found: list[Organisation] = []
    with session_scope(engine) as session:
        if text.isdigit():
            by_id = session.get(Organisation, int(text))
            found = [by_id] if by_id is not None else []
        if text:
            found += [
                o
                for o in org_search.search(session, text=text, limit=LOOKUP_ROWS)[0]
                if o not in found
            ]
        parents = org_search.names_of(session, org_ids=[o.parent_id for o in found])
    return JSONResponse(
        [
            {
                "id": o.id,
                "name": o.name,
                "label": f"编号 {o.id}"
                + (f" · {parents[o.parent_id]}之下" if o.parent_id in parents else " · 最上级"),
            }
            for o in found[:LOOKUP_ROWS]
        ]
    )


@router.post("/orgs", dependencies=[CsrfChecked])
def add_org(
    engine: DbEngine,
    visit: Admin,
    name: Annotated[str, Form(max_length=300)] = "",
    org_type: Annotated[str, Form(max_length=30)] = "",
    parent: Annotated[str, Form(max_length=300)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """`back`: the level the form was on, where a refusal returns."""
    level = f"/admin?org={back}" if back.isdigit() else "/admin"
    with session_scope(engine) as session:
        try:
            above = org_search.choose_optional(session, text=parent, what="上级单位")
            org = org_admin.add_org(
                session,
                actor=visit.member,
                name=name,
                org_type=org_type,
                parent_id=above.id if above else None,
            )
        except StorageError as exc:
            return refused(
                engine, visit, f"{level}#add", exc, name=name, org_type=org_type, parent=parent
            )
    note = f"已添加单位：{org.name}（编号 {org.id}）。"
    where = f"/admin?org={org.parent_id}" if org.parent_id is not None else "/admin"
    return done(engine, visit, f"{where}#org-{org.id}", note)


@router.get("/orgs/{org_id}")
def org_page(request: Request, engine: DbEngine, desk: Desk, visit: Admin, org_id: int) -> Response:
    year = report_year_for(desk.today())
    with session_scope(engine) as session:
        org = orgs.get_org(session, org_id=org_id)
        chain = orgs.ancestors(session, org=org)[1:]
        siblings, _ = org_search.children(session, parent_id=org.parent_id, limit=LOOKUP_ROWS)
        context = {
            **common(engine, visit),
            "org": org,
            "chain": chain,
            "choices": [*reversed(chain), *(o for o in siblings if o.id != org_id)],
            "parent_name": chain[0].name if chain else "",
            "below": org_search.child_counts(session, org_ids=[org_id]).get(org_id, 0),
            "year": year,
            "due": deadlines.deadline_for(session, org=org, year=year),
            "own_due": deadlines.org_overrides(session, year=year).get(org_id),
            "legal_due": deadlines.legal_deadline(org.org_type, year),
            "people": members.page_members(session, org_id=org_id, limit=0)[1],
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
            return refused(engine, visit, url, exc, name=name)
    return done(engine, visit, url, f"单位名称已改为「{org.name}」。")


@router.post("/orgs/{org_id}/parent", dependencies=[CsrfChecked])
def move_org(
    engine: DbEngine, visit: Admin, org_id: int, parent: Annotated[str, Form(max_length=300)] = ""
) -> Response:
    url = f"/admin/orgs/{org_id}"
    with session_scope(engine) as session:
        try:
            orgs.get_org(session, org_id=org_id)
            above = org_search.choose_optional(session, text=parent, what="上级单位")
            org = org_admin.move_org(
                session, actor=visit.member, org_id=org_id, parent_id=above.id if above else None
            )
            where = f"「{above.name}」之下" if above is not None else "顶层（无上级单位）"
        except StorageError as exc:
            return refused(engine, visit, url, exc, parent=parent)
    return done(engine, visit, url, f"已将「{org.name}」连同其下级单位移到{where}。")


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
            return refused(engine, visit, url, exc)
    return done(engine, visit, url, f"单位类型已改为{ORG_TYPE_LABELS[org.org_type]}。")


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
            return refused(engine, visit, url, exc, due=due)
    return done(engine, visit, url, note)
