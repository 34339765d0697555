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

from bot.chat.drafts import ACCEPT_DRAFT, SHOW_DRAFT, accept_draft, draft_reply, drafts_for
from bot.chat.rows import RowProblem, parse_row
from bot.chat.state import Button, Outcome, Position, Reply, ReportState
from bot.chat.table_paste import looks_like_table, parse_table
from bot.chat.views import (
    findings_text,
    jump_buttons,
    menu_buttons,
    previous_suggestion,
    progress,
    prompt_text,
    row_saved_text,
    section_progress,
    table_view,
)
from bot.core.checks import Finding
from bot.core.form import Question, RelationInstance, Section
from bot.core.values import Value, ValueProblem, normalise_text

CONTENT_ONLY = {"no_blank_cells", "required_text"}


class UnknownAction(ValueError):
    """A button this walkthrough never makes (forged or from an older version)."""


def start(state: ReportState) -> Outcome:
    """Greets the member where they left off."""
    done, total = progress(state)
    greeting = state.form.document_title_for(agency=state.agency, year=state.year)
    if done:
        greeting += f"（已填写 {done}/{total} 项），接着上次的位置继续。"
    else:
        parts = state.form.sections[-1].number
        greeting += f"，共{parts}部分。按提示逐项填写，每一项填写后即自动保存。"
    return Outcome((Reply(greeting), ask(state)), state.position)


def first_unanswered(state: ReportState) -> Position | None:
    """The first question without an answer; None when every one has one."""
    missing = (i for i, q in enumerate(state.questions) if not state.answered(q))
    index = next(missing, None)
    return None if index is None else Position(index)


def ask(state: ReportState) -> Reply:
    """The prompt for the current position, with its buttons."""
    if state.finished:
        return summary(state)
    question = state.question
    section = state.section
    buttons: list[tuple[Button, ...]] = []
    if section.layout == "text":
        first = [Button("完成", "d")]
        if state.values.get(question.fields[0]):
            first.append(Button("清空重写", "c"))
        elif state.previous and state.previous.get(question.fields[0]):
            first.append(Button("沿用上年内容", "p"))
        if drafts_for(state, question.fields[0]):
            first.append(Button("按表格起草", SHOW_DRAFT))
        buttons.append(tuple(first))
    else:
        row = [Button("跳过", "s"), Button("本表全部为0", "z")]
        if previous_suggestion(state, question):
            row.insert(0, Button("沿用上年结转数", "p"))
        buttons.append(tuple(row))
    nav = [Button("目录", "M")]
    if section.layout != "text":
        nav.insert(0, Button("查看整表", "T"))
    if state.position.question > 0:
        nav.insert(0, Button("上一步", "b"))
    if state.position.resume is not None:
        nav.append(Button("返回原处", f"g{state.position.resume}"))
    buttons.append(tuple(nav))
    return Reply(prompt_text(state, question), buttons=tuple(buttons))


def summary(state: ReportState) -> Reply:
    done, total = progress(state)
    if done == total:
        text = (
            "各部分均已填写完毕。发送 /generate 生成报告（生成前将进行全部校验），或点击目录修改。"
        )
    else:
        text = (
            f"已到最后一项，尚有 {total - done} 项未填写。点击目录补填；"
            "发送 /status 查看进度，/generate 查看全部问题。"
        )
    return Reply(text, buttons=((Button("目录", "M"), Button("生成报告", "G")),))


def handle_text(state: ReportState, text: str) -> Outcome:
    if state.finished:
        return Outcome((summary(state),), state.position)
    question = state.question
    if state.section.layout == "text":
        return _append_text(state, question, text)
    if looks_like_table(text):
        return _paste(state, text)
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
        return _advance(state, question, {})
    if action == "T" and state.section.layout != "text":
        return Outcome((_table_reply(state, state.section), ask(state)), position)
    if action == "x":
        return Outcome((ask(state),), position)
    if action == "z":
        return _confirm_zero(state, state.section)
    if action == "Z":
        return _zero_table(state, state.section)
    if action == "u":
        return _undo_zero(state)
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
    first = [Button("完成", "d"), Button("清空重写", "c")]
    if drafts_for(updated, field_id):
        first.append(Button("按表格起草", SHOW_DRAFT))
    buttons = (tuple(first), (Button("上一步", "b"), Button("目录", "M")))
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
    outcome = _advance(updated, question, values)
    return replace(outcome, raw=raw)


def _advance(state: ReportState, question: Question, changes: dict[str, Value]) -> Outcome:
    """After an answer (or a skip): the table so far, the table's checks when it is complete,
    and the next prompt — or, after a fix, the remaining findings or the way back."""
    section = state.form.section(question.section)
    position = state.position
    replies: list[Reply] = []
    last_of_section = _is_last_of_section(state, position.question)
    table_done = section.layout != "text" and _section_complete(state, section)
    # The table's last empty row was just filled (e.g. the one a paste refused): the table
    # is done even if rows follow this one.
    finishing = table_done and (last_of_section or position.resume is None)
    if changes and section.layout != "text" and not finishing:
        replies.append(Reply(row_saved_text(state, question)))
    if position.resume is not None:
        findings = section_findings(state, section) if section.layout != "text" else []
        if any(f.severity == "error" for f in findings):
            if last_of_section:
                replies.append(_findings_reply(state, section, findings))
                return Outcome(tuple(replies), position, changes)
            errors = sum(f.severity == "error" for f in findings)
            replies.append(Reply(f"{section.table}仍有 {errors} 项勾稽问题，请继续核对下一行。"))
            next_position = Position(position.question + 1, position.resume)
        else:
            if findings == [] and table_done and _checkable(state, section):
                replies.append(Reply(f"{section.table}的勾稽关系已相符，回到原来的位置继续。"))
            else:
                replies.append(Reply("已修改，回到原来的位置继续。"))
            next_position = Position(position.resume)
    else:
        next_position = Position(position.question + 1)
        if finishing:
            next_position = Position(_after_section(state, section))
            replies += _table_done(state, section, next_position.question)
    moved = replace(state, position=next_position)
    replies.append(ask(moved))
    return Outcome(tuple(replies), next_position, changes)


def _table_reply(state: ReportState, section: Section, title: str = "") -> Reply:
    answered, count = section_progress(state, section)
    heading = title or f"{section.table}当前填写情况（已填 {answered}/{count} 行）："
    return Reply(heading, pre=table_view(state.form, section, state.values))


def _table_done(state: ReportState, section: Section, resume: int) -> list[Reply]:
    """A table just completed: the whole table, then what its checks found (or that they
    agree, where there was something to check)."""
    findings = section_findings(state, section)
    if findings:
        return [
            _table_reply(state, section, f"{section.table}已填完："),
            _findings_reply(state, section, findings, resume=resume),
        ]
    if _checkable(state, section):
        verdict = f"{section.table}已填完，勾稽关系相符："
    elif _needs_previous(state, section):
        verdict = (
            f"{section.table}已填完。未导入上年报告，与上年数字的衔接（如现行有效件数）"
            "暂未核对；可发送上年报告的 Word 文档导入后核对："
        )
    else:
        verdict = f"{section.table}已填完："
    return [_table_reply(state, section, verdict)]


def _relations_of(state: ReportState, section: Section) -> list[RelationInstance]:
    fields = {f.id for f in state.form.fields.values() if f.section == section.id}
    return [r for r in state.form.relations if set(r.current_fields) <= fields]


def _checkable(state: ReportState, section: Section) -> bool:
    """Some relation among the table's cells could be checked (with last year's report if
    it needs it and it is there): only then may the chat say they agree."""
    return any(
        not r.computes and (not r.needs_previous or state.previous)
        for r in _relations_of(state, section)
    )


def _needs_previous(state: ReportState, section: Section) -> bool:
    return not state.previous and any(r.needs_previous for r in _relations_of(state, section))


def _findings_reply(
    state: ReportState, section: Section, findings: list[Finding], resume: int | None = None
) -> Reply:
    title = f"{section.table}校验发现以下问题，请核对（可点击下方按钮直接修改）："
    buttons = jump_buttons(state, findings)
    if resume is None:
        buttons.append((Button("暂不修改，继续", "g" + str(state.position.resume)),))
    return Reply(findings_text(findings, title=title), buttons=tuple(buttons))


def _unfilled(state: ReportState, section: Section) -> dict[str, Value]:
    return {
        f: 0
        for q in state.questions
        if q.section == section.id
        for f in q.fields
        if state.values.get(f) is None
    }


def _confirm_zero(state: ReportState, section: Section) -> Outcome:
    """本表全部为0 asks first: it may fill a hundred cells at once."""
    if section.layout == "text":
        raise UnknownAction("z")
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


def _zero_table(state: ReportState, section: Section) -> Outcome:
    if section.layout == "text":
        raise UnknownAction("Z")
    questions = [q for q in state.questions if q.section == section.id]
    zeros = _unfilled(state, section)
    last = state.questions.index(questions[-1])
    updated = replace(
        state, values={**state.values, **zeros}, position=Position(last, state.position.resume)
    )
    outcome = _advance(updated, questions[-1], zeros)
    note = Reply(
        f"已将{section.table}中未填写的 {len(zeros)} 格填为 0，已填写的数字保持不变。"
        "如是误操作，可点击“撤销”。",
        buttons=((Button("撤销", "u"),),),
    )
    position = replace(outcome.position, zeroed=tuple(zeros), zeroed_at=state.position.question)
    return replace(outcome, replies=(note, *outcome.replies), position=position, raw={})


def _undo_zero(state: ReportState) -> Outcome:
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


def _paste(state: ReportState, text: str) -> Outcome:
    """A table pasted whole: every row parsed and checked, the good ones saved together."""
    section = state.section
    asked = Position(state.position.question, state.position.resume)
    paste = parse_table(state.form, section, text, state.values)
    if not paste.accepted:
        # Another table pasted (表三 while 表二 is asked): take the one whose rows it names.
        others = [
            parse_table(state.form, s, text, state.values)
            for s in state.form.sections
            if s.layout != "text" and s.id != section.id
        ]
        best = max(others, key=lambda p: len(p.accepted), default=None)
        if best is not None and len(best.accepted) > 1:
            paste, section = best, best.section
            first = next(i for i, q in enumerate(state.questions) if q.section == section.id)
            state = replace(state, position=Position(first))
    if paste.problem:
        reply = Reply(f"未能保存：{paste.problem}", buttons=ask(state).buttons)
        return Outcome((reply,), state.position)
    values = paste.values
    updated = replace(state, values={**state.values, **values})
    lines = []
    refusals = paste.refusals()
    accepted = paste.accepted
    one_row = len(accepted) == 1 and not refusals and not paste.skipped
    if one_row and accepted[0].question is not None:  # one row typed with its label
        lines.append(row_saved_text(updated, accepted[0].question))
    elif values:
        lines.append(f"已从粘贴的内容填写{section.table} {len(accepted)} 行（{len(values)} 格）。")
        replaced = [
            row.label
            for row in accepted
            if any(state.values.get(f) not in (None, v) for f, v in row.values.items())
        ]
        if replaced:
            shown = "、".join(f"「{label}」" for label in replaced[:5])
            more = f"等 {len(replaced)} 行" if len(replaced) > 5 else ""
            lines.append(f"其中{shown}{more}原已填写，已改为粘贴的数字。")
    elif not refusals and any(row.totals for row in paste.rows):
        totals = "、".join(f"「{row.label}」" for row in paste.rows if row.totals)
        lines.append(f"{totals}为合计行，由各行自动计算，无需填写。")
    else:
        lines.append(f"粘贴的内容未能填写{section.table}的任何一行。")
    if refusals:
        lines.append(f"以下 {len(refusals)} 行未填写，请修改后重新发送这几行（可带行名）：")
        lines += refusals
    raw = {f: row.text.strip()[:200] for row in paste.accepted for f in row.values}
    questions = [i for i, q in enumerate(state.questions) if q.section == section.id]
    missing = [i for i in questions if not updated.answered(state.questions[i])]
    replies = [Reply("\n".join(lines))]
    if section.id != state.form.questions[asked.question].section:
        return _back_from_other_table(updated, section, replies, asked, values, raw)
    if missing:
        # On from the row asked (rows skipped before it stay skipped), else the first empty.
        ahead = [i for i in missing if i >= state.position.question]
        position = Position((ahead or missing)[0], state.position.resume)
        answered, count = section_progress(updated, section)
        if not one_row:  # a saved row's confirmation says it already
            replies[0] = Reply(f"{replies[0].text}\n{section.table}已填 {answered}/{count} 行。")
        replies.append(ask(replace(updated, position=position)))
        return Outcome(tuple(replies), position, values, raw)
    position = Position(questions[-1], state.position.resume)
    outcome = _advance(replace(updated, position=position), state.questions[questions[-1]], {})
    return Outcome((*replies, *outcome.replies), outcome.position, values, raw)


def _back_from_other_table(
    state: ReportState,
    section: Section,
    replies: list[Reply],
    asked: Position,
    values: dict[str, Value],
    raw: dict[str, str],
) -> Outcome:
    """Another table was pasted than the one asked: it is saved, then the question asked
    comes again (the tables between are not skipped)."""
    back = replace(state, position=asked)
    if _section_complete(state, section):
        replies += _table_done(back, section, asked.question)
    else:
        answered, count = section_progress(state, section)
        replies[0] = Reply(f"{replies[0].text}\n{section.table}已填 {answered}/{count} 行。")
    return Outcome((*replies, ask(back)), asked, values, raw)


def _after_section(state: ReportState, section: Section) -> int:
    indices = [i for i, q in enumerate(state.questions) if q.section == section.id]
    return indices[-1] + 1


def _is_last_of_section(state: ReportState, index: int) -> bool:
    questions = state.questions
    return index + 1 >= len(questions) or questions[index + 1].section != questions[index].section


def _section_complete(state: ReportState, section: Section) -> bool:
    return all(state.answered(q) for q in state.questions if q.section == section.id)


def section_findings(state: ReportState, section: Section) -> list[Finding]:
    """Relations among this table's cells (and with last year's report), once it is complete."""
    section_fields = {f.id for f in state.form.fields.values() if f.section == section.id}
    findings = state.findings()
    return [
        f
        for f in findings
        if f.check not in CONTENT_ONLY and f.fields and set(f.fields) <= section_fields
    ]
