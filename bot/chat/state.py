"""What the walkthrough works on and what it answers with, free of any front end.

A front end (Telegram, the terminal) loads a `ReportState`, passes one event to the
walkthrough and gets an `Outcome`: replies to show, answers to save, and the new position.
It persists the answers first and the position second, so a crash between the two repeats a
question instead of losing an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.checks import Finding, PeerText, check_values
from bot.core.form import Question, ReportForm, Section
from bot.core.narrative.peer_index import OtherOffices, Peers
from bot.core.standing import question_answered
from bot.core.values import Value

# Other organisations' texts of the year, brought up to date from the database when a check
# first needs them.
PeerLoader = Callable[[], Peers]


@dataclass(frozen=True)
class Position:
    """Where a member is: the index of the question being asked (== number of questions: the
    closing summary), and where to return after fixing a cell reached from a finding."""

    question: int = 0
    resume: int | None = None
    # After 本表全部为0: the cells it filled and the question it was pressed on, for 撤销;
    # any later step starts a new Position without them.
    zeroed: tuple[str, ...] = ()
    zeroed_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.question,
            "resume": self.resume,
            "zeroed": list(self.zeroed),
            "zeroed_at": self.zeroed_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, questions: int) -> Position:
        if not data:
            return cls()
        question = data.get("q", 0)
        resume = data.get("resume")
        if not isinstance(question, int) or not 0 <= question <= questions:
            question = 0
        if not isinstance(resume, int) or not 0 <= resume <= questions:
            resume = None
        zeroed = data.get("zeroed")
        zeroed_at = data.get("zeroed_at")
        if (
            not isinstance(zeroed, list)
            or not all(isinstance(f, str) for f in zeroed)
            or not isinstance(zeroed_at, int)
            or not 0 <= zeroed_at < questions
        ):
            return cls(question, resume)
        return cls(question, resume, tuple(zeroed), zeroed_at)


@dataclass(frozen=True)
class ReportState:
    """One report as the walkthrough sees it: typed values only (totals are computed)."""

    form: ReportForm
    agency: str
    year: int
    values: Mapping[str, Value]
    position: Position = field(default_factory=Position)
    previous: Mapping[str, Value] | None = None
    # Other organisations' texts of the same year (the copied-text check), or how to get them:
    # an answer to a table, or any step before the first text is written, needs none.
    peers: tuple[PeerText, ...] | OtherOffices | PeerLoader = ()

    def findings(self, checks: set[str] | None = None) -> list[Finding]:
        """Every check of the report, with last year's report, the year and the peers."""
        return check_values(
            self.form,
            self.values,
            previous=self.previous,
            checks=checks,
            year=self.year,
            peers=self._peers(checks),
        )

    def _peers(self, checks: set[str] | None) -> Peers:
        if not callable(self.peers):
            return self.peers
        if checks is not None and "copied_from_peers" not in checks:
            return ()
        written = any(
            isinstance(text := self.values.get(f), str) and text.strip()
            for f in self.form.text_fields
        )
        return self.peers() if written else ()

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.form.questions

    @property
    def finished(self) -> bool:
        return self.position.question >= len(self.questions)

    @property
    def question(self) -> Question:
        return self.questions[self.position.question]

    @property
    def section(self) -> Section:
        return self.form.section(self.question.section)

    def answered(self, question: Question) -> bool:
        """Every cell of the question holds a value (a narrative: some text)."""
        return question_answered(question, self.values)


@dataclass(frozen=True)
class Button:
    """An inline button: Chinese text and a short ASCII action (see `walkthrough.ACTIONS`)."""

    text: str
    action: str


@dataclass(frozen=True)
class Reply:
    """One message: plain text, an optional monospace block after it, and button rows."""

    text: str
    pre: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...]
    position: Position
    changes: Mapping[str, Value | None] = field(default_factory=dict)
    raw: Mapping[str, str] = field(default_factory=dict)
