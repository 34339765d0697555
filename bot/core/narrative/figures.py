"""The figures a narrative states about the tables, found by the phrasings reports use.

Each phrasing names a topic (a cell or a sum of cells of tables 二, 三 and 四). A figure is
taken only when it is written as a count of that topic (申请 3 件, 行政复议 2 件, 规章 1 件):
percentages, dates, approximations (5500 余件), figures of another year and figures about
something else (行政复议申请 received by a review body, every department's applications) are
left alone. Hand-written patterns: no library reads these reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from bot.core.form import ReportForm
from bot.core.narrative.numerals import NUMBER, chinese_to_int, parse_number
from bot.core.narrative.topics import DECISION_KINDS, Topic, form_key, topics, topics_of
from bot.core.values import Number

# What may stand between a phrase and its figure: 受理申请共计 3 件, 予以公开的为 5 件.
_FILL = r"(?:\s|的|为|达|共|计|合|总|数量|是|有|了|全部|均|已|：|:)*"
_N = rf"\s*(?P<n>{NUMBER})\s*"
_UNIT = r"(?:件|起|宗)"
# 结转下年度, or 结转至2025年(度): the year is checked to be the one after the report's.
_NEXT_YEAR = r"(?:下一?年度?|(?P<next>\d{4})\s*年度?)"
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_FULL_STOP = re.compile(r"[。！!？?\n]")
_YEAR = re.compile(r"(\d{4}|[〇○零一二三四五六七八九]{4})\s*年")
# A sentence dated as a whole: 2023年，… / （一）2023年度，… / 2023年12月，…
_DATED_SENTENCE = re.compile(
    r"\s*(?:[（(][一二三四五六七八九十]+[）)])?\s*(\d{4}|[〇○零一二三四五六七八九]{4})\s*年"
    r"(?:度|底|末|\d{1,2}月(?:\d{1,2}日)?)?\s*[，,]"
)
# Words that make a matched phrase a comparison or an approximation, not a count.
_NOT_A_COUNT = re.compile(
    r"同比|较上年|比上年|去年|上年同期|增加|减少|增长|下降|余|多|约|近|超过|以上|左右"
)
# A figure of other units than the reporting office: 各部门共受理申请 300 件.
_OTHER_UNITS = re.compile(r"各部门|各乡镇|各街道|各单位|各县|各区|下属")

# Table 四 counts reviews and suits about this office's disclosure: a review body's 收到行政复议
# 申请 300 件 is not one of them unless the sentence ties it to 信息公开.
_ABOUT_DISCLOSURE = re.compile(r"信息公开|依申请|被申请|被提起|被诉|引发|引起")
# What may stand between 收到 and 申请 in 收到…申请 N 件: 政府信息公开, 依申请公开, 各类. A
# 行政许可申请, 行政复议申请 or 信访申请 is not a 政府信息公开申请.
_APPLICATION_KIND = re.compile(r"公开|^(?:共|各类|全年|了|的|相关|有关|\s)*$")
_NOT_AN_APPLICATION = re.compile(r"复议|诉讼|信访|建议|提案|投诉|举报|许可")
# 办结/答复/办理 N 件 count applications unless the sentence has since turned to another
# subject: 人大代表建议办理 45 件, 热线工单办理 3200 件, 网民留言答复 560 件.
_APPLICATIONS = re.compile(r"申请|信息公开")
_OTHER_SUBJECT = re.compile(
    r"建议|提案|热线|工单|留言|诉求|信访|来信|来访|咨询|行政复议|行政诉讼|许可|审批"
)
# 办理 N 件 not followed by 完毕/完成: the applications handled, which may include 上年结转.
_HANDLED = re.compile(r"办理(?!完毕|完成)")
# 公开行政处罚决定 200 件 counts what was published; 表二 counts every decision.
_PUBLISHED = ("公开", "公示", "公布")


@dataclass(frozen=True)
class StatedFigure:
    topic: Topic
    value: Number
    phrase: str
    sentence: str
    start: int
    end: int
    # Another reading the words allow: 共办理申请 N 件（含上年结转）is 新收 + 上年结转.
    also: Topic | None = None


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    topic: str
    # The topic depends on the subject named earlier in the sentence (行政复议 … 其中结果维持).
    subject: str | None = None
    negation: bool = False


def _compile(pattern: str) -> re.Pattern[str]:
    for name, part in (("{F}", _FILL), ("{N}", _N), ("{U}", _UNIT), ("{NEXT}", _NEXT_YEAR)):
        pattern = pattern.replace(name, part)
    return re.compile(pattern)


_PATTERNS: tuple[_Pattern, ...] = (
    _Pattern(
        _compile(r"(?:受理|收到|接收|新收|接到)了?(?P<gap>[^，。；,;：:（(]{0,24}?)申请{F}{N}{U}"),
        "new",
    ),
    _Pattern(_compile(r"上一?年度?结转的?(?:政府信息公开)?(?:申请)?{F}{N}{U}"), "carried_in"),
    _Pattern(
        _compile(r"结转(?:至|到)?{NEXT}[（(]?(?:继续办理|继续|办理)?[）)]?的?(?:申请)?{F}{N}{U}"),
        "carried_out",
    ),
    _Pattern(
        _compile(r"{N}{U}(?:申请)?[^，。；\d]{0,4}?(?:结转|顺延|转入)(?:至|到)?{NEXT}"),
        "carried_out",
    ),
    _Pattern(
        _compile(
            r"(?:办结|答复|(?<!继续)办理(?:完毕|完成)?)了?(?:政府信息公开)?(?:申请)?{F}{N}{U}"
        ),
        "results",
    ),
    _Pattern(_compile(r"予以公开(?:及|和|与|、)部分公开的?{F}{N}{U}"), "disclosed_or_partial"),
    _Pattern(_compile(r"(?:予以公开|同意公开|全部公开)的?{F}{N}{U}"), "disclosed"),
    _Pattern(_compile(r"{N}{U}(?:申请)?(?:为|属于)?(?:予以公开|同意公开|全部公开)"), "disclosed"),
    _Pattern(_compile(r"部分公开的?{F}{N}{U}"), "partial"),
    _Pattern(_compile(r"{N}{U}(?:申请)?(?:为|属于)?部分公开"), "partial"),
    _Pattern(_compile(r"不予公开的?{F}{N}{U}"), "withheld"),
    _Pattern(_compile(r"{N}{U}(?:申请)?(?:为|属于)?不予公开"), "withheld"),
    _Pattern(_compile(r"无法提供的?{F}{N}{U}"), "unavailable"),
    _Pattern(_compile(r"{N}{U}(?:申请)?(?:为|属于)?无法提供"), "unavailable"),
    _Pattern(_compile(r"不予处理的?{F}{N}{U}"), "not_processed"),
    _Pattern(_compile(r"{N}{U}(?:申请)?(?:为|属于)?不予处理"), "not_processed"),
    _Pattern(_compile(r"其他处理的?{F}{N}{U}"), "other_processing"),
    _Pattern(_compile(r"行政复议(?:案件|申请)?{F}{N}{U}"), "review"),
    _Pattern(_compile(r"行政诉讼(?:案件)?{F}{N}{U}"), "suits"),
    _Pattern(_compile(r"(?:结果维持|维持)的?{F}{N}{U}"), "upheld", subject="appeal"),
    _Pattern(_compile(r"(?:结果纠正|被?纠正|被?纠错)的?{F}{N}{U}"), "corrected", subject="appeal"),
    _Pattern(_compile(r"其他结果的?{F}{N}{U}"), "other", subject="appeal"),
    _Pattern(_compile(r"(?:尚未审结|未审结|尚未结案)的?{F}{N}{U}"), "pending", subject="appeal"),
    _Pattern(
        _compile(
            r"(?P<verb>制发|印发|出台|制定|新制作|新公开|废止|废除|现行有效|对外公开总数量?)的?"
            r"[^，。；、\d]{0,6}?(?P<noun>规章|规范性文件){F}{N}{U}"
        ),
        "document",
    ),
    _Pattern(
        _compile(r"(?P<noun>规章|规范性文件)(?P<verb>对外公开总数量?|现行有效){F}{N}{U}"),
        "document",
    ),
    _Pattern(
        _compile(r"(?P<verb>制发|印发|出台|新制作|新公开|废止|废除|现行有效){F}{N}{U}"),
        "document",
        subject="document",
    ),
    _Pattern(
        _compile(r"行政(?P<kind>许可|处罚|强制)(?:处理)?(?:决定)?书?(?:数量)?{F}{N}{U}"),
        "decisions",
    ),
    _Pattern(
        _compile(r"行政事业性收费(?:金额)?{F}{N}(?P<money>万元|元)"),
        "fees",
    ),
    _Pattern(
        re.compile(
            r"(?:未|没有)(?P<verb>发生|产生|出现|收到|受理|接到|有|办结)(?P<what>[^，。；]{0,20})"
        ),
        "none",
        negation=True,
    ),
)

_SUBJECTS = {
    "appeal": re.compile(r"行政复议|行政诉讼"),
    "document": re.compile(r"规章|规范性文件"),
}
_VERB_CLASSES = {
    "制发": "issued",
    "印发": "issued",
    "出台": "issued",
    "制定": "issued",
    "新制作": "issued",
    "新公开": "published",
    "废止": "repealed",
    "废除": "repealed",
    "现行有效": "in_force",
    "对外公开总数": "in_force",
    "对外公开总数量": "in_force",
}


def sentences(text: str, *, full: bool = False) -> Iterator[tuple[int, str]]:
    """(offset, sentence) for each sentence, split at 。；！？ and line ends (`full`: not at
    ；, so that a sentence of several clauses stays whole)."""
    start = 0
    for match in (_FULL_STOP if full else _SENTENCE_END).finditer(text):
        if text[start : match.start()].strip():
            yield start, text[start : match.end()]
        start = match.end()
    if text[start:].strip():
        yield start, text[start:]


def stated_figures(form: ReportForm, text: str, *, year: int | None = None) -> list[StatedFigure]:
    """The figures `text` states about the tables, in order; overlapping phrasings resolved in
    favour of the one that starts first and is longest (予以公开及部分公开 over 部分公开)."""
    topics(form)
    return list(_stated_figures(form_key(form), text, year))


def without_figures(form: ReportForm, text: str) -> str:
    """The text without the sentences that state figures about the tables."""
    topics(form)
    return _without_figures(form_key(form), text)


@lru_cache(maxsize=4096)
def _without_figures(key: tuple[str, Path], text: str) -> str:
    return "".join(s for _, s in sentences(text) if not _stated_figures(key, s, None))


# Texts are read again at every check (and other offices' texts at every check of each
# office): the figures of a text are kept.
@lru_cache(maxsize=4096)
def _stated_figures(key: tuple[str, Path], text: str, year: int | None) -> tuple[StatedFigure, ...]:
    known = topics_of(key)
    found: list[StatedFigure] = []
    for offset, sentence in sentences(text):
        candidates: list[StatedFigure] = []
        for pattern in _PATTERNS:
            for match in pattern.regex.finditer(sentence):
                candidates.extend(_figures(known, pattern, match, sentence, offset, year))
        candidates.sort(key=lambda f: (f.start, -(f.end - f.start)))
        end = -1
        for figure in candidates:
            if figure.start >= end:
                found.append(figure)
                end = figure.end
            elif figure.start == found[-1].start and figure.end == found[-1].end:
                found.append(figure)  # one phrase, several topics: 未发生行政复议、行政诉讼
    return tuple(found)


def _figures(
    known: Mapping[str, Topic],
    pattern: _Pattern,
    match: re.Match[str],
    sentence: str,
    offset: int,
    year: int | None,
) -> Iterator[StatedFigure]:
    phrase = match.group(0)
    before = sentence[: match.start()]
    if _other_year(before, year):
        return
    if pattern.negation:
        if _ABOUT_DISCLOSURE.search(match.group("what")) or _ABOUT_DISCLOSURE.search(before):
            yield from _negated(known, match, sentence, offset)
        return
    if _NOT_A_COUNT.search(phrase) or _OTHER_UNITS.search(before + phrase):
        return
    next_year = match.groupdict().get("next")
    if next_year and year is not None and int(next_year) != year + 1:
        return
    if pattern.topic == "new" and (
        _NOT_AN_APPLICATION.search(phrase) or not _APPLICATION_KIND.search(match.group("gap"))
    ):
        return
    if pattern.topic == "decisions" and before.rstrip().endswith(_PUBLISHED):
        return
    if pattern.topic == "results" and not _APPLICATIONS.search(phrase) and _about_else(before):
        return
    topic_id = _topic_id(pattern, match, before)
    if topic_id is None or topic_id not in known:
        return
    if topic_id.startswith(("review", "suits")) and not _ABOUT_DISCLOSURE.search(before + phrase):
        return
    try:
        value: Number = parse_number(match.group("n"))
    except ValueError:
        return
    topic = known[topic_id]
    if pattern.topic == "fees" and match.group("money") == "元" and topic.unit == "万元":
        value = Decimal(value) / 10_000
    yield StatedFigure(
        topic,
        value,
        phrase.strip(),
        sentence.strip(),
        offset + match.start(),
        offset + match.end(),
        _other_reading(known, topic_id, phrase, sentence),
    )


def _other_reading(
    known: Mapping[str, Topic], topic_id: str, phrase: str, sentence: str
) -> Topic | None:
    """新收 + 上年结转 for 办理 N 件 (what was handled in the year, finished or not) and for
    受理 N 件 in a sentence that counts 上年结转 in: both are written either way."""
    handled = (topic_id == "results" and _HANDLED.match(phrase)) or (
        topic_id == "new" and phrase.startswith("受理") and "结转" in sentence
    )
    return known.get("handled") if handled else None


def _about_else(before: str) -> bool:
    """The last subject named before the figure is not applications (建议, 热线工单…)."""
    other = [m.end() for m in _OTHER_SUBJECT.finditer(before)]
    applications = [m.end() for m in _APPLICATIONS.finditer(before)]
    return bool(other) and (not applications or other[-1] > applications[-1])


def _topic_id(pattern: _Pattern, match: re.Match[str], before: str) -> str | None:
    if pattern.topic == "decisions":
        return DECISION_KINDS[match.group("kind")]
    if pattern.topic == "document":
        verb = _VERB_CLASSES[match.group("verb")]
        if pattern.subject is None:
            noun = match.group("noun")
        else:
            subjects = _SUBJECTS["document"].findall(before)
            if not subjects:
                return None
            noun = subjects[-1]
        return f"{'rules' if noun == '规章' else 'normative'}.{verb}"
    if pattern.subject == "appeal":
        subjects = _SUBJECTS["appeal"].findall(before)
        if not subjects:
            return None
        return f"{'review' if subjects[-1] == '行政复议' else 'suits'}.{pattern.topic}"
    return pattern.topic


def _negated(
    known: Mapping[str, Topic], match: re.Match[str], sentence: str, offset: int
) -> Iterator[StatedFigure]:
    """未发生行政复议、行政诉讼 / 未收到政府信息公开申请: the topic is 0."""
    what = match.group("what")
    if re.search(r"纠|败诉|维持|超期|逾期|违法|投诉|举报|问题|情况", what):
        return  # 未发生被纠错的行政复议 says nothing about the number of reviews
    topic_ids = []
    if "行政复议" in what:
        topic_ids.append("review")
    if "行政诉讼" in what:
        topic_ids.append("suits")
    applications = re.fullmatch(r"(?:任何|过)?(?:政府信息公开|依申请公开)申请\S*", what)
    if not topic_ids and applications:
        topic_ids.append("results" if match.group("verb") == "办结" else "new")
    cut = re.search(r"行政诉讼|行政复议|申请", what[::-1])
    end = match.start("what") + (len(what) - cut.start() if cut else len(what))
    for topic_id in topic_ids:
        yield StatedFigure(
            known[topic_id],
            0,
            sentence[match.start() : end],
            sentence.strip(),
            offset + match.start(),
            offset + end,
        )


def _other_year(before: str, year: int | None) -> bool:
    """The figure is dated a year that is not the report's: in its own clause (2023年收到申请
    80 件), or at the head of the sentence (2023年，本机关收到申请 80 件). A year in an earlier
    clause is a comparison of its own (较2023年增加 200 件，其中予以公开 1300 件)."""
    if year is None:
        return False
    years = _YEAR.findall(re.split(r"[，,]", before)[-1])
    head = _DATED_SENTENCE.match(before)
    if years:
        written = years[-1]
    elif head is not None:
        written = head.group(1)
    else:
        return False
    stated = int(written) if written.isdigit() else chinese_to_int(written)
    return stated != year
