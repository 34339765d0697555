"""Invites: hashed at rest, single-use, expiring, and guessing is rate-limited; the sender of a
message read with their position (and, in a write, their report) in one statement."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage import clock
from storage.db import begin_write
from storage.errors import InviteError, NotFound, StorageError
from storage.members import (
    CODE_LENGTH,
    create_invite,
    deactivate_member,
    get_member,
    get_member_and_position,
    list_members,
    mark_blocked,
    redeem_invite,
)
from storage.models import AuditLog, Invite, Member
from storage.positions import save_position
from storage.reports import get_or_create_report, get_report, previous_values, save_answers

USER = 5_000_000_001


def test_code_is_short_url_safe_and_only_its_hash_is_stored(session: Session, tree) -> None:
    invite, code = create_invite(
        session, org_id=tree.bureau.id, role="staff", created_by="cli:root"
    )
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", code) and len(code) == CODE_LENGTH
    stored = session.exec(select(Invite)).one()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.expires_at - stored.created_at == timedelta(days=14)
    codes = {
        create_invite(session, org_id=tree.bureau.id, role="staff", created_by="x")[1]
        for _ in range(20)
    }
    assert len(codes) == 20
    audit = session.exec(select(AuditLog).where(AuditLog.action == "invite.create")).first()
    assert audit.actor == "cli:root" and audit.detail["invite_id"] == invite.id


def test_redeem_creates_member_once(session: Session, tree) -> None:
    _, code = create_invite(session, org_id=tree.bureau.id, role="staff", created_by="x")
    member = redeem_invite(
        session, code=f" {code.upper()} ", telegram_user_id=USER, name="王芳", chat_id=42
    )
    assert (member.org_id, member.role, member.active, member.chat_id) == (
        tree.bureau.id,
        "staff",
        True,
        42,
    )
    assert get_member(session, telegram_user_id=USER).id == member.id
    with pytest.raises(InviteError, match="已被使用"):
        redeem_invite(session, code=code, telegram_user_id=USER + 1, name="李强")
    invite = session.exec(select(Invite)).one()
    assert invite.used_by_member_id == member.id and invite.used_at is not None


def test_expired_code_is_refused(session: Session, tree) -> None:
    _, code = create_invite(
        session, org_id=tree.bureau.id, role="staff", created_by="x", ttl=timedelta(hours=1)
    )
    real_now = clock.utcnow
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "utcnow", lambda: real_now() + timedelta(hours=2))
        with pytest.raises(InviteError, match="已过期"):
            redeem_invite(session, code=code, telegram_user_id=USER, name="王芳")
    assert get_member(session, telegram_user_id=USER) is None


def test_wrong_guesses_lock_the_user_for_fifteen_minutes(
    session: Session, tree, monkeypatch
) -> None:
    _, code = create_invite(session, org_id=tree.bureau.id, role="staff", created_by="x")
    start = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: start)
    for _ in range(5):
        with pytest.raises(InviteError, match="邀请码无效"):
            redeem_invite(session, code="wrongcode234", telegram_user_id=USER, name="某人")
    with pytest.raises(InviteError, match="尝试次数过多，请 15 分钟后再试"):
        redeem_invite(session, code=code, telegram_user_id=USER, name="某人")
    # Another Telegram user is not affected.
    assert redeem_invite(session, code=code, telegram_user_id=USER + 1, name="李强").active
    _, code = create_invite(session, org_id=tree.bureau.id, role="staff", created_by="x")
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(minutes=10, seconds=30))
    with pytest.raises(InviteError, match="请 5 分钟后再试"):
        redeem_invite(session, code=code, telegram_user_id=USER, name="某人")
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(minutes=15, seconds=1))
    assert redeem_invite(session, code=code, telegram_user_id=USER, name="某人").active


def test_new_invite_moves_existing_member(session: Session, tree) -> None:
    _, first = create_invite(session, org_id=tree.bureau.id, role="staff", created_by="x")
    member = redeem_invite(session, code=first, telegram_user_id=USER, name="王芳")
    deactivate_member(session, member_id=member.id, actor="cli:root")
    assert get_member(session, telegram_user_id=USER) is None
    _, second = create_invite(session, org_id=tree.county.id, role="supervisor", created_by="x")
    again = redeem_invite(session, code=second, telegram_user_id=USER, name="王芳")
    assert (again.id, again.org_id, again.role, again.active) == (
        member.id,
        tree.county.id,
        "supervisor",
        True,
    )
    assert len(list_members(session)) == 1
    assert list_members(session, org_id=tree.bureau.id) == []


def test_mark_blocked(session: Session, tree) -> None:
    _, code = create_invite(session, org_id=tree.bureau.id, role="staff", created_by="x")
    member = redeem_invite(session, code=code, telegram_user_id=USER, name="王芳")
    assert mark_blocked(session, member_id=member.id, blocked=True).blocked_at is not None
    assert mark_blocked(session, member_id=member.id, blocked=False).blocked_at is None
    with pytest.raises(NotFound, match="成员（编号 999）不存在"):
        mark_blocked(session, member_id=999, blocked=True)


def test_invalid_invites_are_refused(session: Session, tree) -> None:
    with pytest.raises(StorageError, match="角色「boss」无效，应为：填报人员（staff）"):
        create_invite(session, org_id=tree.bureau.id, role="boss", created_by="x")
    with pytest.raises(NotFound, match="单位（编号 999）不存在"):
        create_invite(session, org_id=999, role="staff", created_by="x")
    for ttl in (timedelta(0), timedelta(days=366)):
        with pytest.raises(StorageError, match="有效期应大于零且不超过 365 天，请重新填写天数"):
            create_invite(session, org_id=tree.bureau.id, role="staff", created_by="x", ttl=ttl)
    assert session.exec(select(Invite)).all() == []


def test_member_is_read_with_their_chat_position(session: Session, tree) -> None:
    _, code = create_invite(session, org_id=tree.bureau.id, role="staff", created_by="t")
    member = redeem_invite(session, code=code, telegram_user_id=USER, name="王芳")
    assert get_member_and_position(session, telegram_user_id=USER) == (member, None)
    save_position(
        session, member_id=member.id, report_id=None, question_id="q1", state={"active": True}
    )
    found = get_member_and_position(session, telegram_user_id=USER)
    assert found is not None
    assert found[0].id == member.id
    assert found[1] is not None and found[1].question_id == "q1"
    assert get_member_and_position(session, telegram_user_id=USER + 1) is None
    deactivate_member(session, member_id=member.id, actor="t")
    assert get_member_and_position(session, telegram_user_id=USER) is None


@pytest.fixture
def answering(session: Session, staff: Member) -> Member:
    """A staff member in the middle of this year's report, with last year's answered."""
    report = get_or_create_report(session, actor=staff, year=2024)
    last_year = get_or_create_report(session, actor=staff, year=2023)
    save_answers(session, actor=staff, report_id=last_year.id, values={"s3.new.natural": 4})
    save_position(session, member_id=staff.id, report_id=report.id, question_id="q", state={"q": 3})
    return staff


def test_an_answers_read_takes_member_position_and_report_in_one_statement(
    engine: Engine, answering: Member, statements: list[str]
) -> None:
    with Session(engine) as writing:
        begin_write(writing)
        statements.clear()
        found = get_member_and_position(writing, telegram_user_id=answering.telegram_user_id)
        assert found is not None
        member, position = found
        assert position is not None and position.state == {"q": 3}
        report = get_report(writing, actor=member, report_id=position.report_id)
        assert report.year == 2024
        assert previous_values(writing, actor=member, report=report) == {"s3.new.natural": 4}
        writing.commit()
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_an_answers_read_locks_the_report(engine: Engine, answering: Member) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite: BEGIN IMMEDIATE already holds the whole database")
    with Session(engine) as writing, engine.connect() as other:
        begin_write(writing)
        found = get_member_and_position(writing, telegram_user_id=answering.telegram_user_id)
        assert found is not None and found[1] is not None
        report_id = found[1].report_id
        with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
            other.execute(
                sa.text("SELECT id FROM reports WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": report_id},
            )


def test_a_member_without_a_report_is_still_read_in_a_write(
    engine: Engine, session: Session, staff: Member
) -> None:
    with Session(engine) as writing:
        begin_write(writing)
        assert get_member_and_position(writing, telegram_user_id=staff.telegram_user_id) == (
            staff,
            None,
        )
