"""Password hashing (argon2id with argon2-cffi's defaults), the password policy and an
administrator's reset."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from storage import web_accounts
from storage.models import Member

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verified against when the login name is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("nianbao-no-such-member")


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Chinese), or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位"
    if len(password) > MAX_LENGTH:
        return f"密码不超过 {MAX_LENGTH} 位"
    if password.isdigit() or password.isalpha():
        return "密码应同时包含字母和数字（或其他符号）"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_temporary_password(
    session: Session, *, actor: Member | str, member_id: int
) -> tuple[Member, str]:
    """An administrator's password reset (the web's and `nianbao member password-reset`): a
    random temporary password, shown once to the administrator and stored only hashed; the
    member's sessions end. Commits."""
    password = secrets.token_urlsafe(9)
    member = web_accounts.reset_password(
        session, actor=actor, member_id=member_id, password_hash=hash_password(password)
    )
    return member, password
