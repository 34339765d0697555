"""Text the review desk shows, built from what it read: times, titles, names, a report's
review history and a page of the overview."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.desk_actions import PAGE, action
from bot.chat.overview import STATUS_FILTERS, OverviewPage
from bot.chat.state import Button, Reply
from bot.chat.turn import Turn
from bot.config import get_settings
from storage.models import STATUS_LABELS, Member, Report
from storage.overview import EventRow

PAGE_SIZE = 10  # organisations on a page of the overview


def local_time(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def report_title(report: Report) -> str:
    return f"{report.agency}{report.year}年度报告"


def member_names(people: Iterable[Member]) -> str:
    return "、".join(p.name for p in people)


def history_lines(events: list[EventRow]) -> list[str]:
    verbs = {"submitted": "提交", "returned": "退回", "approved": "审核通过"}
    lines = []
    for row in events:
        who = row.member_name or "管理员"
        verb = verbs.get(row.event.to_status, STATUS_LABELS.get(row.event.to_status, ""))
        line = f"· {local_time(row.event.at)} {who} {verb}"
        if row.event.comment:
            line += f"：{row.event.comment}"
        lines.append(line)
    return lines


def overview_turn(found: OverviewPage, year: int, page: int) -> Turn:
    totals, scope = found.totals, found.scope
    if not totals.scope:
        return Turn((Reply(f"{scope}尚无单位。"),))
    pages = (totals.scope + PAGE_SIZE - 1) // PAGE_SIZE
    text = [
        f"{year}年度报告填报总览：{scope}，共 {totals.scope} 个单位",
        "｜".join(f"{label} {totals.by_status[key]}" for key, label in STATUS_FILTERS.items()),
        "按紧迫程度排列：逾期未提交的在前，其次为剩余天数少、进度低的单位；已提交和已通过的在后。",
    ]
    if pages > 1:
        text.append(f"第 {page + 1}/{pages} 页")
    text.append("")
    for number, line in enumerate(found.lines, start=page * PAGE_SIZE + 1):
        text.append(line.text(number))
    row: list[Button] = []
    if page > 0:
        row.append(Button("上一页", action(PAGE, year, page - 1)))
    if page < pages - 1:
        row.append(Button("下一页", action(PAGE, year, page + 1)))
    buttons = (tuple(row),) if row else ()
    return Turn((Reply("\n".join(text), buttons=buttons),))
