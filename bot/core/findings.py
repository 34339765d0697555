"""A finding of a check: what every check returns and every front end shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    fields: tuple[str, ...]
    message: str

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["fields"] = list(self.fields)
        return data
