"""What the member sees, as functions of the report state: prompts, tables, progress, findings."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from bot.chat.state import Button, Reply, ReportState
from bot.core.checks import Finding, complete_values, numbered_messages
from bot.core.form import FieldDef, Question, ReportForm, Section
from bot.core.values import Value, format_value

# How much of a long narrative a prompt quotes back.
_QUOTE_CHARS = 300
# Jump buttons under one list of findings; more would bury the message.
_MAX_JUMP_BUTTONS = 8


def section_label(section: Section) -> str:
    return f"第{section.number}部分 {section.title}"


def progress(state: ReportState) -> tuple[int, int]:
    questions = state.questions
    return sum(state.answered(q) for q in questions), len(questions)


def prompt_text(state: ReportState, question: Question) -> str:
    form = state.form
    section = form.section(question.section)
    done, total = progress(state)
    header = f"【{state.year}年度 {section_label(section)}】 进度 {done}/{total}"
    if section.layout == "text":
        return _narrative_prompt(state, question, header)
    fields = [form.field(f) for f in question.fields]
    lines = [header, "", f"{section.table}「{question.label}」"]
    if len(fields) == 1:
        unit = fields[0].type.unit or "件"
        column = fields[0].column or "数字"
        lines.append(f"请填写{column}。" if unit in column else f"请填写{column}（单位：{unit}）。")
    else:
        names = "、".join(f.column or "" for f in fields)
        lines.append(f"请依次填写 {len(fields)} 个数：{names}。用空格分隔，全部为 0 可只填“0”。")
        if any(f.type.kind == "signed" for f in fields):
            lines.append("“本年增/减”可填 +2、-1 或 0。")
    if question.hint:
        lines.append(f"说明：{question.hint}")
    current = [state.values.get(f.id) for f in fields]
    if any(v is not None for v in current):
        shown = " ".join(
            "未填" if v is None else format_value(v, f.type)
            for v, f in zip(current, fields, strict=True)
        )
        lines.append(f"已填：{shown}（重新输入即可修改）")
    suggestion = previous_suggestion(state, question)
    if suggestion:
        shown = " ".join(format_value(suggestion[f.id], f.type) for f in fields)
        source = form.field(form.carried_over[fields[0].id])
        lines.append(f"上年报告“{row_name(source)}”为：{shown}")
    return "\n".join(lines)


def _narrative_prompt(state: ReportState, question: Question, header: str) -> str:
    field_id = question.fields[0]
    text = state.values.get(field_id) or ""
    lines = [header, "", question.label]
    if question.hint:
        lines.append(f"说明：{question.hint}")
    if text:
        assert isinstance(text, str)
        quoted = text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "……"
        lines += ["", f"已填写 {len(text)} 字：", quoted, ""]
        lines.append("发送文字将接在已有内容之后；点击“完成”进入下一部分，或“清空重写”。")
    else:
        lines.append("请发送本部分的文字，可分多条发送，发完后点击“完成”。")
        if state.previous and state.previous.get(field_id):
            lines.append("可点击“沿用上年内容”，以上年报告的本部分文字为基础修改。")
    return "\n".join(lines)


def previous_suggestion(state: ReportState, question: Question) -> dict[str, Value] | None:
    """Last year's figures this row must repeat (上年结转 = last year's 结转下年度), if known."""
    if not state.previous:
        return None
    sources = state.form.carried_over
    if not all(f in sources for f in question.fields):
        return None
    values = {f: state.previous.get(sources[f]) for f in question.fields}
    if any(not isinstance(v, int) for v in values.values()):
        return None
    return values  # type: ignore[return-value]


def row_name(field: FieldDef) -> str:
    """The row as a sentence quotes it: 四、结转下年度继续办理 → 结转下年度继续办理."""
    label = field.row or ""
    return label.split("、", 1)[1] if "、" in label[:3] else label


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def table_view(form: ReportForm, section: Section, values: Mapping[str, Value]) -> str:
    """The table so far, for a monospace block: computed totals included, blanks as ·."""
    completed = complete_values(form, values)
    if section.layout == "list":
        return "\n".join(
            f"{row.label}：{cells_text(form, row.fields, completed)}"
            for group in section.groups
            for row in group.rows
        )
    # Shown at the end of each table, on /preview and 查看整表: one pass over the cells.
    fields = form.fields
    rows = [
        ["·" if (v := completed.get(f)) is None else format_value(v, fields[f].type) for f in ids]
        for ids in section.grid
    ]
    headers = [c.head for c in section.columns]
    # Cells are digits, signs and "·" (one column each); headers are CJK (two columns each).
    widths = [max(_width(h), *(len(cells[i]) for cells in rows)) for i, h in enumerate(headers)]
    lines = [" ".join(map(_pad, headers, widths))]
    for cells, row in zip(rows, section.rows, strict=True):
        lines.append(f"{' '.join(map(str.rjust, cells, widths))}  {section.short_labels[row.id]}")
    legend = "、".join(f"{c.head}＝{c.label}" for c in section.columns if c.head != c.label)
    if legend:
        lines.append(f"（{legend}）")
    return "\n".join(lines)


def question_label(form: ReportForm, question: Question) -> str:
    """The question's row as narrow places name it (see `Section.short_labels`)."""
    section = form.section(question.section)
    row_id = question.id.removeprefix(f"{section.id}.")
    return section.short_labels.get(row_id, question.label) if section.rows else question.label


def column_name(field: FieldDef) -> str:
    """A column without its unit note: 本年收费金额（单位：万元） → 本年收费金额."""
    column = field.column or field.row or field.id
    return column.split("（单位", 1)[0]


def cell_text(form: ReportForm, field_id: str, value: Value | None) -> str:
    """One cell for a sentence: 本年制发件数 3, 本年收费金额 12.5 万元, 自然人 未填."""
    field = form.field(field_id)
    if value is None:
        return f"{column_name(field)} 未填"
    unit = f" {field.type.unit}" if field.type.kind == "amount" and field.type.unit else ""
    return f"{column_name(field)} {format_value(value, field.type)}{unit}"


def cells_text(form: ReportForm, field_ids: Iterable[str], values: Mapping[str, Value]) -> str:
    return "，".join(cell_text(form, f, values.get(f)) for f in field_ids)


def row_saved_text(state: ReportState, question: Question) -> str:
    """What an answered row confirms: the row, its figures (the row total with them), and how
    far the table is; the whole table comes when the table is done, or on request."""
    form = state.form
    section = form.section(question.section)
    if section.layout == "list":
        figures = cells_text(form, question.fields, state.values)
    else:
        completed = complete_values(form, state.values)
        row_id = question.id.removeprefix(f"{section.id}.")
        figures = "，".join(
            f"{c.head} {_cell(form, completed, section.cell_field(row_id, c.id))}"
            for c in section.columns
        )
    answered, count = section_progress(state, section)
    return f"已保存「{question.label}」：{figures}。{section.table}已填 {answered}/{count} 行。"


def _cell(form: ReportForm, values: Mapping[str, Value], field_id: str) -> str:
    value = values.get(field_id)
    return "·" if value is None else format_value(value, form.field(field_id).type)


def section_progress(state: ReportState, section: Section) -> tuple[int, int]:
    questions = [q for q in state.questions if q.section == section.id]
    return sum(state.answered(q) for q in questions), len(questions)


def status_text(state: ReportState, findings: Iterable[Finding]) -> str:
    findings = list(findings)
    done, total = progress(state)
    lines = [f"{state.agency}{state.year}年度报告 填写进度 {done}/{total}", ""]
    for section in state.form.sections:
        answered, count = section_progress(state, section)
        mark = "✅" if answered == count else ("⏳" if answered else "⬜")
        lines.append(f"{mark} {section_label(section)}：{answered}/{count}")
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    lines.append("")
    lines.append(
        f"尚有错误 {errors} 项、提示 {warnings} 项。" if findings else "校验通过，未发现问题。"
    )
    return "\n".join(lines)


def findings_text(findings: list[Finding], *, title: str) -> str:
    return "\n".join([title, *numbered_messages(findings)])


def blocked_reply(state: ReportState, findings: list[Finding], *, doing: str) -> Reply:
    """Why `doing` (生成, 提交) cannot happen yet: every finding, a button to each error."""
    errors = [f for f in findings if f.severity == "error"]
    title = f"暂不能{doing}：尚有 {len(errors)} 项错误需要修改（点击按钮直接修改）。"
    return Reply(findings_text(findings, title=title), buttons=tuple(jump_buttons(state, errors)))


def jump_buttons(state: ReportState, findings: Iterable[Finding]) -> list[tuple[Button, ...]]:
    """One button per question whose cells take part in the findings, in form order."""
    index = {f: i for i, q in enumerate(state.questions) for f in q.fields}
    targets: list[int] = []
    totals: list[str] = []
    for finding in findings:
        for field_id in finding.fields:
            position = index.get(field_id)
            if position is not None and position not in targets:
                targets.append(position)
            section = state.form.field(field_id).section
            if state.form.field(field_id).derived and section not in totals:
                totals.append(section)
    targets.sort()
    buttons = [
        Button(f"修改：{question_label(state.form, state.questions[i])}", f"f{i}")
        for i in targets[:_MAX_JUMP_BUTTONS]
    ]
    # A computed total cannot be typed: its parts are rows, so offer a pass over the table.
    for section_id in totals:
        first = next(i for i, q in enumerate(state.questions) if q.section == section_id)
        buttons.append(Button(f"逐行核对{state.form.section(section_id).table}", f"f{first}"))
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def menu_buttons(state: ReportState) -> list[tuple[Button, ...]]:
    rows = []
    for section in state.form.sections:
        answered, count = section_progress(state, section)
        mark = "✅" if answered == count else f"{answered}/{count}"
        rows.append((Button(f"{section.number} {section.title}（{mark}）", f"m{section.id}"),))
    return rows
