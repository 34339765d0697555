"""Sentences planted into the real reports' narratives, in every phrasing the check reads.

Each plant names the topic it states and a template; `{n}` becomes the table's figure (a
correct plant) or a wrong one. `python -m tests.core.narrative_plants` prints the table of
docs/checks.md from the same data the tests use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.checks import check_values, complete_values
from bot.core.narrative.topics import table_value, topics
from bot.core.values import Value

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
SAMPLE_PATHS = sorted(SAMPLES.glob("*.yaml"))
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CN_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Plant:
    topic: str
    template: str
    section: str = "s1.text"
    # 2019 or 2021 format only (the 表二 columns differ).
    kind: str | None = None


PLANTS = (
    Plant("new", "本年度共受理政府信息公开申请{n}件。"),
    Plant("new", "全年收到政府信息公开申请共计{n}件，均已按期答复。"),
    Plant("new", "本机关接收政府信息公开申请{n}件。", "s6.text"),
    Plant("new", "新收政府信息公开申请{n}件。", "s5.text"),
    Plant("new", "全年共收到公民、法人和其他组织提出的政府信息公开申请{n}件。"),
    Plant("carried_in", "上年结转政府信息公开申请{n}件。"),
    Plant("carried_in", "办理中含上年度结转申请{n}件。"),
    Plant("carried_out", "结转下年度继续办理{n}件。"),
    Plant("carried_out", "结转下年度（继续办理）{n}件。"),
    Plant("carried_out", "另有{n}件结转至下一年度办理。"),
    Plant("results", "全年办结政府信息公开申请{n}件。"),
    Plant("results", "依法答复{n}件。"),
    Plant("results", "按期办理{n}件。"),
    Plant("disclosed", "其中予以公开{n}件。"),
    Plant("partial", "部分公开{n}件。"),
    Plant("disclosed_or_partial", "予以公开及部分公开{n}件。"),
    Plant("withheld", "不予公开{n}件。"),
    Plant("unavailable", "无法提供{n}件。"),
    Plant("not_processed", "不予处理{n}件。"),
    Plant("other_processing", "其他处理{n}件。"),
    Plant("review", "发生政府信息公开行政复议{n}件。"),
    Plant("review", "因政府信息公开被申请行政复议{n}起。"),
    Plant("review.upheld", "政府信息公开行政复议案件中，结果维持{n}件。"),
    Plant("review.pending", "涉及信息公开的行政复议尚未审结{n}件。"),
    Plant("suits", "被提起政府信息公开行政诉讼{n}件。"),
    Plant("suits.corrected", "政府信息公开行政诉讼中结果纠正{n}件。"),
    Plant("suits.other", "信息公开行政诉讼其他结果{n}件。"),
    Plant("rules.issued", "本年度制发规章{n}件。", kind="gov-disclosure-2021"),
    Plant("rules.repealed", "废止规章{n}件。", kind="gov-disclosure-2021"),
    Plant("normative.issued", "印发行政规范性文件{n}件。", kind="gov-disclosure-2021"),
    Plant("normative.repealed", "清理规范性文件，废止{n}件。", kind="gov-disclosure-2021"),
    Plant("normative.in_force", "现行有效规范性文件{n}件。", kind="gov-disclosure-2021"),
    Plant("rules.issued", "本年新制作规章{n}件。", kind="gov-disclosure-2019"),
    Plant("normative.published", "新公开规范性文件{n}件。", kind="gov-disclosure-2019"),
    Plant("normative.in_force", "规范性文件对外公开总数量{n}件。", kind="gov-disclosure-2019"),
    Plant("licensing", "全年作出行政许可决定{n}件。"),
    Plant("penalty", "行政处罚决定{n}件。"),
    Plant("enforcement", "行政强制{n}件。"),
    Plant("fees", "行政事业性收费{n}万元。", kind="gov-disclosure-2021"),
)

# Figures that are not about the tables: never compared, whatever their value.
NOT_ABOUT_THE_TABLES = (
    "依申请公开按时答复率100%，满意率达98.5%。",
    "《办法》自2024年1月1日起施行，统计期限至12月31日。",
    "受理人大代表建议5件、政协提案3件。",
    "全年收到信访申请12件。",
    "市政府作为复议机关，全年收到行政复议申请300件。",
    "各部门共受理政府信息公开申请888件。",
    "2023年受理政府信息公开申请77件。",
    "申请数量同比增加6件。",
    "主动公开政府信息5500余件。",
    "公开行政处罚信息420条。",
    "在网站公开行政处罚决定123件。",
    "受理政务服务事项申请45678件。",
    "新增公开市政府政策性文件11件。",
    "全年承办人大代表建议和政协提案86件，其中人大代表建议办理45件。",
    "全年12345热线工单办理3200件。",
    "政府网站网民留言答复560件。",
)


def chinese(number: int) -> str:
    """A count in Chinese numerals, as reports write it: 258 → 二百五十八, 3119 → 三千一百一十九."""
    if number < 10_000:
        text = _below_ten_thousand(number)
        return text[1:] if text.startswith("一十") else text
    high, low = divmod(number, 10_000)
    text = chinese(high) + "万"
    if low:
        text += ("零" if low < 1000 else "") + _below_ten_thousand(low)
    return text


def _below_ten_thousand(number: int) -> str:
    if number == 0:
        return "零"
    text, pending_zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            text += ("零" if pending_zero else "") + _CN_DIGITS[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text


def full_width(number: int | Decimal) -> str:
    return str(number).translate(_FULL_WIDTH)


def wrong(number: int | Decimal) -> int | Decimal:
    """A figure off by one (or by 0.1 for an amount)."""
    return number + (Decimal("0.1") if isinstance(number, Decimal) else 1)


def samples() -> list[AnswersFile]:
    return [load_answers(p) for p in SAMPLE_PATHS]


def plants_for(answers: AnswersFile) -> Iterator[Plant]:
    known = topics(answers.form)
    for plant in PLANTS:
        if plant.kind in (None, answers.kind) and plant.topic in known:
            yield plant


def planted(answers: AnswersFile, plant: Plant, sentence: str) -> dict[str, Value]:
    """The sample's values with `sentence` added at the end of the plant's section."""
    values = complete_values(answers.form, parse_answers(answers).values)
    values[plant.section] = f"{values.get(plant.section, '')}\n{sentence}"
    return values


def table_figure(answers: AnswersFile, plant: Plant) -> int | Decimal:
    values = complete_values(answers.form, parse_answers(answers).values)
    figure = table_value(topics(answers.form)[plant.topic], values)
    assert figure is not None
    return figure


def narrative_findings(answers: AnswersFile, values: dict[str, Value]) -> list:
    return check_values(
        answers.form, values, year=answers.year, checks={"narrative_figures", "draft_outdated"}
    )


def _table() -> str:
    lines = [
        "| Sample | Phrasings planted | Wrong figures found | Correct figures flagged |",
        "| --- | --- | --- | --- |",
    ]
    for answers in samples():
        base = len(narrative_findings(answers, planted(answers, PLANTS[0], "")))
        plants = list(plants_for(answers))
        found = flagged = 0
        for plant in plants:
            figure = table_figure(answers, plant)
            bad = planted(answers, plant, plant.template.format(n=wrong(figure)))
            good = planted(answers, plant, plant.template.format(n=figure))
            found += len(narrative_findings(answers, bad)) - base == 1
            flagged += len(narrative_findings(answers, good)) != base
        lines.append(
            f"| {answers.agency} {answers.year} | {len(plants)} | {found}/{len(plants)} | "
            f"{flagged} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(_table())
