"""The supervisors' overview as a page and a CSV file: the desk's lines filtered, sorted
and cut into pages by the query string (nothing about scope is decided here)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.review import OVERVIEW_LABELS, OrgLine
from bot.config import get_settings

PAGE_SIZE = 50
OVERDUE = "overdue"
# What the 状态 filter offers: every status, and those past the deadline not yet submitted.
STATUS_FILTERS = {**OVERVIEW_LABELS, OVERDUE: "逾期未提交"}


def _minus(value: int | None) -> int:
    return -1 if value is None else value


SORTS: dict[str, tuple[str, Callable[[OrgLine], object]]] = {
    "urgency": ("紧迫程度", lambda line: line.urgency),
    "name": ("单位名称", lambda line: line.name),
    "status": ("状态", lambda line: (list(OVERVIEW_LABELS).index(line.status), line.name)),
    "progress": ("进度", lambda line: (line.percent, line.name)),
    "errors": ("错误数", lambda line: (_minus(line.errors), line.name)),
    "warnings": ("提示数", lambda line: (_minus(line.warnings), line.name)),
    "activity": ("最近更新", lambda line: (line.last_activity or datetime.min, line.name)),
    "deadline": ("剩余天数", lambda line: (line.days_left, line.name)),
    "reminders": ("已发提醒", lambda line: (line.reminders, line.name)),
}


@dataclass(frozen=True)
class Query:
    """The overview's query string, each part checked (anything unknown falls back)."""

    status: str = ""
    name: str = ""
    sort: str = "urgency"
    descending: bool = False
    page: int = 1

    @classmethod
    def parse(cls, *, status: str, name: str, sort: str, order: str, page: int) -> Query:
        return cls(
            status=status if status in STATUS_FILTERS else "",
            name=name.strip()[:50],
            sort=sort if sort in SORTS else "urgency",
            descending=order == "desc",
            page=max(page, 1),
        )

    def select(self, lines: Sequence[OrgLine]) -> list[OrgLine]:
        """The lines the filters keep, in the order asked for."""
        kept = [
            line
            for line in lines
            if (not self.name or self.name in line.name)
            and (
                not self.status
                or (line.overdue if self.status == OVERDUE else line.status == self.status)
            )
        ]
        return sorted(kept, key=SORTS[self.sort][1], reverse=self.descending)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Page:
    lines: list[OrgLine]
    number: int
    pages: int
    first: int  # the position of the first line, from 1


def page_of(lines: list[OrgLine], number: int) -> Page:
    pages = max((len(lines) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(number, pages)
    start = (number - 1) * PAGE_SIZE
    return Page(lines[start : start + PAGE_SIZE], number, pages, start + 1)


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


CSV_HEADER = (
    "序号",
    "单位",
    "状态",
    "进度（%）",
    "已填/应填",
    "错误（项）",
    "提示（项）",
    "最近更新",
    "截止日期",
    "距截止（天）",
    "已发提醒（次）",
)


def overview_csv(lines: Sequence[OrgLine]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel and WPS open the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for number, line in enumerate(lines, start=1):
        writer.writerow(
            (
                number,
                line.name,
                OVERVIEW_LABELS[line.status],
                line.percent,
                f"{line.done}/{line.total}",
                "" if line.errors is None else line.errors,
                "" if line.warnings is None else line.warnings,
                "" if line.last_activity is None else local_time(line.last_activity),
                line.due.isoformat(),
                line.days_left,
                line.reminders,
            )
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
