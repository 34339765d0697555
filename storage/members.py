"""Members and how they join: single-use invite codes, stored only as hashes.

A code is 12 characters from a 31-letter alphabet without look-alikes (no 0/o, 1/l/i): about
59 bits, short enough to type, valid as a Telegram deep-link start parameter. Wrong guesses
are counted per Telegram user; after `MAX_FAILURES` within `LOCK_WINDOW` that user is refused
until the window has passed, so guessing a live code is hopeless.

Redeeming an invite when the Telegram user is already a member (active or not) moves that
member to the invite's organisation and role: an invite is the administrator's decision, and
one Telegram account is one member.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func, select

from storage import access, audit, clock, reports
from storage.db import is_writing, write_transaction
from storage.errors import InviteError, NotFound, StorageError
from storage.models import (
    ROLE_LABELS,
    ChatPosition,
    Invite,
    InviteAttempt,
    Member,
    Report,
    WebSession,
    check_code,
)
from storage.orgs import get_org, subtree_query

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 12
MAX_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)
MAX_TTL = timedelta(days=365)
ALREADY_USED = "该邀请码已被使用，每个邀请码只能使用一次；如需加入请联系管理员"


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    """What people retype: spaces, hyphens and capitals do not matter."""
    return "".join(ch for ch in code.lower() if ch not in " -\t\n")


def create_invite(
    session: Session,
    *,
    org_id: int,
    role: str,
    created_by: Member | str,
    ttl: timedelta = timedelta(days=14),
) -> tuple[Invite, str]:
    """A new invite and its code; the code is returned once and never stored. `created_by`:
    an admin member, or the command line (`access.check_admin`). Commits."""
    check_code(role, ROLE_LABELS, "角色")
    if not timedelta(0) < ttl <= MAX_TTL:
        raise StorageError(f"邀请码有效期应大于零且不超过 {MAX_TTL.days} 天，请重新填写天数")
    with write_transaction(session):
        by = access.check_admin(session, created_by)
        get_org(session, org_id=org_id)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = clock.utcnow()
        invite = Invite(
            code_hash=hash_code(code),
            org_id=org_id,
            role=role,
            expires_at=now + ttl,
            created_by=by,
            created_at=now,
        )
        session.add(invite)
        session.flush()
        audit.record(
            session,
            actor=by,
            action="invite.create",
            detail={"invite_id": invite.id, "org_id": org_id, "role": role},
        )
    return invite, code


def revoke_invite(session: Session, *, actor: Member | str, invite_id: int) -> Invite:
    """Withdraw an unused invite: its code no longer joins, in the chat or on the web.
    Commits."""
    with write_transaction(session):
        by = access.check_admin(session, actor)
        invite = session.get(Invite, invite_id)
        if invite is None:
            raise NotFound(f"邀请码（编号 {invite_id}）不存在")
        if invite.used_at is not None:
            raise StorageError(
                f"邀请码（编号 {invite_id}）已被使用，不能撤销；如需停用该成员，请在成员列表中停用"
            )
        if invite.revoked_at is not None:
            raise StorageError(f"邀请码（编号 {invite_id}）已撤销")
        invite.revoked_at = clock.utcnow()
        session.add(invite)
        audit.record(
            session,
            actor=by,
            action="invite.revoke",
            detail={"invite_id": invite_id, "org_id": invite.org_id, "role": invite.role},
        )
    return invite


def invite_state(invite: Invite, now: datetime) -> str:
    """未使用, 已使用, 已过期 or 已撤销 (what the lists show)."""
    if invite.used_at is not None:
        return "已使用"
    if invite.revoked_at is not None:
        return "已撤销"
    if invite.expires_at <= now:
        return "已过期"
    return "未使用"


def list_invites(session: Session, *, org_id: int | None = None) -> list[Invite]:
    """Every invite (used, expired and revoked too), the newest first."""
    query = select(Invite).order_by(Invite.id.desc())  # type: ignore[union-attr]
    if org_id is not None:
        query = query.where(Invite.org_id == org_id)
    return list(session.exec(query).all())


def page_invites(
    session: Session,
    *,
    org_id: int | None = None,
    below: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Invite], int]:
    """One page of `list_invites` (of `org_id`, with `below` of everything under it too),
    and how many there are in all."""
    where = _of_org(Invite.org_id, org_id, below)
    total = session.exec(select(func.count()).select_from(Invite).where(*where)).one()
    query = select(Invite).where(*where).order_by(Invite.id.desc())  # type: ignore[union-attr]
    return list(session.exec(query.offset(offset).limit(limit)).all()), total


def _of_org(column: Any, org_id: int | None, below: bool) -> list[Any]:
    """A filter on an organisation column: none, the one organisation, or its subtree."""
    if org_id is None:
        return []
    if below:
        return [column.in_(subtree_query(org_id))]
    return [column == org_id]


def _locked_minutes(session: Session, telegram_user_id: int) -> int:
    """Minutes until this user may try again; 0 if not locked."""
    now = clock.utcnow()
    recent = session.exec(
        select(InviteAttempt.attempted_at)
        .where(InviteAttempt.telegram_user_id == telegram_user_id)
        .where(InviteAttempt.attempted_at > now - LOCK_WINDOW)
        .order_by(InviteAttempt.attempted_at.desc())  # type: ignore[union-attr]
        .limit(MAX_FAILURES)
    ).all()
    if len(recent) < MAX_FAILURES:
        return 0
    unlock_at = recent[-1] + LOCK_WINDOW
    return max(1, math.ceil((unlock_at - now).total_seconds() / 60))


def redeem_invite(
    session: Session,
    *,
    code: str,
    telegram_user_id: int,
    name: str,
    chat_id: int | None = None,
) -> Member:
    """The member this invite makes of the Telegram user. Commits (a wrong guess too)."""
    with write_transaction(session):
        minutes = _locked_minutes(session, telegram_user_id)
        if minutes:
            raise InviteError(f"邀请码尝试次数过多，请 {minutes} 分钟后再试")
        invite = session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
        now = clock.utcnow()
        if invite is None:
            session.add(InviteAttempt(telegram_user_id=telegram_user_id, attempted_at=now))
            session.commit()  # the wrong guess counts even though the call fails
            raise InviteError("邀请码无效，请核对后重新输入（不区分大小写）")
        check_usable(invite, now)
        member = session.exec(
            select(Member).where(Member.telegram_user_id == telegram_user_id)
        ).first()
        display_name = name.strip() or f"用户{telegram_user_id}"
        if member is None:
            member = Member(
                telegram_user_id=telegram_user_id,
                name=display_name,
                role=invite.role,
                org_id=invite.org_id,
                chat_id=chat_id,
            )
        else:
            member.name = display_name
            member.role = invite.role
            member.org_id = invite.org_id
            member.active = True
            member.blocked_at = None
            member.chat_id = chat_id if chat_id is not None else member.chat_id
        session.add(member)
        session.flush()
        claim(session, invite=invite, member=member, now=now)
    return member


def check_usable(invite: Invite, now: datetime) -> None:
    """Refuse an invite already used, revoked or expired (the bot's and the web's
    messages)."""
    if invite.used_at is not None:
        raise InviteError(ALREADY_USED)
    if invite.revoked_at is not None:
        raise InviteError("该邀请码已被管理员撤销，不能再使用；如需加入请联系管理员重新生成")
    if invite.expires_at <= now:
        raise InviteError("该邀请码已过期，请联系管理员重新生成")


def claim(session: Session, *, invite: Invite, member: Member, now: datetime) -> None:
    """Mark the invite used by `member`, inside the caller's write transaction. The
    conditional update is what makes a code single-use under concurrent redemptions (and
    a revocation meanwhile win)."""
    claimed = session.execute(
        sa.update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.used_at.is_(None),  # type: ignore[union-attr]
            Invite.revoked_at.is_(None),  # type: ignore[union-attr]
        )
        .values(used_at=now, used_by_member_id=member.id)
    )
    if claimed.rowcount != 1:
        raise InviteError(ALREADY_USED)


# Built once: every incoming message looks its sender up.
_MEMBER_BY_TELEGRAM_ID = (
    select(Member)
    .where(Member.telegram_user_id == sa.bindparam("telegram_user_id"), Member.active)
    .execution_options(populate_existing=True)
)


def get_member(session: Session, *, telegram_user_id: int) -> Member | None:
    """The active member behind a Telegram user, or None."""
    member = session.exec(
        _MEMBER_BY_TELEGRAM_ID, params={"telegram_user_id": telegram_user_id}
    ).first()
    if member is not None:
        access.note_current(session, member)
    return member


# Built once: a text message needs its sender and where they are in the chat, in one read.
_MEMBER_AND_POSITION = (
    select(Member, ChatPosition)
    .outerjoin(ChatPosition, ChatPosition.member_id == Member.id)  # type: ignore[arg-type]
    .where(Member.telegram_user_id == sa.bindparam("telegram_user_id"), Member.active)
    .execution_options(populate_existing=True)
)
# In a write transaction (an answer): the report the member's position is on, locked, and
# last year's report with it, in the same statement. Inner joins: PostgreSQL locks no row on
# the nullable side of an outer join; a member without such a report takes the read above.
_MEMBER_POSITION_AND_REPORT = (
    select(Member, ChatPosition, Report, reports.PREVIOUS)
    .join(ChatPosition, ChatPosition.member_id == Member.id)  # type: ignore[arg-type]
    .join(Report, Report.id == ChatPosition.report_id)  # type: ignore[arg-type]
    .outerjoin(reports.PREVIOUS, reports.PREVIOUS_YEAR)
    .where(Member.telegram_user_id == sa.bindparam("telegram_user_id"), Member.active)
    .with_for_update(of=Report)  # type: ignore[arg-type]
    .execution_options(populate_existing=True)
)


def get_member_and_position(
    session: Session, *, telegram_user_id: int
) -> tuple[Member, ChatPosition | None] | None:
    """`get_member` and the member's saved chat position in one statement; None: no member.

    Inside a write transaction the statement also locks and reads the report the position is
    on (`reports.remember_locked`): every answer needs all three, and each statement the ORM
    runs costs about as much as the walkthrough's table.
    """
    params = {"telegram_user_id": telegram_user_id}
    if is_writing(session):
        row = session.exec(_MEMBER_POSITION_AND_REPORT, params=params).first()
        if row is not None:
            member, position, report, previous = row
            reports.remember_locked(session, report, previous)
            access.note_current(session, member)
            return member, position
    found = session.exec(_MEMBER_AND_POSITION, params=params).first()
    if found is None:
        return None
    member, position = found
    access.note_current(session, member)
    return member, position


def list_members(session: Session, *, org_id: int | None = None) -> list[Member]:
    """Every member (active or not), by organisation."""
    query = select(Member).order_by(Member.org_id, Member.id)  # type: ignore[arg-type]
    if org_id is not None:
        query = query.where(Member.org_id == org_id)
    return list(session.exec(query).all())


def page_members(
    session: Session,
    *,
    org_id: int | None = None,
    below: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Member], int]:
    """One page of `list_members` (of `org_id`, with `below` of everything under it too),
    and how many there are in all."""
    where = _of_org(Member.org_id, org_id, below)
    total = session.exec(select(func.count()).select_from(Member).where(*where)).one()
    query = select(Member).where(*where).order_by(Member.org_id, Member.id)  # type: ignore[arg-type]
    return list(session.exec(query.offset(offset).limit(limit)).all()), total


def members_by_ids(session: Session, *, member_ids: Iterable[int | None]) -> dict[int, Member]:
    """The members a page mentions, by id."""
    ids = {i for i in member_ids if i is not None}
    if not ids:
        return {}
    rows = session.exec(select(Member).where(Member.id.in_(ids))).all()  # type: ignore[union-attr]
    return {m.id: m for m in rows if m.id is not None}


def accounts_text(member: Member) -> str:
    """How the member signs in: Telegram, the web, or both."""
    ways = []
    if member.telegram_user_id is not None:
        ways.append(f"Telegram {member.telegram_user_id}")
    if member.login is not None:
        ways.append(f"网页登录名 {member.login}")
    return "，".join(ways) or "未绑定"


def state_text(member: Member) -> str:
    if not member.active:
        return "已停用"
    return "已屏蔽机器人" if member.blocked_at is not None else "在用"


def _member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"成员（编号 {member_id}）不存在，请用 nianbao member list 查看成员编号")
    return member


def _not_oneself(actor: Member | str, member_id: int, what: str) -> None:
    """An admin does not lock themselves out: another admin (or the command line) must."""
    if isinstance(actor, Member) and actor.id == member_id:
        raise StorageError(f"不能{what}，请由其他管理员操作")


def deactivate_member(session: Session, *, member_id: int, actor: Member | str) -> Member:
    """Switch a member off: storage refuses their next action and their web sessions end
    (a later invite that reactivates them does not bring those back). Commits."""
    _not_oneself(actor, member_id, "停用自己的账号")
    with write_transaction(session):
        by = access.check_admin(session, actor)
        member = _member(session, member_id)
        member.active = False
        session.add(member)
        session.execute(sa.delete(WebSession).where(WebSession.member_id == member_id))  # type: ignore[arg-type]
        audit.record(
            session,
            actor=by,
            action="member.deactivate",
            detail={"member_id": member_id, "telegram_user_id": member.telegram_user_id},
        )
    return member


def reactivate_member(session: Session, *, member_id: int, actor: Member | str) -> Member:
    """Switch a deactivated member back on, as they were (organisation, role, Telegram
    account, web login and password): a deactivation made by mistake is undone without a new
    invite. The web sessions the deactivation ended stay ended. Commits."""
    with write_transaction(session):
        by = access.check_admin(session, actor)
        member = _member(session, member_id)
        if member.active:
            raise StorageError(f"成员 {member.name}（编号 {member_id}）未被停用，无需恢复")
        member.active = True
        session.add(member)
        audit.record(
            session,
            actor=by,
            action="member.reactivate",
            detail={"member_id": member_id, "telegram_user_id": member.telegram_user_id},
        )
    return member


def set_role(session: Session, *, member_id: int, role: str, actor: Member | str) -> Member:
    """Change a member's role (e.g. a supervisor who also reports: supervisor_staff); it takes
    effect on their next action. Commits."""
    check_code(role, ROLE_LABELS, "角色")
    _not_oneself(actor, member_id, "更改自己的角色")
    with write_transaction(session):
        by = access.check_admin(session, actor)
        member = _member(session, member_id)
        before = member.role
        member.role = role
        session.add(member)
        audit.record(
            session,
            actor=by,
            action="member.set_role",
            detail={"member_id": member_id, "from": before, "to": role},
        )
    return member


def mark_blocked(session: Session, *, member_id: int, blocked: bool) -> Member:
    """Record that the member blocked the bot (or unblocked it). Commits."""
    with write_transaction(session):
        member = _member(session, member_id)
        member.blocked_at = clock.utcnow() if blocked else None
        session.add(member)
    return member
