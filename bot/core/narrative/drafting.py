"""The paragraphs of 一、总体情况 that report the tables, and the 六 fee sentence, written
from the tables in the register of these reports.

Every figure is read from the (completed) tables and written in a phrasing `figures` reads
back, so a drafted paragraph passes the narrative check by construction (tested on every
sample) and a later change to a table shows as an out-of-date paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.core.fees import states_fee
from bot.core.form import ReportForm, ValueType
from bot.core.narrative.figures import sentences
from bot.core.narrative.topics import Topic, table_value, topics
from bot.core.values import Number, Value, format_value

OVERVIEW_FIELD = "s1.text"
OTHER_FIELD = "s6.text"

# The tables do not hold the 信息处理费 collected: the drafted sentence assumes none.
FEE_NOTE = (
    "表格中没有信息处理费的数据，此句按未收取起草；如本年度收取了信息处理费，"
    "请改为实际收取的金额（如“共收取信息处理费××元”）。"
)

# A topic's figure as the draft writes it; None while a cell it needs is not filled.
_Figure = Callable[[str], str | None]


@dataclass(frozen=True)
class DraftParagraph:
    """One drafted paragraph and the text section it belongs to."""

    field: str
    title: str
    text: str
    # What the office must check before using the paragraph (what the tables cannot say).
    note: str | None = None


def draft_paragraphs(
    form: ReportForm, values: Mapping[str, Value], *, year: int
) -> list[DraftParagraph]:
    """The paragraphs the tables support; a paragraph whose cells are not all filled is left
    out (it would have to guess), and so is the fee sentence once 六 states the fee."""
    known = topics(form)

    def figure(topic_id: str) -> str | None:
        number = table_value(known[topic_id], values)
        return None if number is None else _number(known[topic_id], number)

    drafts = []
    disclosure = _disclosure_paragraph(form, figure, year)
    if disclosure is not None:
        drafts.append(DraftParagraph(OVERVIEW_FIELD, "主动公开", disclosure))
    applications = _applications_paragraph(figure, year)
    if applications is not None:
        drafts.append(DraftParagraph(OVERVIEW_FIELD, "依申请公开", applications))
    other = values.get(OTHER_FIELD)
    if not (isinstance(other, str) and states_fee(other)):  # never a second, contrary one
        drafts.append(
            DraftParagraph(
                OTHER_FIELD,
                "信息处理费",
                f"{year}年，本机关严格落实《政府信息公开信息处理费管理办法》，"
                "未收取政府信息公开信息处理费。",
                FEE_NOTE,
            )
        )
    return drafts


def draft_text(drafts: list[DraftParagraph], field_id: str) -> str:
    """The drafted paragraphs of one section, one per line."""
    return "\n".join(d.text for d in drafts if d.field == field_id)


def drafted_skeletons(form: ReportForm, values: Mapping[str, Value], *, year: int) -> set[str]:
    """The drafted sentences with their figures taken out: how a sentence that was drafted
    (and has not been reworded since) is recognised after the tables changed."""
    return {
        skeleton(sentence)
        for draft in draft_paragraphs(form, values, year=year)
        for _, sentence in sentences(draft.text, full=True)
        if re.search(r"\d", sentence)
    }


def skeleton(sentence: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", "#", re.sub(r"\s", "", sentence))


def _number(topic: Topic, number: Number) -> str:
    if topic.unit == "件":
        return str(number)
    return format_value(number, ValueType("amount", topic.unit))


def _disclosure_paragraph(form: ReportForm, figure: _Figure, year: int) -> str | None:
    parts = []
    for kind in ("rules", "normative"):
        noun = next(f.row for f in form.fields.values() if f.id.startswith(f"s2.{kind}."))
        issued, repealed, in_force = (
            figure(f"{kind}.{verb}") if f"{kind}.{verb}" in topics(form) else None
            for verb in ("issued", "repealed", "in_force")
        )
        published = figure(f"{kind}.published") if f"{kind}.published" in topics(form) else None
        if issued is None or in_force is None:
            return None
        if "s2.rules.made" in form.fields:  # the 2019 format's columns
            parts.append(
                f"新制作{noun}{issued}件、新公开{noun}{published}件，"
                f"{noun}对外公开总数量{in_force}件"
            )
        else:
            parts.append(
                f"制发{noun}{issued}件、废止{noun}{repealed}件，现行有效{noun}{in_force}件"
            )
    decisions = []
    kinds = (("licensing", "行政许可"), ("penalty", "行政处罚"), ("enforcement", "行政强制"))
    for kind, word in kinds:
        number = figure(kind)
        if number is None:
            return None
        decisions.append(f"{word}决定{number}件")
    return (
        f"（一）主动公开情况。{year}年，本机关{'；'.join(parts)}。全年作出{'、'.join(decisions)}。"
    )


def _applications_paragraph(figure: _Figure, year: int) -> str | None:
    needed = (
        "new",
        "carried_in",
        "results",
        "disclosed",
        "partial",
        "withheld",
        "unavailable",
        "not_processed",
        "other_processing",
        "carried_out",
        "review",
        "suits",
    )
    numbers = {topic_id: figure(topic_id) for topic_id in needed}
    if any(n is None for n in numbers.values()):
        return None
    n = numbers
    text = (
        f"（二）依申请公开情况。{year}年，本机关新收政府信息公开申请{n['new']}件，"
        f"上年结转{n['carried_in']}件。"
    )
    if n["results"] == "0":
        text += "本年度未办结政府信息公开申请"
    else:
        text += (
            f"本年度办结{n['results']}件，其中予以公开{n['disclosed']}件，部分公开{n['partial']}件，"
            f"不予公开{n['withheld']}件，无法提供{n['unavailable']}件，"
            f"不予处理{n['not_processed']}件，其他处理{n['other_processing']}件"
        )
    text += f"；结转下年度继续办理{n['carried_out']}件。"
    return text + _appeals_sentence(figure, n["review"], n["suits"])


def _appeals_sentence(figure: _Figure, review: str, suits: str) -> str:
    if review == "0" and suits == "0":
        return "本年度未发生政府信息公开行政复议、行政诉讼案件。"
    clauses = []
    for key, word in (("review", "行政复议"), ("suits", "行政诉讼")):
        total = review if key == "review" else suits
        if total == "0":
            clauses.append(f"未发生政府信息公开{word}")
            continue
        results = "、".join(
            f"{label}{figure(f'{key}.{column}')}件"
            for column, label in (
                ("upheld", "结果维持"),
                ("corrected", "结果纠正"),
                ("other", "其他结果"),
                ("pending", "尚未审结"),
            )
        )
        clauses.append(f"发生政府信息公开{word}{total}件，其中{results}")
    return f"本年度{'；'.join(clauses)}。"
