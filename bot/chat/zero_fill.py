"""「本表全部为0」: fill a table's empty cells with 0 once confirmed, and undo it."""

from __future__ import annotations

from dataclasses import replace

from bot.chat.after_answer import advance
from bot.chat.prompts import ask
from bot.chat.state import Button, Outcome, Position, Reply, ReportState
from bot.core.form import Section
from bot.core.values import Value


def _unfilled(state: ReportState, section: Section) -> dict[str, Value]:
    return {
        f: 0
        for q in state.questions
        if q.section == section.id
        for f in q.fields
        if state.values.get(f) is None
    }


def confirm_zero(state: ReportState, section: Section) -> Outcome:
    """本表全部为0 asks first: it may fill a hundred cells at once (a table section only)."""
    zeros = _unfilled(state, section)
    if not zeros:
        reply = Reply(f"{section.table}各格均已填写，无需填 0。", buttons=ask(state).buttons)
        return Outcome((reply,), state.position)
    questions = [q for q in state.questions if q.section == section.id]
    empty_rows = sum(any(f in zeros for f in q.fields) for q in questions)
    kept = len(questions) - empty_rows
    text = (
        f"将把{section.table}中尚未填写的 {empty_rows} 行（共 {len(zeros)} 格）全部填为 0"
        + (f"，已填写的 {kept} 行保持不变" if kept else "")
        + "，然后进入下一部分。填完后可以撤销。确定吗？"
    )
    buttons = ((Button("确定填为 0", "Z"), Button("取消", "x")),)
    return Outcome((Reply(text, buttons=buttons),), state.position)


def zero_table(state: ReportState, section: Section) -> Outcome:
    questions = [q for q in state.questions if q.section == section.id]
    zeros = _unfilled(state, section)
    last = state.questions.index(questions[-1])
    updated = replace(
        state, values={**state.values, **zeros}, position=Position(last, state.position.resume)
    )
    outcome = advance(updated, questions[-1], zeros)
    note = Reply(
        f"已将{section.table}中未填写的 {len(zeros)} 格填为 0，已填写的数字保持不变。"
        "如是误操作，可点击“撤销”。",
        buttons=((Button("撤销", "u"),),),
    )
    position = replace(outcome.position, zeroed=tuple(zeros), zeroed_at=state.position.question)
    return replace(outcome, replies=(note, *outcome.replies), position=position, raw={})


def undo_zero(state: ReportState) -> Outcome:
    position = state.position
    if not position.zeroed or position.zeroed_at is None:
        reply = Reply("没有可以撤销的“本表全部为0”操作。", buttons=ask(state).buttons)
        return Outcome((reply,), position)
    # Only cells still 0: anything typed since stays.
    cleared: dict[str, Value | None] = {
        f: None for f in position.zeroed if state.values.get(f) == 0
    }
    back = Position(position.zeroed_at, position.resume)
    moved = replace(state, values={**state.values, **cleared}, position=back)
    table = state.form.section(state.questions[back.question].section).table
    note = Reply(f"已撤销：{table}中 {len(cleared)} 格恢复为未填写。")
    return Outcome((note, ask(moved)), back, cleared)
