"""Web sign-in: members who join with an invite on the web, their sessions, failed attempts
and the one-time links the bot sends to members already in Telegram.

Secrets (session tokens, link tokens) are returned once and stored only as SHA-256 hashes;
passwords arrive already hashed (argon2, `bot.web.passwords`): storage never sees them.
Failed attempts are rows keyed by what they guess against ("login:<name>", "ip:<address>",
"invite:<address>"), so every web process enforces the same limit.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from storage import access, audit, clock
from storage.db import write_transaction
from storage.errors import InviteError, NotFound, StorageError
from storage.members import check_usable, claim, hash_code
from storage.models import Invite, LoginAttempt, LoginLink, Member, WebSession

SESSION_TTL = timedelta(hours=12)
LINK_TTL = timedelta(minutes=15)
ATTEMPT_WINDOW = timedelta(minutes=15)
# Failures within the window before a key is locked: a name (or an invite from one address)
# is guessed slowly; an address may hold many colleagues behind one proxy.
MAX_FAILURES = {"login": 5, "invite": 5, "ip": 30}
LOGIN_PATTERN = re.compile(r"^[\w.@-]{2,40}$")


class LoginLocked(StorageError):
    """Too many failed attempts; the message says how long to wait."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_login(login: str) -> str:
    return login.strip().lower()


def check_login_name(login: str) -> str:
    name = normalise_login(login)
    if not LOGIN_PATTERN.match(name):
        raise StorageError("登录名应为 2–40 个字符，可用汉字、字母、数字及 . _ @ -，不能含空格")
    return name


def locked_minutes(session: Session, keys: list[str]) -> int:
    """Minutes until every key may be tried again; 0 if none is locked."""
    now = clock.utcnow()
    longest = 0
    for key in keys:
        limit = MAX_FAILURES[key.split(":", 1)[0]]
        recent = session.exec(
            select(LoginAttempt.attempted_at)
            .where(LoginAttempt.key == key, LoginAttempt.attempted_at > now - ATTEMPT_WINDOW)
            .order_by(LoginAttempt.attempted_at.desc())  # type: ignore[attr-defined]
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            unlock_at = recent[-1] + ATTEMPT_WINDOW
            longest = max(longest, math.ceil((unlock_at - now).total_seconds() / 60), 1)
    return longest


def check_not_locked(session: Session, keys: list[str]) -> None:
    minutes = locked_minutes(session, keys)
    if minutes:
        raise LoginLocked(f"尝试次数过多，请 {minutes} 分钟后再试")


def record_failure(session: Session, keys: list[str]) -> None:
    """Count a failed attempt against every key. Commits."""
    with write_transaction(session):
        now = clock.utcnow()
        for key in keys:
            session.add(LoginAttempt(key=key, attempted_at=now))


def member_by_login(session: Session, *, login: str) -> Member | None:
    """The active member signing in with `login`, or None."""
    return session.exec(
        select(Member)
        .where(Member.login == normalise_login(login), Member.active)
        .execution_options(populate_existing=True)
    ).first()


def join_with_invite(
    session: Session,
    *,
    code: str,
    login: str,
    name: str,
    password_hash: str,
    attempt_keys: list[str],
) -> Member:
    """A new web member from an invite code (the bot's codes). Commits; a wrong code counts
    against `attempt_keys`."""
    login = check_login_name(login)
    display_name = name.strip()
    if not display_name or len(display_name) > 100:
        raise StorageError("请填写姓名（不超过 100 字）")
    check_not_locked(session, attempt_keys)
    invite = session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
    now = clock.utcnow()
    if invite is None:
        record_failure(session, attempt_keys)
        raise InviteError("邀请码无效，请核对后重新输入（不区分大小写）")
    check_usable(invite, now)
    with write_transaction(session):
        if session.exec(select(Member.id).where(Member.login == login)).first() is not None:
            raise StorageError(f"登录名「{login}」已被使用，请换一个")
        member = Member(
            name=display_name,
            role=invite.role,
            org_id=invite.org_id,
            login=login,
            password_hash=password_hash,
        )
        session.add(member)
        session.flush()
        claim(session, invite=invite, member=member, now=now)
        audit.record(
            session,
            actor=f"web:{login}",
            action="member.join_web",
            detail={"member_id": member.id, "invite_id": invite.id},
        )
    return member


def set_credentials(
    session: Session, *, member_id: int, password_hash: str, login: str | None = None, actor: str
) -> Member:
    """Set a member's password (and login name, if given); ends their other sessions. Commits."""
    with write_transaction(session):
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound(f"成员（编号 {member_id}）不存在，请用 nianbao member list 查看成员编号")
        if login is not None:
            name = check_login_name(login)
            taken = session.exec(
                select(Member.id).where(Member.login == name, Member.id != member_id)
            ).first()
            if taken is not None:
                raise StorageError(f"登录名「{name}」已被使用，请换一个")
            member.login = name
        if member.login is None:
            raise StorageError("请先设置登录名")
        member.password_hash = password_hash
        session.add(member)
        session.execute(sa.delete(WebSession).where(WebSession.member_id == member_id))  # type: ignore[arg-type]
        audit.record(
            session, actor=actor, action="member.set_password", detail={"member_id": member_id}
        )
    return member


def reset_password(
    session: Session, *, actor: Member | str, member_id: int, password_hash: str
) -> Member:
    """An administrator gives a member a temporary password (`bot.web.passwords`); every web
    session of the member ends. Commits."""
    with write_transaction(session):
        by = access.check_admin(session, actor)
        member = session.get(Member, member_id)
        if member is not None and member.login is None:
            raise StorageError(
                f"{member.name}尚未设置网页登录名（只用 Telegram），无法重置网页密码；"
                "请其在 Telegram 中向机器人发送 /web 获取登录链接"
            )
        return set_credentials(session, member_id=member_id, password_hash=password_hash, actor=by)


def start_session(session: Session, *, member_id: int) -> tuple[str, WebSession]:
    """A new session for the member (a new token and CSRF token: rotated at every sign-in).
    Returns the cookie's token, which is stored only as a hash. Commits."""
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    row = WebSession(
        token_hash=hash_token(token),
        member_id=member_id,
        csrf_token=secrets.token_urlsafe(32),
        flash={},
        expires_at=now + SESSION_TTL,
        created_at=now,
    )
    with write_transaction(session):
        # Expired sessions of this member go as a new one starts: the table stays small.
        session.execute(
            sa.delete(WebSession).where(
                WebSession.member_id == member_id,  # type: ignore[arg-type]
                WebSession.expires_at <= now,  # type: ignore[arg-type]
            )
        )
        session.add(row)
    return token, row


_SESSION = (
    select(WebSession, Member)
    .join(Member, Member.id == WebSession.member_id)  # type: ignore[arg-type]
    .where(WebSession.token_hash == sa.bindparam("token_hash"))
    .execution_options(populate_existing=True)
)


def find_session(session: Session, *, token: str) -> tuple[WebSession, Member] | None:
    """The live session behind a cookie and its (active) member, read in one statement."""
    row = session.exec(_SESSION, params={"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    web_session, member = row
    if web_session.expires_at <= clock.utcnow() or not member.active:
        return None
    access.note_current(session, member)
    return web_session, member


def end_session(session: Session, *, token: str) -> None:
    with write_transaction(session):
        session.execute(sa.delete(WebSession).where(WebSession.token_hash == hash_token(token)))  # type: ignore[arg-type]


def set_flash(session: Session, *, token_hash: str, flash: dict[str, Any]) -> None:
    """What the page after a redirect shows once. Commits."""
    with write_transaction(session):
        session.execute(
            sa.update(WebSession)
            .where(WebSession.token_hash == token_hash)  # type: ignore[arg-type]
            .values(flash=flash)
        )


def take_flash(session: Session, web_session: WebSession) -> dict[str, Any]:
    """The flash of `web_session`, cleared (only when there is one: most pages write nothing)."""
    if not web_session.flash:
        return {}
    flash = dict(web_session.flash)
    set_flash(session, token_hash=web_session.token_hash, flash={})
    return flash


def create_login_link(session: Session, *, member_id: int) -> str:
    """A one-time sign-in token for a member, valid for `LINK_TTL`. Commits."""
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    with write_transaction(session):
        session.add(
            LoginLink(
                token_hash=hash_token(token),
                member_id=member_id,
                expires_at=now + LINK_TTL,
                created_at=now,
            )
        )
    return token


def redeem_login_link(session: Session, *, token: str) -> Member:
    """The member a link signs in; the link is used up. Commits."""
    now = clock.utcnow()
    with write_transaction(session):
        link = session.get(LoginLink, hash_token(token))
        expired = link is None or link.expires_at <= now
        if link is None or expired or link.used_at is not None:
            raise StorageError(
                "登录链接无效、已使用或已过期（有效期 15 分钟，只能使用一次）。"
                "请在 Telegram 中向机器人发送 /web 重新获取。"
            )
        claimed = session.execute(
            sa.update(LoginLink)
            .where(LoginLink.token_hash == link.token_hash, LoginLink.used_at.is_(None))  # type: ignore[arg-type,union-attr]
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            raise StorageError("登录链接已使用，请在 Telegram 中向机器人发送 /web 重新获取。")
        member = session.get(Member, link.member_id)
        if member is None or not member.active:
            raise StorageError("您的账号已停用，如需继续填报请联系管理员")
    return member
