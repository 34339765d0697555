"""Bot API request parameters, decoded the way the Bot API decodes them.

A request may come as a JSON body (typed values), as ``application/x-www-form-urlencoded`` or as
``multipart/form-data`` (every value a string; nested objects such as ``reply_markup`` are JSON
strings), or as a query string. python-telegram-bot uses the form encodings, other clients use
JSON, so every accessor accepts both shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import bad_request


@dataclass(frozen=True)
class UploadedFile:
    """A file sent in a multipart request."""

    field: str
    filename: str
    content: bytes
    content_type: str | None


class Params:
    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """Integers arrive as numbers (JSON) or digits (forms); junk counts as absent."""
        value = self.values.get(name)
        if value is None or isinstance(value, bool):
            return default
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            return default

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        return isinstance(value, str) and value.strip().lower() in ("true", "1", "yes")

    def json_value(self, name: str, what: str | None = None) -> Any:
        """An object or array: JSON in a string field, or already decoded in a JSON body."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None

    def file(self, name: str) -> UploadedFile | None:
        """A multipart file for parameter ``name``, directly or through ``attach://<field>``."""
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"))
        return None

    def loggable(self) -> dict[str, Any]:
        """The parameters for the request log; files appear as a short description."""
        logged: dict[str, Any] = dict(self.values)
        for name, upload in self.files.items():
            logged[name] = f"<file {upload.filename!r}, {len(upload.content)} bytes>"
        return logged
