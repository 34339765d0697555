"""Drive the walkthrough the way a front end does: apply each outcome's answers and position."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import pytest

from bot.chat import walkthrough
from bot.chat.state import Outcome, ReportState
from bot.core.form import load_form
from bot.core.values import Value


class Conversation:
    """A report state plus the replies so far; `say` and `press` apply outcomes like storage."""

    def __init__(self, state: ReportState) -> None:
        self.state = state
        self.outcomes: list[Outcome] = []

    def _apply(self, outcome: Outcome) -> Outcome:
        values = dict(self.state.values)
        for field_id, value in outcome.changes.items():
            if value is None:
                values.pop(field_id, None)
            else:
                values[field_id] = value
        self.state = replace(self.state, values=values, position=outcome.position)
        self.outcomes.append(outcome)
        return outcome

    def say(self, text: str) -> Outcome:
        return self._apply(walkthrough.handle_text(self.state, text))

    def press(self, action: str) -> Outcome:
        return self._apply(walkthrough.handle_action(self.state, action))

    def fill_table_three(self, disclosed: str) -> Outcome:
        """新收 "3 0 1 0 0 0", 上年结转 all 0, 予以公开 `disclosed`, then 本表全部为0 (confirmed)."""
        self.go_to("s3.new")
        self.say("3 0 1 0 0 0")
        self.say("0")
        self.say(disclosed)
        self.press("z")
        return self.press("Z")

    def go_to(self, question_id: str) -> None:
        index = [q.id for q in self.state.questions].index(question_id)
        self.state = replace(self.state, position=replace(self.state.position, question=index))

    @property
    def question_id(self) -> str | None:
        return None if self.state.finished else self.state.question.id

    def text(self, outcome: Outcome | None = None) -> str:
        outcome = outcome or self.outcomes[-1]
        return "\n".join(r.text + ("\n" + r.pre if r.pre else "") for r in outcome.replies)

    def actions(self, outcome: Outcome | None = None) -> dict[str, str]:
        outcome = outcome or self.outcomes[-1]
        return {b.text: b.action for r in outcome.replies for row in r.buttons for b in row}


@pytest.fixture
def form_2021():
    return load_form("gov-disclosure-2021")


@pytest.fixture
def conversation(form_2021) -> Callable[..., Conversation]:
    def start(previous: Mapping[str, Value] | None = None) -> Conversation:
        return Conversation(ReportState(form_2021, "某某市某某局", 2025, {}, previous=previous))

    return start


@pytest.fixture
def chat(conversation) -> Conversation:
    return conversation()
