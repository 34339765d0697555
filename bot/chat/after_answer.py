"""What follows an answer (or a skip): the row saved, the table so far, the table's checks
once it is complete, and the next prompt — or, after a fix, the remaining findings or the way
back to where the member was."""

from __future__ import annotations

from dataclasses import replace

from bot.chat.prompts import ask
from bot.chat.state import Button, Outcome, Position, Reply, ReportState
from bot.chat.views import (
    findings_text,
    jump_buttons,
    row_saved_text,
    section_progress,
    table_view,
)
from bot.core.checks import Finding
from bot.core.form import Question, RelationInstance, Section
from bot.core.values import Value

# Checks of content (a cell left blank, a text section empty) rather than of relations
# among cells: what is shown as a table or a text is answered leaves them out (/generate
# and /status show them).
CONTENT_ONLY = {"no_blank_cells", "required_text"}


def advance(state: ReportState, question: Question, changes: dict[str, Value]) -> Outcome:
    """After an answer (or a skip): the table so far, the table's checks when it is complete,
    and the next prompt — or, after a fix, the remaining findings or the way back."""
    section = state.form.section(question.section)
    position = state.position
    replies: list[Reply] = []
    last_of_section = _is_last_of_section(state, position.question)
    filled = section.layout != "text" and section_complete(state, section)
    # The table's last empty row was just filled (e.g. the one a paste refused): the table
    # is done even if rows follow this one.
    finishing = filled and (last_of_section or position.resume is None)
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
            if findings == [] and filled and _checkable(state, section):
                replies.append(Reply(f"{section.table}的勾稽关系已相符，回到原来的位置继续。"))
            else:
                replies.append(Reply("已修改，回到原来的位置继续。"))
            next_position = Position(position.resume)
    else:
        next_position = Position(position.question + 1)
        if finishing:
            next_position = Position(_after_section(state, section))
            replies += table_done(state, section, next_position.question)
    moved = replace(state, position=next_position)
    replies.append(ask(moved))
    return Outcome(tuple(replies), next_position, changes)


def table_reply(state: ReportState, section: Section, title: str = "") -> Reply:
    answered, count = section_progress(state, section)
    heading = title or f"{section.table}当前填写情况（已填 {answered}/{count} 行）："
    return Reply(heading, pre=table_view(state.form, section, state.values))


def table_done(state: ReportState, section: Section, resume: int) -> list[Reply]:
    """A table just completed: the whole table, then what its checks found (or that they
    agree, where there was something to check)."""
    findings = section_findings(state, section)
    if findings:
        return [
            table_reply(state, section, f"{section.table}已填完："),
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
    return [table_reply(state, section, verdict)]


def _relations_of(state: ReportState, section: Section) -> list[RelationInstance]:
    fields = state.form.section_fields(section.id)
    return [r for r in state.form.relations if fields.issuperset(r.current_fields)]


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


def _after_section(state: ReportState, section: Section) -> int:
    indices = [i for i, q in enumerate(state.questions) if q.section == section.id]
    return indices[-1] + 1


def _is_last_of_section(state: ReportState, index: int) -> bool:
    questions = state.questions
    return index + 1 >= len(questions) or questions[index + 1].section != questions[index].section


def section_complete(state: ReportState, section: Section) -> bool:
    return all(state.answered(q) for q in state.questions if q.section == section.id)


def section_findings(state: ReportState, section: Section) -> list[Finding]:
    """Relations among this table's cells (and with last year's report), once it is complete."""
    section_fields = state.form.section_fields(section.id)
    findings = state.findings()
    return [
        f
        for f in findings
        if f.check not in CONTENT_ONLY and f.fields and section_fields.issuperset(f.fields)
    ]
