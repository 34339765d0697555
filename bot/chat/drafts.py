"""The paragraphs drafted from the tables, offered in a narrative step: accept, edit or ignore.

Accepting puts each drafted paragraph into the section: in place of the paragraph it drafted
before (the tables changed since), or at the end. Editing is copying the shown text, changing
it and sending it; ignoring is carrying on.
"""

from __future__ import annotations

from bot.chat.state import Button, Outcome, Reply, ReportState
from bot.core.checks import complete_values
from bot.core.narrative.drafting import OTHER_FIELD, DraftParagraph, draft_paragraphs, skeleton
from bot.core.values import ValueProblem, normalise_text

SHOW_DRAFT = "r"
ACCEPT_DRAFT = "a"
# Drafting asked of a table section (a forged request; no front end offers it there).
NOT_A_TEXT_SECTION = "该部分不是文字部分，无法起草。"


def drafts_for(state: ReportState, field_id: str) -> list[DraftParagraph]:
    """The drafted paragraphs of one text section from the report's current tables."""
    values = complete_values(state.form, state.values)
    drafts = draft_paragraphs(state.form, values, year=state.year)
    return [d for d in drafts if d.field == field_id]


def draft_reply(
    state: ReportState, field_id: str, buttons: tuple[tuple[Button, ...], ...]
) -> Reply:
    drafts = drafts_for(state, field_id)
    if not drafts:
        return Reply(_nothing_to_draft(field_id), buttons=buttons)
    text = "\n".join(d.text for d in drafts)
    notes = "".join(f"\n注意：{d.note}" for d in drafts if d.note)
    return Reply(
        "按表格数据起草如下（数字均取自表格）。点击“采用”放入本部分（已有的起草段落将被更新）；"
        f"如需修改，可复制后修改再发送；不需要则直接继续。{notes}",
        pre=text,
        buttons=((Button("采用", ACCEPT_DRAFT),), *buttons),
    )


def accept_draft(state: ReportState, field_id: str) -> Outcome:
    """The section's text with the drafted paragraphs put in, as an answer to save."""
    drafts = drafts_for(state, field_id)
    existing = state.values.get(field_id)
    current = existing if isinstance(existing, str) else ""
    if not drafts:
        return Outcome((Reply(_nothing_to_draft(field_id)),), state.position)
    merged = merge_drafts(current, drafts)
    try:
        merged = normalise_text(merged)
    except ValueProblem as exc:
        return Outcome((Reply(f"未能采用：{exc}。已填写的内容保持不变。"),), state.position)
    if merged == current:
        return Outcome(
            (Reply("本部分已包含按表格起草的段落，内容与表格一致，无需更新。"),), state.position
        )
    note = Reply(f"已采用按表格起草的段落（本部分共 {len(merged)} 字），可继续补充或修改。")
    return Outcome((note,), state.position, {field_id: merged})


def _nothing_to_draft(field_id: str) -> str:
    if field_id == OTHER_FIELD:
        return "本部分已说明信息处理费的收取情况，无需按表格起草。"
    return "表二至表四尚有未填写的单元格，暂不能按表格起草。填完表格后可回到本部分再试。"


def merge_drafts(text: str, drafts: list[DraftParagraph]) -> str:
    """Each drafted paragraph replaces the line it drafted before (same wording, other
    figures), or is added at the end."""
    lines = text.split("\n") if text else []
    for draft in drafts:
        shape = skeleton(draft.text)
        for index, line in enumerate(lines):
            if skeleton(line) == shape:
                lines[index] = draft.text
                break
        else:
            lines.append(draft.text)
    return "\n".join(lines)
