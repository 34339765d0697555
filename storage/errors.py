"""Exceptions raised by storage; `str(exc)` is a message a user can be shown as it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


class StorageError(Exception):
    """Something the caller asked for cannot be done; the message is in Chinese."""


class PermissionDenied(StorageError):
    """The acting member's role or organisation does not allow this."""


class NotFound(StorageError):
    """The organisation, member or report does not exist (or is not visible)."""


class ReportLocked(StorageError):
    """The report is submitted or approved: an import would change what was handed in."""


class InviteError(StorageError):
    """An invite code cannot be redeemed: unknown, used, expired, or too many attempts."""


@dataclass(frozen=True)
class FieldChange:
    """A change another member made to a field since the caller last looked."""

    field_id: str
    old: Any
    new: Any
    member_name: str | None
    at: datetime


class VersionConflict(StorageError):
    """Others changed the same fields since `expected_version`; nothing was written.

    The message names each field in official words with old → new, who and when, so the
    person whose save was refused can decide what the right value is.
    """

    def __init__(self, changes: list[FieldChange], message: str) -> None:
        super().__init__(message)
        self.changes = changes
