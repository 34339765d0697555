"""What a sweep sends: each message to one chat under its reminder-log key (`Delivery`), and
everything due at one moment (`Plan`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# Errors stored for failures that a later sweep must not retry (a bad request stays bad).
PERMANENT_ERROR = "permanent: "


@dataclass(frozen=True)
class Delivery:
    """One message to one chat under one reminder-log key."""

    key: str
    kind: str  # "staff", "digest" or "blocked"
    step: str  # stored in the log: "d-7", "overdue", "digest", "blocked"; "… k/n" for parts
    member_id: int
    member_name: str
    org_name: str
    chat_id: int
    report_id: int | None
    text: str
    button: bool = False
    # None: not in the log yet (claim it); a number: a failed row with that many attempts.
    retry_attempts: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "step": self.step,
            "member_id": self.member_id,
            "member": self.member_name,
            "org": self.org_name,
            "chat_id": self.chat_id,
            "report_id": self.report_id,
            "button": self.button,
            "retry": self.retry_attempts is not None,
            "text": self.text,
        }


@dataclass(frozen=True)
class Plan:
    now: datetime
    today: date
    year: int
    quiet: bool
    deliveries: tuple[Delivery, ...] = ()
