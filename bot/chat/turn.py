"""What the chat hands a front end for one event: a `Turn`, and the buttons' callback data.

A button's data names the report and question it was shown for, then its action, in at most
Telegram's 64 bytes: "12:7:s". Every front end (Telegram, the terminal chat, the web) decodes
presses the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.chat.documents import Document
from bot.chat.state import Button, Position, Reply

if TYPE_CHECKING:
    from storage.models import Report

# A button outside the walkthrough (a reminder, the welcome): open the member's report.
OPEN_REPORT = "R"


@dataclass(frozen=True)
class Turn:
    """What to send back: replies whose buttons carry `report_id`/`question`, maybe a file."""

    replies: tuple[Reply, ...]
    report_id: int | None = None
    question: int = 0
    document: Document | None = None
    notice: str | None = None
    # Files sent after `document`: the report's PDF.
    attachments: tuple[Document, ...] = ()

    def callback_data(self, action: str) -> str:
        return encode_button(self.report_id or 0, self.question, action)

    def to_json(self) -> dict[str, Any]:
        """The turn without its document (an answer never carries one), for the inbox."""
        return {
            "replies": [
                {
                    "text": reply.text,
                    "pre": reply.pre,
                    "buttons": [[[b.text, b.action] for b in row] for row in reply.buttons],
                }
                for reply in self.replies
            ],
            "report_id": self.report_id,
            "question": self.question,
            "notice": self.notice,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Turn:
        replies = tuple(
            Reply(
                reply["text"],
                pre=reply["pre"],
                buttons=tuple(
                    tuple(Button(text, action) for text, action in row) for row in reply["buttons"]
                ),
            )
            for reply in data["replies"]
        )
        return cls(replies, data["report_id"], data["question"], notice=data["notice"])


def report_turn(
    report: Report, replies: tuple[Reply, ...], position: Position, notice: str | None = None
) -> Turn:
    """The turn of a walkthrough event on `report`: its buttons act on the question shown."""
    return Turn(replies, report.id, position.question, notice=notice)


def encode_button(report_id: int, question: int, action: str) -> str:
    data = f"{report_id}:{question}:{action}"
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode_button(data: str) -> tuple[int, int, str] | None:
    parts = data.split(":", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[0]), int(parts[1]), parts[2]
