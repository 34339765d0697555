"""Supervisors and administrators: the overview of their scope (page and CSV), the review of
a submitted report (approve, or return with a comment) and the roll-up of the approved
reports below them. Scope, review rights and notifications are the desk's (`ReviewDesk`)
and storage's; a route only reads the query, calls and renders."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException

from bot.chat.desk_results import DeskResult
from bot.chat.overview import STATUS_FILTERS, Selection
from bot.chat.review import ReviewDesk
from bot.chat.sheet import Sheet
from bot.core.answers import AnswersFile, dump_answers
from bot.core.calendar import report_year_for
from bot.core.checks import complete_values
from bot.core.figures import change, total_of
from bot.core.form import ReportForm
from bot.core.rollup import RollupError
from bot.core.values import Value, format_value
from bot.web.chart import bar_chart
from bot.web.deps import CsrfChecked, DbEngine, Desk, Sheets, SignedIn, Visit
from bot.web.flash import set_flash, take_flash
from bot.web.notify import Notices, send_later
from bot.web.overview_table import (
    PAGE_SIZE,
    SORTS,
    Page,
    Query,
    local_time,
    overview_csv,
    pages_for,
)
from bot.web.pages import redirect, render
from bot.web.sheet_page import sheet_context
from bot.web.tables import cell_span, layout
from storage.errors import StorageError
from storage.models import STATUS_LABELS
from storage.overview import REVIEW_ROLES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def require_reviewer(visit: SignedIn) -> Visit:
    """Supervisor and administrator pages: staff get 403 (a Chinese page)."""
    if visit.member.role not in REVIEW_ROLES:
        raise HTTPException(403)
    return visit


Reviewer = Annotated[Visit, Depends(require_reviewer)]
router = APIRouter(prefix="/supervise")


def _year(desk: ReviewDesk, year: int | None) -> int:
    return year or report_year_for(desk.today())


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _download(content: bytes, filename: str, media_type: str) -> Response:
    headers = {"content-disposition": _disposition(filename)}
    return Response(content, media_type=media_type, headers=headers)


def overview_query(
    status: str = "", name: str = "", sort: str = "urgency", order: str = "asc", page: int = 1
) -> Query:
    return Query.parse(status=status, name=name, sort=sort, order=order, page=page)


OverviewQuery = Annotated[Query, Depends(overview_query)]


@router.get("")
def overview_page(
    request: Request, desk: Desk, visit: Reviewer, query: OverviewQuery, year: int | None = None
) -> Response:
    year = _year(desk, year)
    found = desk.overview_page(visit.member, year=year, selection=query.selection(query.page))
    pages = pages_for(found.totals.selected)
    number = query.page
    if number > pages:  # past the last page (the filters keep fewer now): show the last
        number = pages
        found = desk.overview_page(visit.member, year=year, selection=query.selection(number))
    context = {
        "year": year,
        "scope": found.scope,
        "total": found.totals.scope,
        "selected": found.totals.selected,
        "page": Page(found.lines, number, pages, (number - 1) * PAGE_SIZE + 1),
        "query": query,
        "counts": found.totals.by_status,
        "filters": STATUS_FILTERS,
        "sorts": SORTS,
        "local_time": local_time,
    }
    return render(request, "supervise.html", context, visit=visit)


@router.get("/overview.csv")
def overview_file(
    desk: Desk, visit: Reviewer, query: OverviewQuery, year: int | None = None
) -> Response:
    """Every line the filters keep (not only one page), as the page orders them, streamed
    from the database as it is written."""
    year = _year(desk, year)
    scope, lines = desk.overview_stream(visit.member, year=year, selection=query.selection())
    filename = f"{scope}{year}年度报告填报情况（{desk.today():%Y%m%d}）.csv"
    return StreamingResponse(
        overview_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": _disposition(filename)},
    )


def year_on_year(sheet: Sheet) -> list[tuple[str, str, str]]:
    """The report's totals beside last year's (label, this year, last year), where last
    year's report is known: what a reviewer compares first."""
    previous = sheet.state.previous
    if not previous:
        return []
    form = sheet.form
    last = complete_values(form, previous)
    rows = []
    for field_id in form.derived_fields:
        field = form.field(field_id)
        was = last.get(field_id)
        if was is None or field.type.kind == "text":
            continue
        rows.append((field.label, sheet.shown(field_id) or "（空）", format_value(was, field.type)))
    return rows


@router.get("/reports/{report_id}")
def review_page(
    request: Request,
    engine: DbEngine,
    desk: Desk,
    sheets: Sheets,
    visit: Reviewer,
    report_id: int,
) -> Response:
    """Any report in scope, read-only, with its findings, last year's totals and its review
    record; a submitted one the member may review also gets the decision forms."""
    sheet = sheets.load(visit.member, report_id)
    events, may_decide = desk.review_record(visit.member, report_id)
    context = {
        **sheet_context(sheet),
        "flash": take_flash(engine, visit),
        "events": events,
        "may_decide": may_decide,
        "compare": year_on_year(sheet),
        "changes": desk.cell_changes(visit.member, report_id),
        "local_time": local_time,
        "statuses": STATUS_LABELS,
    }
    return render(request, "review.html", context, visit=visit)


def _after_decision(
    engine: Engine, visit: Visit, report_id: int, result: DeskResult, comment: str = ""
) -> Response:
    """The desk's answer shown once on the review page; a comment typed is kept for the form,
    which is shown again only if the report is still awaiting review."""
    notes = [reply.text for reply in result.turn.replies]
    set_flash(engine, visit, {"notes": notes, "comment": comment})
    return redirect(f"/supervise/reports/{report_id}")


@router.post("/reports/{report_id}/approve", dependencies=[CsrfChecked])
def approve(
    background: BackgroundTasks,
    notices: Notices,
    engine: DbEngine,
    desk: Desk,
    visit: Reviewer,
    report_id: int,
    version: Annotated[int, Form()],
) -> Response:
    result = desk.approve(visit.member, report_id, version)
    send_later(background, notices, result)
    return _after_decision(engine, visit, report_id, result)


@router.post("/reports/{report_id}/return", dependencies=[CsrfChecked])
def send_back(
    background: BackgroundTasks,
    notices: Notices,
    engine: DbEngine,
    desk: Desk,
    visit: Reviewer,
    report_id: int,
    version: Annotated[int, Form()],
    comment: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    result = desk.return_report(visit.member, report_id, version, comment)
    send_later(background, notices, result)
    return _after_decision(engine, visit, report_id, result, comment)


@router.get("/rollup")
def rollup_page(request: Request, desk: Desk, visit: Reviewer, year: int | None = None) -> Response:
    year = _year(desk, year)
    try:
        rollup = desk.rollup(visit.member, year=year)
        problem = None
    except (StorageError, RollupError) as exc:
        rollup, problem = None, str(exc)
    context: dict[str, Any] = {"year": year, "rollup": rollup, "problem": problem}
    if rollup is not None:
        context["parent"] = desk.parent_check(visit.member, year=year)
    if rollup is None and visit.member.role != "admin":
        _, lines = desk.overview_stream(visit.member, year=year, selection=Selection(sort="name"))
        context["missing"] = [line.name for line in lines if line.org_id != visit.member.org_id]
    if rollup is not None:
        completed = complete_values(rollup.form, rollup.values)
        context |= {
            "form": rollup.form,
            "layouts": {s.id: layout(rollup.form, s) for s in rollup.form.sections if s.table},
            "shown": _shown(rollup.form, completed),
            "cell_span": cell_span,
        }
    return render(request, "rollup.html", context, visit=visit)


def _shown(form: ReportForm, completed: Mapping[str, Value]) -> Callable[[str], str]:
    def shown(field_id: str) -> str:
        value = completed.get(field_id)
        return "" if value is None else format_value(value, form.field(field_id).type)

    return shown


@router.get("/rollup.docx")
def rollup_file(desk: Desk, visit: Reviewer, year: int | None = None) -> Response:
    year = _year(desk, year)
    try:
        rollup = desk.rollup(visit.member, year=year)
    except RollupError:
        return redirect(f"/supervise/rollup?year={year}")  # the page says why
    return _download(rollup.render(), rollup.filename, DOCX)


@router.get("/rollup.yaml")
def rollup_answers(desk: Desk, visit: Reviewer, year: int | None = None) -> Response:
    """The summed tables as an answers file (`nianbao import` reads it back)."""
    year = _year(desk, year)
    try:
        rollup = desk.rollup(visit.member, year=year)
    except RollupError:
        return redirect(f"/supervise/rollup?year={year}")
    text = dump_answers(AnswersFile(rollup.form.kind, rollup.agency, year, dict(rollup.values)))
    filename = rollup.filename.removesuffix(".docx") + "（答案文件）.yaml"
    return _download(text.encode("utf-8"), filename, "application/yaml; charset=utf-8")


FIGURE_SORTS = {
    "other": ("其他处理占比（高者在前）", lambda f: -(f.other_share or -1)),
    "rate": ("实质公开率（低者在前）", lambda f: f.substantive_rate or 0),
    "results": ("办理结果总计（多者在前）", lambda f: -f.results),
    "review": ("行政复议纠错率（高者在前）", lambda f: -(f.review_correction_rate or -1)),
    "suit": ("行政诉讼纠错率（高者在前）", lambda f: -(f.suit_correction_rate or -1)),
}


@router.get("/figures")
def figures_page(
    request: Request, desk: Desk, visit: Reviewer, year: int | None = None, sort: str = "other"
) -> Response:
    """实质公开率 and 其他处理 share per organisation, and in total (all reports listed, and
    the approved ones only, which the roll-up sums)."""
    year = _year(desk, year)
    rows = desk.figures(visit.member, year=year)
    sort = sort if sort in FIGURE_SORTS else "other"
    rows.sort(key=lambda row: (FIGURE_SORTS[sort][1](row.figures), row.name))
    history = desk.applications_by_year(visit.member, year=year)
    context = {
        "year": year,
        "rows": rows,
        "sort": sort,
        "sorts": {key: label for key, (label, _) in FIGURE_SORTS.items()},
        "total": total_of(row.figures for row in rows),
        "approved": total_of(row.figures for row in rows if row.status == "approved"),
        "statuses": STATUS_LABELS,
        "change": change,
        "chart": bar_chart(history),
    }
    return render(request, "figures.html", context, visit=visit)


@router.get("/copied")
def copied_page(request: Request, desk: Desk, visit: Reviewer, year: int | None = None) -> Response:
    """Narrative sections that repeat another unit's (与其他单位雷同), for the supervisor."""
    year = _year(desk, year)
    context = {"year": year, "pairs": desk.copied_text(visit.member, year=year)}
    return render(request, "copied.html", context, visit=visit)
