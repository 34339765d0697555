"""The supervisors' overview as a page and a CSV file: the query string read into the
desk's `Selection` (filters, order, page), and the lines written out (nothing about scope is
decided here; the database filters, sorts and pages)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.overview import OVERVIEW_LABELS, STATUS_FILTERS, OrgLine, Selection
from bot.config import get_settings

PAGE_SIZE = 50
SORTS = {
    "urgency": "紧迫程度",
    "name": "单位名称",
    "status": "状态",
    "progress": "进度",
    "errors": "错误数",
    "warnings": "提示数",
    "activity": "最近更新",
    "deadline": "剩余天数",
    "reminders": "已发提醒",
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

    def selection(self, page: int | None = None) -> Selection:
        """The filters and order, for one page (None: every line)."""
        offset, limit = (0, None) if page is None else ((page - 1) * PAGE_SIZE, PAGE_SIZE)
        return Selection(self.status, self.name, self.sort, self.descending, offset, limit)


@dataclass(frozen=True)
class Page:
    lines: list[OrgLine]
    number: int
    pages: int
    first: int  # the position of the first line, from 1


def pages_for(selected: int) -> int:
    return max((selected + PAGE_SIZE - 1) // PAGE_SIZE, 1)


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


def overview_csv(lines: Iterable[OrgLine], rows_per_chunk: int = 500) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, so Excel and WPS open the Chinese text correctly;
    written out a chunk of rows at a time as the lines are read."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
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
        if number % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")
