"""Reading an annual report (Word, web page or PDF): title, narrative sections, tables, and
the format."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.core.answers import AnswersFile
from bot.core.form import ReportForm, available_kinds, load_form
from bot.core.reader.formats import read_blocks
from bot.core.reader.labels import normalise_label
from bot.core.reader.layout import Grid, Paragraph
from bot.core.reader.model import ReadProblem, ReadResult
from bot.core.reader.package import DocxReadError, Source, read_source
from bot.core.reader.tables import (
    SectionCells,
    read_grid,
    read_list,
    section_labels,
    table_score,
    values_from_cells,
)
from bot.core.reader.tidy import body_end, tidy_blocks
from bot.core.values import Value, ValueProblem, normalise_text

_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_MAX_TITLE_PARAGRAPHS = 4
_MAX_HEADING_EXTRA_CHARS = 6
_ALL_HEADINGS = frozenset(
    normalise_label(section.heading)
    for kind in available_kinds()
    for section in load_form(kind).sections
)


def read_report(source: Source, *, blank_as_zero: bool = False) -> ReadResult:
    """Read a report from a .docx, a saved web page (.html/.htm) or a text PDF (path, bytes or
    binary file object); the format is told by the content, not the file name.

    Cells written "—", "/" or left blank are listed as one `probable_zero` problem; with
    `blank_as_zero` they are read as 0 and named in `ReadResult.assumed_zero` instead.
    Raises DocxReadError (message in Chinese) for a file that is not a report in one of these
    formats, is unsafe to open, or holds nothing that looks like an annual report.
    """
    blocks = tidy_blocks(read_blocks(read_source(source), _ALL_HEADINGS), _ALL_HEADINGS)
    attempts = [_Attempt.run(load_form(kind), blocks) for kind in available_kinds()]
    if not any(a.headings or a.located for a in attempts):
        raise DocxReadError(
            "文件中没有找到政府信息公开工作年度报告的各部分标题和统计表格，不是年度报告，无法读取"
        )
    agency, year = _title(blocks, attempts[0].first_heading)
    best = _choose(attempts, year)
    form = best.form
    problems: list[ReadProblem] = []
    if agency is None:
        problems.append(
            ReadProblem(
                None,
                "未找到报告标题（应为“"
                + form.document_title.format(agency="机关名称＋", year="××××")
                + "”），无法确定机关名称和报告年度；请在正文开头写明标题",
                check="unreadable_title",
            )
        )
    elif year is not None and not form.applies_to(year):
        last = f"{form.last_year}" if form.last_year else ""
        problems.append(
            ReadProblem(
                None,
                f"标题中的报告年度为 {year} 年，但表格按{form.source}格式填写，"
                f"该格式适用于 {form.first_year}–{last} 年度报告；请核对标题中的年度",
                check="format_mismatch",
                found=str(year),
            )
        )
    problems += best.problems
    values = dict(best.values)
    answers = AnswersFile(kind=form.kind, agency=agency or "", year=year or 0, values=values)
    result = ReadResult(answers, problems)
    return result.with_zeros_accepted() if blank_as_zero else result


@dataclass
class _Attempt:
    """The document read as one report kind."""

    form: ReportForm
    values: dict[str, Value]
    problems: list[ReadProblem]
    located: int
    unmatched: int
    headings: int
    first_heading: int | None

    @classmethod
    def run(cls, form: ReportForm, blocks: list[Paragraph | Grid]) -> _Attempt:
        headings = _headings(form, blocks)
        texts, text_problems = _texts(form, blocks, headings)
        sections = _tables(form, blocks, headings)
        values, cell_problems = values_from_cells(form, sections)
        row_problems = [p for s in sections for p in s.problems]
        unmatched = sum(1 for p in row_problems if p.check == "unmatched_row")
        located = sum(1 for s in sections for cells in s.located.values() if cells)
        return cls(
            form=form,
            values={**values, **texts},
            problems=row_problems + cell_problems + text_problems,
            located=located,
            unmatched=unmatched,
            headings=len(headings),
            first_heading=min(headings.values(), default=None),
        )

    @property
    def score(self) -> float:
        total = len(self.form.numeric_fields)
        return (self.located - self.unmatched) / total if total else 0.0


def _choose(attempts: list[_Attempt], year: int | None) -> _Attempt:
    """The kind whose labels the tables follow; the title's year settles a close call."""
    # On equal scores (a report without tables, say) the newer format comes first.
    ranked = sorted(attempts, key=lambda a: (a.score, a.form.first_year), reverse=True)
    best = ranked[0]
    if year is not None:
        close = [a for a in ranked if best.score - a.score < 0.02 and a.form.applies_to(year)]
        if close:
            return close[0]
    return best


# --- title and narrative sections -----------------------------------------------------------


_REPORT = r"政府信息公开(?:工作)?年度报告"
# "{agency}2024年…" and "2024年度{agency}…": the agency in the title, before or after the year.
_TITLES = (
    re.compile(r"(?P<agency>.+?)(?P<year>\d{4})年度?" + _REPORT),
    re.compile(r"(?P<year>\d{4})年度?+(?P<agency>.{2,}?)" + _REPORT),
)
_TITLE_WITHOUT_AGENCY = re.compile(r"(?P<year>\d{4})年度?" + _REPORT)
_AGENCY_LINE = re.compile(r"[（(【〔\[—－-]*(?P<agency>[^\d。，,；;：:（）()]{2,40}?)[）)】〕\]]*")


def _title(
    blocks: list[Paragraph | Grid], first_heading: int | None
) -> tuple[str | None, int | None]:
    """Agency and year from the title before the first heading.

    The title may be set over several paragraphs or lines, the year before or after the
    agency, or the agency on a line of its own under "2024年政府信息公开工作年度报告";
    a draft mark may stand above it.
    """
    end = first_heading if first_heading is not None else len(blocks)
    lines = [
        re.sub(r"\s+", "", b.text)
        for b in blocks[:end]
        if isinstance(b, Paragraph) and b.text.strip()
    ]
    # The fewest paragraphs that make a title: a draft mark or a banner above it stays out.
    for count in range(1, _MAX_TITLE_PARAGRAPHS + 1):
        for start in range(len(lines) - count + 1):
            joined = _fold_year("".join(lines[start : start + count]))
            for pattern in _TITLES:
                match = pattern.fullmatch(joined)
                if match:
                    return match.group("agency"), int(match.group("year"))
    for index, line in enumerate(lines):
        match = _TITLE_WITHOUT_AGENCY.fullmatch(_fold_year(line))
        if match:
            neighbours = lines[index + 1 : index + 2] + lines[max(index - 1, 0) : index]
            for neighbour in neighbours:
                agency = _AGENCY_LINE.fullmatch(neighbour)
                if agency and not neighbour.startswith("本报告"):
                    return agency.group("agency"), int(match.group("year"))
    return None, None


def _fold_year(text: str) -> str:
    """Full-width and Chinese-numeral years (２０２４, 二〇二四) as 2024, other text untouched."""
    text = re.sub(r"[０-９]", lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    return re.sub(
        r"[〇零一二三四五六七八九]{4}(?=年)", lambda m: m.group(0).translate(_CHINESE_DIGITS), text
    )


def _headings(form: ReportForm, blocks: list[Paragraph | Grid]) -> dict[str, int]:
    """Block index of each section heading found, by its official wording."""
    wanted = {
        section.id: (normalise_label(section.heading), normalise_label(section.title))
        for section in form.sections
    }
    found: dict[str, int] = {}
    for index, block in enumerate(blocks):
        if not isinstance(block, Paragraph):
            continue
        text = normalise_label(block.text)
        if not text:
            continue
        for section_id, (heading, title) in wanted.items():
            if section_id in found:
                continue
            if text in (heading, title) or (
                text.startswith(heading)
                and len(text) <= len(heading) + _MAX_HEADING_EXTRA_CHARS
                and not re.search(r"\d", text[len(heading) :])
            ):
                found[section_id] = index
                break
    return found


def _texts(
    form: ReportForm, blocks: list[Paragraph | Grid], headings: dict[str, int]
) -> tuple[dict[str, Value], list[ReadProblem]]:
    """Each narrative section: the paragraphs between its heading and the next heading (the
    last one ends before a signature and date). A section found without text is listed."""
    texts: dict[str, Value] = {}
    problems: list[ReadProblem] = []
    starts = sorted(headings.values())
    last = body_end(blocks)
    for section in form.sections:
        if section.text_field is None:
            continue
        field_def = form.field(section.text_field)
        start = headings.get(section.id)
        if start is None:
            problems.append(
                ReadProblem(
                    section.text_field,
                    f"未找到「{section.heading}」部分的标题，该部分文字未读取；"
                    "请按该标题的官方表述写明标题",
                    check="unreadable_text",
                )
            )
            continue
        end = next((s for s in starts if s > start), last)
        paragraphs = [b.text.strip() for b in blocks[start + 1 : end] if isinstance(b, Paragraph)]
        text = "\n".join(p for p in paragraphs if p)
        if not text:
            problems.append(
                ReadProblem(
                    field_def.id,
                    f"「{section.heading}」：标题下未找到文字（文字可能在表格、图片或文本框中），"
                    "该部分文字未读取，请核对后补填",
                    check="unreadable_text",
                )
            )
            continue
        try:
            texts[field_def.id] = normalise_text(text)
        except ValueProblem as exc:
            problems.append(
                ReadProblem(field_def.id, f"「{section.heading}」：{exc}", check="unreadable_text")
            )
    return texts, problems


# --- tables -----------------------------------------------------------------------------------


def _tables(
    form: ReportForm, blocks: list[Paragraph | Grid], headings: dict[str, int]
) -> list[SectionCells]:
    """Each table given to the section whose official labels it carries most of, in order.

    A table under the heading of a narrative section (a table of figures in 一、总体情况, say)
    belongs to that narrative and is left alone.
    """
    table_sections = [s for s in form.sections if s.layout in ("list", "grid", "wide")]
    narrative = {s.id for s in form.sections if s.layout == "text"}
    region_starts = sorted((index, sid) for sid, index in headings.items())
    matchers = {s.id: section_labels(s) for s in table_sections}
    assigned: dict[str, list[Grid]] = {s.id: [] for s in table_sections}
    for index, block in enumerate(blocks):
        if not isinstance(block, Grid):
            continue
        region = next((sid for start, sid in reversed(region_starts) if start < index), None)
        if region in narrative:
            continue
        scores = {sid: table_score(m, block) for sid, m in matchers.items()}
        best = max(scores, key=lambda sid: scores[sid])
        if scores[best] >= 2:
            assigned[best].append(block)
    readers = {"list": read_list, "grid": read_grid, "wide": read_grid}
    return [readers[s.layout](form, s, assigned[s.id]) for s in table_sections]
