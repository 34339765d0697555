"""The narrative checks: figures against the tables, the year, copied text, stale drafts.

Each check takes the form, the completed values and a `CheckContext` (last year's report,
the report year, other organisations' texts of that year) and returns findings in the shape
of `bot.core.checks` (stable id, warning, fields, a Chinese message quoting the sentence).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.core.context import CheckContext, ContextCheck
from bot.core.findings import Finding
from bot.core.form import ReportForm
from bot.core.narrative.drafting import drafted_skeletons, skeleton
from bot.core.narrative.figures import StatedFigure, sentences, stated_figures, without_figures
from bot.core.narrative.numerals import chinese_to_int
from bot.core.narrative.peer_index import OtherOffices, PeerIndex
from bot.core.narrative.similarity import repeated_share
from bot.core.narrative.topics import agrees, table_value
from bot.core.values import Value

# The scoring sheets deduct above this share of repeated text.
COPIED_SHARE = 0.5
_QUOTE_CHARS = 60
_WRONG_YEAR = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]+[）)])?\s*"
    r"(?P<year>\d{4}|[〇○零一二三四五六七八九]{4})\s*年度?"
    r"(?=[，,]|全年|共|本机关|本单位|我[局委办厅区市县镇乡]|全[市区县镇乡])"
)
_PERIOD = re.compile(r"自\s*(?P<year>\d{4})\s*年\s*1\s*月\s*1\s*日")
# A sentence dated last year on purpose: last year's problems and how they were put right
# (五 often opens with 上年度问题整改情况), last year's evaluation, or a sentence that also
# names this year (2023年…的问题，今年已整改到位).
_ABOUT_AN_EARLIER_YEAR = re.compile(r"整改|问题|评估|考核|评议|排名|位列|今年")


def narrative_figures(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    """Every figure a text section states about the tables, against the tables."""
    findings = []
    for field_id, heading, figure, in_table in _disagreements(form, values, context):
        findings.append(
            Finding(
                "narrative_figures",
                "warning",
                (field_id, *figure.topic.cells),
                f"「{heading}」中“{_quote(figure)}”写明“{figure.phrase}”，"
                f"但{figure.topic.label}为 {in_table}，相差 {abs(figure.value - in_table)}，"
                "请核对文字与表格是否一致。",
            )
        )
    return findings


def draft_outdated(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    """A drafted sentence whose figures the tables no longer support."""
    if context.year is None:
        return []
    findings = []
    for field_id, heading, sentence, wrong, _ in _stale_drafts(form, values, context):
        cells = tuple(c for figure, _ in wrong for c in figure.topic.cells)
        changes = "；".join(
            f"“{figure.phrase}”，{figure.topic.label}现为 {in_table}" for figure, in_table in wrong
        )
        findings.append(
            Finding(
                "draft_outdated",
                "warning",
                (field_id, *cells),
                f"「{heading}」中按表格起草的文字与表格已不一致：“{_clip(sentence)}”中"
                f"{changes}。可能是起草后表格有改动，请重新按表格起草该段，或据实修改。",
            )
        )
    return findings


def narrative_year(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    """A sentence about the year's work dated another year: 2023年，本机关共收到… in 2024."""
    if context.year is None:
        return []
    findings = []
    for field_id, heading, text in _texts(form, values):
        for _, sentence in sentences(text):
            match = _WRONG_YEAR.search(sentence) or _PERIOD.search(sentence)
            if match is None:
                continue
            written = match.group("year")
            stated = int(written) if written.isdigit() else chinese_to_int(written)
            if stated >= context.year or _looks_back(sentence, context.year):
                continue
            findings.append(
                Finding(
                    "narrative_year",
                    "warning",
                    (field_id,),
                    f"「{heading}」中“{_clip(sentence.strip())}”写的是 {stated} 年，"
                    f"而本报告为 {context.year} 年度报告；"
                    "请核实是否沿用了以前年度报告的文字而未改年份。",
                )
            )
    return findings


def _looks_back(sentence: str, year: int) -> bool:
    """The sentence speaks of an earlier year on purpose, not as this year's work."""
    return bool(_ABOUT_AN_EARLIER_YEAR.search(sentence)) or str(year) in sentence


def copied_from_last_year(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    if context.previous is None:
        return []
    findings = []
    for field_id, heading, text in _texts(form, values):
        last = context.previous.get(field_id)
        if not isinstance(last, str):
            continue
        share = repeated_share(_prose(form, text), _prose(form, last))
        if share > COPIED_SHARE:
            findings.append(
                Finding(
                    "copied_from_last_year",
                    "warning",
                    (field_id,),
                    f"「{heading}」与上年报告相同的文字约占 {share:.0%}，超过 50%；"
                    "评议中按重复率扣分，不得出现年年雷同现象，请结合本年度工作实际重新撰写。",
                )
            )
    return findings


def copied_from_peers(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext, spec: Mapping[str, Any]
) -> list[Finding]:
    peers = context.peers
    if not peers:  # none given (the stored standing leaves this check out)
        return []
    offices = peers if isinstance(peers, OtherOffices) else OtherOffices(PeerIndex.of(peers))
    findings = []
    for field_id, heading, text in _texts(form, values):
        shares = offices.copies(form, field_id, text, lambda t: _prose(form, t), above=COPIED_SHARE)
        copied = sorted(shares, reverse=True)
        if not copied:
            continue
        share, agency = copied[0]
        others = f"等 {len(copied)} 家单位" if len(copied) > 1 else ""
        findings.append(
            Finding(
                "copied_from_peers",
                "warning",
                (field_id,),
                f"「{heading}」与同年度「{agency}」{others}报告的相同文字"
                f"约占 {share:.0%}，超过 50%；"
                "请结合本单位实际撰写，避免照搬其他单位的报告。",
            )
        )
    return findings


def _prose(form: ReportForm, text: str) -> str:
    """The text without the sentences that recite the tables (申请 3 件, 行政复议 2 件): their
    wording is dictated by the format and their figures by the tables (or by a draft), so
    they are not what the scoring sheets count as copied."""
    return without_figures(form, text)


def _texts(form: ReportForm, values: Mapping[str, Value]) -> list[tuple[str, str, str]]:
    """(field id, section heading, text) of every filled text section."""
    result = []
    for section in form.sections:
        text = values.get(section.text_field) if section.text_field else None
        if isinstance(text, str) and text.strip():
            result.append((section.text_field, section.heading, text))  # type: ignore[arg-type]
    return result


def _figures_with_tables(
    form: ReportForm, values: Mapping[str, Value], text: str, year: int | None
) -> list[tuple[StatedFigure, Any]]:
    found = []
    for figure in stated_figures(form, text, year=year):
        in_table = table_value(figure.topic, values)
        if in_table is not None:
            found.append((figure, in_table))
    return found


def _stale_drafts(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext
) -> list[tuple[str, str, str, list[tuple[StatedFigure, Any]], range]]:
    """(field, heading, sentence, figures that disagree, where) for each drafted sentence
    gone stale; worked out once per run of the checks (two checks use it)."""
    assert context.year is not None
    if "stale_drafts" not in context.worked_out:
        context.worked_out["stale_drafts"] = _find_stale_drafts(form, values, context.year)
    return context.worked_out["stale_drafts"]  # type: ignore[no-any-return]


def _find_stale_drafts(
    form: ReportForm, values: Mapping[str, Value], year: int
) -> list[tuple[str, str, str, list[tuple[StatedFigure, Any]], range]]:
    texts = _texts(form, values)
    if not texts:  # nothing written yet: no sentence to have gone stale
        return []
    drafted = drafted_skeletons(form, values, year=year)
    stale = []
    for field_id, heading, text in texts:
        for offset, sentence in sentences(text, full=True):
            if skeleton(sentence) not in drafted:
                continue
            pairs = _figures_with_tables(form, values, sentence, year)
            wrong = [(f, t) for f, t in pairs if not agrees(f.value, t)]
            if wrong:
                where = range(offset, offset + len(sentence))
                stale.append((field_id, heading, sentence.strip(), wrong, where))
    return stale


def _disagreements(
    form: ReportForm, values: Mapping[str, Value], context: CheckContext
) -> list[tuple[str, str, StatedFigure, Any]]:
    """Figures that disagree with the tables, outside drafted sentences gone stale (those are
    reported once, as `draft_outdated`)."""
    stale: list[tuple[str, range]] = []
    if context.year is not None:
        stale = [(f, where) for f, _, _, _, where in _stale_drafts(form, values, context)]
    result = []
    for field_id, heading, text in _texts(form, values):
        for figure, in_table in _figures_with_tables(form, values, text, context.year):
            drafted = any(f == field_id and figure.start in where for f, where in stale)
            if drafted or agrees(figure.value, in_table) or _agrees_otherwise(figure, values):
                continue
            result.append((field_id, heading, figure, in_table))
    return result


def _agrees_otherwise(figure: StatedFigure, values: Mapping[str, Value]) -> bool:
    """The figure is right in the other reading its words allow (办理 = 新收 + 上年结转)."""
    if figure.also is None:
        return False
    in_table = table_value(figure.also, values)
    return in_table is not None and agrees(figure.value, in_table)


def _quote(figure: StatedFigure) -> str:
    """The sentence around the figure, clipped to a readable length."""
    return _clip(figure.sentence, around=figure.phrase)


def _clip(sentence: str, *, around: str | None = None) -> str:
    sentence = re.sub(r"\s+", " ", sentence).strip().rstrip("。；;")
    if len(sentence) <= _QUOTE_CHARS:
        return sentence
    at = sentence.find(around) if around else 0
    start = max(0, min(at - 20, len(sentence) - _QUOTE_CHARS))
    clipped = sentence[start : start + _QUOTE_CHARS]
    return ("…" if start else "") + clipped + ("…" if start + _QUOTE_CHARS < len(sentence) else "")


CONTEXT_CHECKS: dict[str, ContextCheck] = {
    "narrative_figures": narrative_figures,
    "draft_outdated": draft_outdated,
    "narrative_year": narrative_year,
    "copied_from_last_year": copied_from_last_year,
    "copied_from_peers": copied_from_peers,
}
