"""The admin audit trail: who did what from the command line, in the same transaction."""

from typing import Any

from sqlmodel import Session

from storage.models import AuditLog


def record(session: Session, *, actor: str, action: str, detail: dict[str, Any]) -> AuditLog:
    """Add an audit row; it is committed together with the action it describes."""
    entry = AuditLog(actor=actor, action=action, detail=detail)
    session.add(entry)
    return entry
