"""The prompt for the member's place in the walkthrough: the question and its buttons, the
greeting on opening a report, and the summary once every question has been passed."""

from __future__ import annotations

from bot.chat.drafts import SHOW_DRAFT, drafts_for
from bot.chat.state import Button, Outcome, Position, Reply, ReportState
from bot.chat.views import previous_suggestion, progress, prompt_text

# 「生成报告」: shown by the walkthrough, carried out by the service (what /generate does).
GENERATE = "G"
BACK = Button("上一步", "b")
MENU = Button("目录", "M")


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
        buttons.append(text_buttons(state, question.fields[0]))
    else:
        row = [Button("跳过", "s"), Button("本表全部为0", "z")]
        if previous_suggestion(state, question):
            row.insert(0, Button("沿用上年结转数", "p"))
        buttons.append(tuple(row))
    nav = [MENU]
    if section.layout != "text":
        nav.insert(0, Button("查看整表", "T"))
    if state.position.question > 0:
        nav.insert(0, BACK)
    if state.position.resume is not None:
        nav.append(Button("返回原处", f"g{state.position.resume}"))
    buttons.append(tuple(nav))
    return Reply(prompt_text(state, question), buttons=tuple(buttons))


def text_buttons(state: ReportState, field_id: str) -> tuple[Button, ...]:
    """A text section's buttons: 完成, then 清空重写 once there is text (else 沿用上年内容
    when last year's report has some), and 按表格起草 when the tables give a draft."""
    buttons = [Button("完成", "d")]
    if state.values.get(field_id):
        buttons.append(Button("清空重写", "c"))
    elif state.previous and state.previous.get(field_id):
        buttons.append(Button("沿用上年内容", "p"))
    if drafts_for(state, field_id):
        buttons.append(Button("按表格起草", SHOW_DRAFT))
    return tuple(buttons)


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
    return Reply(text, buttons=((MENU, Button("生成报告", GENERATE)),))
