"""The walkthrough: one event in, one `Outcome` out, no I/O.

Actions are short ASCII strings so that Telegram's 64-byte callback data holds them together
with the report and question they were shown for:

    b  上一步            s  跳过              z  本表全部为0（先问是否确定）
    Z  确定填为 0        u  撤销填 0          x  取消（重新显示当前问题）
    d  完成（文字部分）  c  清空重写          p  沿用上年
    r  按表格起草        a  采用起草的段落
    T  查看整表          M  目录              m<section>  跳到某部分
    f<i>  修改第 i 题，改完回到原处            g<i>  跳到第 i 题

`G` (生成报告) is shown here but carried out by the service, which renders the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.chat.after_answer import CONTENT_ONLY, advance, table_reply
from bot.chat.drafts import ACCEPT_DRAFT, SHOW_DRAFT, accept_draft, draft_reply
from bot.chat.prompts import BACK, MENU, ask, summary, text_buttons
from bot.chat.rows import RowProblem, parse_row
from bot.chat.state import Outcome, Position, Reply, ReportState
from bot.chat.table_paste import looks_like_table
from bot.chat.views import menu_buttons, previous_suggestion
from bot.chat.walkthrough_paste import answer_paste
from bot.chat.zero_fill import confirm_zero, undo_zero, zero_table
from bot.core.checks import Finding
from bot.core.form import Question
from bot.core.values import Value, ValueProblem, normalise_text


class UnknownAction(ValueError):
    """A button this walkthrough never makes (forged or from an older version)."""


def handle_text(state: ReportState, text: str) -> Outcome:
    if state.finished:
        return Outcome((summary(state),), state.position)
    question = state.question
    if state.section.layout == "text":
        return _append_text(state, question, text)
    if looks_like_table(text):
        return answer_paste(state, text)
    try:
        values = parse_row(state.form, question, text)
    except RowProblem as exc:
        return Outcome((Reply(f"未能保存：{exc}", buttons=ask(state).buttons),), state.position)
    return _answered(state, question, values, {f: text.strip()[:200] for f in values})


def handle_action(state: ReportState, action: str) -> Outcome:
    position = state.position
    if action == "M":
        return Outcome(
            (Reply("目录：请选择要填写或修改的部分。", buttons=tuple(menu_buttons(state))),),
            position,
        )
    if action[:1] in "fg" and action[1:].isdigit():
        target = int(action[1:])
        if target > len(state.questions):
            raise UnknownAction(action)
        resume = (
            (position.resume if position.resume is not None else position.question)
            if action[0] == "f"
            else None
        )
        return _move(state, Position(target, resume))
    if action.startswith("m") and len(action) > 1:
        return _move(state, Position(_section_start(state, action[1:])))
    if state.finished:
        if action == "b":
            return _move(state, Position(len(state.questions) - 1))
        return Outcome((summary(state),), position)
    question = state.question
    if action == "b":
        return _move(state, Position(max(0, position.question - 1), position.resume))
    if action in ("s", "d"):
        return advance(state, question, {})
    if action == "T" and state.section.layout != "text":
        return Outcome((table_reply(state, state.section), ask(state)), position)
    if action == "x":
        return Outcome((ask(state),), position)
    if action == "z" and state.section.layout != "text":
        return confirm_zero(state, state.section)
    if action == "Z" and state.section.layout != "text":
        return zero_table(state, state.section)
    if action == "u":
        return undo_zero(state)
    if action == "c" and state.section.layout == "text":
        cleared = replace(state, values={**state.values, question.fields[0]: None})
        return Outcome(
            (Reply("已清空本部分内容，请重新发送。"), ask(cleared)),
            position,
            {question.fields[0]: None},
        )
    if action == "p":
        return _use_previous(state, question)
    if action == SHOW_DRAFT and state.section.layout == "text":
        return Outcome((draft_reply(state, question.fields[0], ask(state).buttons),), position)
    if action == ACCEPT_DRAFT and state.section.layout == "text":
        field_id = question.fields[0]
        outcome = accept_draft(state, field_id)
        updated = replace(state, values={**state.values, **outcome.changes})
        # The drafted paragraphs sit beside what was written before: show what now disagrees
        # (a figure written by hand, the length), as after any text sent.
        warnings = (
            [f.message for f in _field_warnings(updated, field_id)] if outcome.changes else []
        )
        replies = outcome.replies
        if warnings:
            replies = (replace(replies[0], text="\n".join([replies[0].text, *warnings])),)
        return replace(outcome, replies=(*replies, ask(updated)))
    raise UnknownAction(action)


def _section_start(state: ReportState, section_id: str) -> int:
    indices = [i for i, q in enumerate(state.questions) if q.section == section_id]
    if not indices:
        raise UnknownAction(f"m{section_id}")
    for i in indices:
        if not state.answered(state.questions[i]):
            return i
    return indices[0]


def _move(state: ReportState, position: Position) -> Outcome:
    moved = replace(state, position=position)
    return Outcome((ask(moved),), position)


def _append_text(state: ReportState, question: Question, text: str) -> Outcome:
    field_id = question.fields[0]
    existing = state.values.get(field_id) or ""
    try:
        addition = normalise_text(text)
        combined = normalise_text(f"{existing}\n{addition}" if existing else addition)
    except ValueProblem as exc:
        reply = f"未能保存：{exc}。已填写的内容保持不变（{len(str(existing))} 字）。"
        return Outcome((Reply(reply, buttons=ask(state).buttons),), state.position)
    if not addition:
        return Outcome(
            (Reply("未收到文字内容，请发送本部分的文字。", buttons=ask(state).buttons),),
            state.position,
        )
    updated = replace(state, values={**state.values, field_id: combined})
    lines = [f"已保存（本部分共 {len(combined)} 字）。可继续发送，发完后点击“完成”。"]
    lines += [f.message for f in _field_warnings(updated, field_id)]
    buttons = (text_buttons(updated, field_id), (BACK, MENU))
    return Outcome(
        (Reply("\n".join(lines), buttons=buttons),), state.position, {field_id: combined}, {}
    )


def _field_warnings(state: ReportState, field_id: str) -> list[Finding]:
    checks = set(state.form.content_checks) - CONTENT_ONLY
    findings = state.findings(checks)
    return [f for f in findings if f.fields[:1] == (field_id,)]


def _use_previous(state: ReportState, question: Question) -> Outcome:
    if state.section.layout == "text":
        field_id = question.fields[0]
        text = (state.previous or {}).get(field_id)
        if not text or state.values.get(field_id):
            return Outcome((ask(state),), state.position)
        updated = replace(state, values={**state.values, field_id: text})
        note = Reply(
            f"已填入上年内容（{len(str(text))} 字），请据本年实际修改：可点击“清空重写”后重新发送，"
            "或发送补充内容接在后面。"
        )
        return Outcome((note, ask(updated)), state.position, {field_id: text})
    suggestion = previous_suggestion(state, question)
    if not suggestion:
        return Outcome((ask(state),), state.position)
    return _answered(state, question, suggestion, {})


def _answered(
    state: ReportState, question: Question, values: dict[str, Value], raw: Mapping[str, str]
) -> Outcome:
    updated = replace(state, values={**state.values, **values})
    outcome = advance(updated, question, values)
    return replace(outcome, raw=raw)
