"""A table pasted whole during the walkthrough (bot.chat.table_paste reads it): the good rows
saved together, the refused ones named, then on to the next empty row — or back to the
question asked when another table was pasted."""

from __future__ import annotations

from dataclasses import replace

from bot.chat.after_answer import advance, section_complete, table_done
from bot.chat.prompts import ask
from bot.chat.state import Outcome, Position, Reply, ReportState
from bot.chat.table_paste import parse_table
from bot.chat.views import row_saved_text, section_progress
from bot.core.form import Section
from bot.core.values import Value


def answer_paste(state: ReportState, text: str) -> Outcome:
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
    outcome = advance(replace(updated, position=position), state.questions[questions[-1]], {})
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
    if section_complete(state, section):
        replies += table_done(back, section, asked.question)
    else:
        answered, count = section_progress(state, section)
        replies[0] = Reply(f"{replies[0].text}\n{section.table}已填 {answered}/{count} 行。")
    return Outcome((*replies, ask(back)), asked, values, raw)
