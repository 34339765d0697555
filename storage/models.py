"""The tables. Codes (not Chinese labels) are stored; labels come from the mappings below.

Timestamps are timezone-aware UTC (`UTCDateTime`: SQLite keeps no zone, so it is restored on
load). Answer values are JSON: int, text, or an amount's Decimal written as a string, so that
the value read back is exactly the value saved (see `storage.values`).
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from storage import clock
from storage.errors import StorageError

# Named constraints: Alembic's batch mode on SQLite can only drop constraints that have names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ORG_TYPE_LABELS = {
    "department": "部门",
    "township": "乡镇",
    "county_gov": "县级政府",
    "city_gov": "市级政府",
}
ROLE_LABELS = {
    "staff": "填报人员",
    "supervisor": "督导人员",
    "supervisor_staff": "督导兼填报人员",
    "admin": "管理员",
}
# An office that supervises others and publishes its own report holds both in one account.
REPORTING_ROLES = ("staff", "supervisor_staff")
SUPERVISING_ROLES = ("supervisor", "supervisor_staff")
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "returned": "已退回",
    "approved": "已审核通过",
}
REMINDER_STATUSES = ("pending", "sent", "failed", "blocked")


def choices(labels: Mapping[str, str]) -> str:
    """The valid codes with their labels, for a message: 部门（department）、乡镇（township）…"""
    return "、".join(f"{label}（{code}）" for code, label in labels.items())


def check_code(value: str, labels: Mapping[str, str], what: str) -> None:
    """Refuse a code that is not one of `labels` (an org type, a role, a status)."""
    if value not in labels:
        raise StorageError(f"{what}「{value}」无效，应为：{choices(labels)}")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime in UTC on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; storage keeps timezone-aware UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...] | list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _now() -> datetime:
    return clock.utcnow()


def _created() -> Any:
    return Field(default_factory=_now, sa_type=UTCDateTime, nullable=False)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"
    __table_args__ = (sa.CheckConstraint(_in("org_type", list(ORG_TYPE_LABELS)), name="org_type"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    org_type: str = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    created_at: datetime = _created()


class Member(SQLModel, table=True):
    __tablename__ = "members"
    __table_args__ = (sa.CheckConstraint(_in("role", list(ROLE_LABELS)), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    # Telegram ids exceed 32 bits. None: a member who joined on the web only.
    telegram_user_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, unique=True, nullable=True
    )
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    org_id: int = Field(foreign_key="organisations.id", index=True)
    active: bool = True
    chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The web front end's sign-in: a login name and an argon2 hash (bot/web/passwords.py).
    login: str | None = Field(default=None, max_length=64, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)
    created_at: datetime = _created()

    @property
    def reports(self) -> bool:
        """Fills in and submits the organisation's own report."""
        return self.role in REPORTING_ROLES

    @property
    def supervises(self) -> bool:
        """Reads and reviews the reports of the organisations below."""
        return self.role in SUPERVISING_ROLES


class Invite(SQLModel, table=True):
    __tablename__ = "invites"
    __table_args__ = (sa.CheckConstraint(_in("role", list(ROLE_LABELS)), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    org_id: int = Field(foreign_key="organisations.id", index=True)
    role: str = Field(max_length=20)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_member_id: int | None = Field(default=None, foreign_key="members.id")
    # Withdrawn by an administrator before use: the code no longer joins.
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    created_at: datetime = _created()


class InviteAttempt(SQLModel, table=True):
    """A wrong invite code typed by a Telegram user; recent ones lock further attempts."""

    __tablename__ = "invite_attempts"
    __table_args__ = (sa.Index("ix_invite_attempts_user_at", "telegram_user_id", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger)
    attempted_at: datetime = _created()


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "year"),
        sa.CheckConstraint(_in("status", list(STATUS_LABELS)), name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisations.id", index=True)
    year: int
    kind: str = Field(max_length=50)
    status: str = Field(default="draft", max_length=20)
    # Bumped once per save that changes something; answers and history carry the version
    # they were written at, which is how a stale writer finds out what changed meanwhile.
    version: int = 0
    agency: str = Field(max_length=200)
    created_at: datetime = _created()
    updated_at: datetime = _created()
    # Where the report stands (`bot.core.standing`), written with every change of its answers
    # so the overview sorts and counts in SQL. Valid while `checked_version` is the report's
    # version and `checked_previous` the version of last year's report (None: there was none);
    # otherwise `storage.standing` recomputes them before the overview reads them.
    answered: int | None = None
    questions: int | None = None
    open_errors: int | None = None
    open_warnings: int | None = None
    checked_version: int | None = None
    checked_previous: int | None = None


class Answer(SQLModel, table=True):
    __tablename__ = "answers"
    __table_args__ = (sa.UniqueConstraint("report_id", "field_id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id")
    field_id: str = Field(max_length=100)
    value: Any = Field(sa_type=sa.JSON, nullable=False)
    raw: str = Field(default="", sa_type=sa.Text, nullable=False)
    updated_by: int | None = Field(default=None, foreign_key="members.id")
    updated_at: datetime = _created()
    report_version: int


class AnswerHistory(SQLModel, table=True):
    """Append-only: one row per real change of one field (None = absent)."""

    __tablename__ = "answer_history"
    __table_args__ = (sa.Index("ix_answer_history_report_version", "report_id", "report_version"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id")
    field_id: str = Field(max_length=100)
    old_value: Any = Field(default=None, sa_type=sa.JSON(none_as_null=True), nullable=True)
    new_value: Any = Field(default=None, sa_type=sa.JSON(none_as_null=True), nullable=True)
    member_id: int | None = Field(default=None, foreign_key="members.id")
    report_version: int
    changed_at: datetime = _created()


class ReportEvent(SQLModel, table=True):
    __tablename__ = "report_events"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    member_id: int | None = Field(default=None, foreign_key="members.id")
    comment: str | None = Field(default=None, sa_type=sa.Text)
    at: datetime = _created()


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=50)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    at: datetime = _created()


class Deadline(SQLModel, table=True):
    """An override of the legal deadline for one year: for an org, an org type, or everyone."""

    __tablename__ = "deadlines"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    org_type: str | None = Field(default=None, max_length=20)
    org_id: int | None = Field(default=None, foreign_key="organisations.id")
    due: date
    created_at: datetime = _created()


class ReminderLog(SQLModel, table=True):
    """One row per reminder that should go out once; the unique key makes the claim atomic."""

    __tablename__ = "reminder_log"
    __table_args__ = (sa.CheckConstraint(_in("status", REMINDER_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="reports.id")
    step: str = Field(max_length=50)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _created()


class ChatPosition(SQLModel, table=True):
    """Where a member is in the conversation, so it survives restarts."""

    __tablename__ = "chat_positions"

    member_id: int = Field(foreign_key="members.id", primary_key=True)
    report_id: int | None = Field(default=None, foreign_key="reports.id")
    question_id: str | None = Field(default=None, max_length=100)
    state: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    updated_at: datetime = _created()


class InboxUpdate(SQLModel, table=True):
    """A Telegram update, stored before Telegram is told it arrived (docs/architecture.md).

    `turn` is the reply of an answer, committed with the answer itself: an update replayed
    after a crash is answered again from here instead of being applied twice. `handled_at`
    is set once its replies went out; rows without it are replayed at start.
    """

    __tablename__ = "telegram_inbox"

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(sa_type=sa.BigInteger, unique=True)
    user_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    payload: dict[str, Any] = Field(sa_type=sa.JSON, nullable=False)
    received_at: datetime = _created()
    turn: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    attempts: int = 0
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class WebSession(SQLModel, table=True):
    """A signed-in browser. Only the token's hash is stored; the row is the whole session, so
    every web process behind one address serves it."""

    __tablename__ = "web_sessions"

    token_hash: str = Field(max_length=64, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    csrf_token: str = Field(max_length=64)
    # What the next page shows once (refused cells with what was typed, notices): the
    # redirect after a form post carries nothing, so it waits here.
    flash: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = _created()


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in or invite code on the web, by key ("login:<name>", "ip:<address>");
    recent ones lock further attempts (storage/web_accounts.py)."""

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_key_at", "key", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    attempted_at: datetime = _created()


class LoginLink(SQLModel, table=True):
    """A one-time sign-in link the bot sends to a member already in Telegram."""

    __tablename__ = "login_links"

    token_hash: str = Field(max_length=64, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()
