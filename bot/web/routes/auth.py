"""Signing in and out, joining with an invite, the bot's one-time links, the password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bot.web.deps import CsrfChecked, DbEngine, OptionalVisit, SignedIn, client_address
from bot.web.pages import redirect, render, signed_in
from bot.web.passwords import hash_password, password_problem, verify_password
from storage import web_accounts
from storage.db import session_scope
from storage.errors import StorageError
from storage.models import ROLE_LABELS, Organisation

router = APIRouter()
LOGIN_FAILED = "登录名或密码不正确。"


@router.get("/")
def home(visit: OptionalVisit) -> Response:
    return redirect("/report" if visit is not None else "/login")


@router.get("/login")
def login_page(request: Request, visit: OptionalVisit) -> Response:
    if visit is not None:
        return redirect("/report")
    return render(request, "login.html", {}, visit=None)


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    engine: DbEngine,
    login: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    name = web_accounts.normalise_login(login)
    keys = [f"login:{name}", f"ip:{client_address(request)}"]
    with session_scope(engine) as session:
        try:
            web_accounts.check_not_locked(session, keys)
        except web_accounts.LoginLocked as exc:
            return render(
                request,
                "login.html",
                {"error": str(exc), "login": login},
                visit=None,
                status_code=429,
            )
        member = web_accounts.member_by_login(session, login=name)
        if not verify_password(member.password_hash if member else None, password):
            web_accounts.record_failure(session, keys)
            return render(
                request,
                "login.html",
                {"error": LOGIN_FAILED, "login": login},
                visit=None,
                status_code=401,
            )
        assert member is not None and member.id is not None
        token, _ = web_accounts.start_session(session, member_id=member.id)
    return signed_in(request, redirect("/report"), token)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, engine: DbEngine, visit: SignedIn) -> Response:
    with session_scope(engine) as session:
        web_accounts.end_session(session, token=visit.token)
    response = redirect("/login")
    response.delete_cookie("nianbao_session")
    return response


@router.get("/join")
def join_page(request: Request) -> Response:
    return render(request, "join.html", {}, visit=None)


@router.post("/join", dependencies=[CsrfChecked])
def join(
    request: Request,
    engine: DbEngine,
    code: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    login: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    password2: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    kept = {"code": code, "name": name, "login": login}
    problem = password_problem(password)
    if problem is None and password != password2:
        problem = "两次输入的密码不一致"
    if problem:
        return render(request, "join.html", {**kept, "error": problem}, visit=None, status_code=400)
    with session_scope(engine) as session:
        try:
            member = web_accounts.join_with_invite(
                session,
                code=code,
                login=login,
                name=name,
                password_hash=hash_password(password),
                attempt_keys=[f"invite:{client_address(request)}"],
            )
        except StorageError as exc:
            return render(
                request,
                "join.html",
                {**kept, "error": f"登记未成功：{exc}"},
                visit=None,
                status_code=400,
            )
        assert member.id is not None
        token, web_session = web_accounts.start_session(session, member_id=member.id)
        org = session.get(Organisation, member.org_id)
        role = ROLE_LABELS.get(member.role, member.role)
        web_accounts.set_flash(
            session,
            token_hash=web_session.token_hash,
            flash={"notes": [f"登记成功！您已作为“{org.name if org else ''}”的{role}加入。"]},
        )
    return signed_in(request, redirect("/report"), token)


@router.get("/link/{token}")
def link_page(request: Request, token: str) -> Response:
    """The bot's link opens a page with a button: a link preview fetching the URL must not
    use it up."""
    return render(request, "link.html", {"token": token}, visit=None)


@router.post("/link/{token}", dependencies=[CsrfChecked])
def use_link(request: Request, engine: DbEngine, token: str) -> Response:
    with session_scope(engine) as session:
        try:
            member = web_accounts.redeem_login_link(session, token=token)
        except StorageError as exc:
            return render(request, "link.html", {"error": str(exc)}, visit=None, status_code=400)
        assert member.id is not None
        session_token, web_session = web_accounts.start_session(session, member_id=member.id)
        if member.password_hash is None:
            web_accounts.set_flash(
                session,
                token_hash=web_session.token_hash,
                flash={
                    "notes": ["已通过 Telegram 登录。可在“账号”页设置登录名和密码，以后直接登录。"]
                },
            )
    return signed_in(request, redirect("/report"), session_token)


@router.get("/account")
def account_page(request: Request, visit: SignedIn) -> Response:
    return render(request, "account.html", {"member": visit.member}, visit=visit)


@router.post("/account", dependencies=[CsrfChecked])
def account(
    request: Request,
    engine: DbEngine,
    visit: SignedIn,
    login: Annotated[str, Form(max_length=100)] = "",
    current: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    password2: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    member = visit.member
    problem = password_problem(password)
    if problem is None and password != password2:
        problem = "两次输入的密码不一致"
    if (
        problem is None
        and member.password_hash
        and not verify_password(member.password_hash, current)
    ):
        problem = "当前密码不正确"
    context = {"member": member, "login": login}
    if problem:
        return render(
            request, "account.html", {**context, "error": problem}, visit=visit, status_code=400
        )
    assert member.id is not None
    with session_scope(engine) as session:
        try:
            web_accounts.set_credentials(
                session,
                member_id=member.id,
                password_hash=hash_password(password),
                login=login or None,
                actor=f"web:member:{member.id}",
            )
        except StorageError as exc:
            return render(
                request,
                "account.html",
                {**context, "error": str(exc)},
                visit=visit,
                status_code=400,
            )
        # Every session of the member ended with the change: this browser starts a new one.
        token, web_session = web_accounts.start_session(session, member_id=member.id)
        web_accounts.set_flash(
            session, token_hash=web_session.token_hash, flash={"notes": ["密码已更新。"]}
        )
    return signed_in(request, redirect("/report"), token)
