"""The report: the page, saving cells and texts, pasting, 沿用上年, preview, generating,
and uploading last year's Word report. Every post saves through `bot.chat.sheet`, then
redirects (PRG); the page's script posts single cells to `/cells` and gets JSON back."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.chat.turn import Turn
from bot.chat.uploads import MAX_UPLOAD_BYTES, UPLOAD_ACTIONS
from bot.web.deps import (
    CsrfChecked,
    DbEngine,
    Desk,
    Sheets,
    SignedIn,
    Uploads,
    signed_in_within,
)
from bot.web.flash import set_flash, take_flash
from bot.web.pages import redirect, render
from bot.web.routes.submission import review_context
from bot.web.sheet_page import sheet_context
from bot.web.tables import cell_anchor
from storage.models import STATUS_LABELS

router = APIRouter()
CELL_PREFIX = "v."
SHOWN_PREFIX = "was."
_SECTION_ID = re.compile(r"^[A-Za-z0-9_]{1,20}$")


@router.get("/report")
def my_report(
    request: Request, sheets: Sheets, visit: SignedIn, year: int | None = None
) -> Response:
    """Staff: their organisation's report of the year. Supervisors fill none: the reports
    of the organisations in their care, to read."""
    if not visit.member.reports and visit.member.role != "admin":
        listed = sheets.readable(visit.member, year=year)
        context = {"reports": listed, "statuses": STATUS_LABELS}
        return render(request, "reports.html", context, visit=visit)
    return redirect(f"/reports/{sheets.current_report(visit.member, year=year)}")


@router.get("/reports/{report_id}")
def report_page(
    request: Request, engine: DbEngine, sheets: Sheets, desk: Desk, visit: SignedIn, report_id: int
) -> Response:
    sheet = sheets.load(visit.member, report_id)
    flash = take_flash(engine, visit)
    context = {**sheet_context(sheet), **review_context(desk, visit.member, report_id)}
    context["flash"] = flash
    return render(request, "report.html", context, visit=visit)


@router.post("/reports/{report_id}/sections/{section_id}", dependencies=[CsrfChecked])
async def save_section(
    request: Request,
    engine: DbEngine,
    sheets: Sheets,
    visit: SignedIn,
    report_id: int,
    section_id: str,
) -> Response:
    """A table or a text section posted as a whole: only the cells changed since the page
    was shown are saved (the others may have been changed by a colleague meanwhile)."""
    form = await request.form()
    version = _int(form.get("version"))
    entries: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith(CELL_PREFIX) and isinstance(value, str):
            field_id = key.removeprefix(CELL_PREFIX)
            if value != form.get(SHOWN_PREFIX + field_id):
                entries[field_id] = value
    result = await _run(sheets.save, visit.member, report_id, entries, version=version)
    await _run(set_flash, engine, visit, result)
    return _back_to(report_id, section_id)


@router.post("/reports/{report_id}/cells")
def save_cell(
    request: Request,
    sheets: Sheets,
    report_id: int,
    field: Annotated[str, Form(max_length=100)],
    value: Annotated[str, Form(max_length=100_000)],
    version: Annotated[int, Form()],
    csrf: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """One cell or text from the page's script: saved, then what changed on the page. The
    busiest route: who is signed in, the save and the page's new state are read and written
    in one transaction (bench/web.py)."""
    member = signed_in_within(request, request.headers.get("x-csrf-token") or csrf)
    result = sheets.save(member, report_id, {field: value}, version=version, reload=True)
    sheet = result.sheet
    assert sheet is not None
    templates = request.app.state.templates
    findings = templates.get_template("findings.html")
    done, total = sheet.progress
    section_id = sheet.form.field(field).section if field in sheet.form.fields else None
    payload: dict[str, Any] = {
        "version": sheet.report.version,
        "problems": result.problems,
        "notes": list(result.notes),
        "error": result.error,
        "saved": list(result.saved),
        "progress": f"{done}/{total}",
        "cells": {f: sheet.shown(f) for f in sheet.form.derived_fields},
        "findings": {},
    }
    if section_id is not None:
        section = sheet.form.section(section_id)
        payload["findings"][section_id] = findings.render(
            sheet=sheet, section=section, anchor=cell_anchor
        )
    status = 409 if result.error else 200
    return JSONResponse(payload, status_code=status)


@router.post("/reports/{report_id}/sections/{section_id}/paste", dependencies=[CsrfChecked])
def paste(
    engine: DbEngine,
    sheets: Sheets,
    visit: SignedIn,
    report_id: int,
    section_id: str,
    block: Annotated[str, Form(max_length=200_000)] = "",
    start_row: Annotated[int, Form(ge=0, le=200)] = 0,
    version: Annotated[int, Form()] = 0,
) -> Response:
    result = sheets.paste(
        visit.member, report_id, section_id, block, version=version, start_row=start_row
    )
    set_flash(
        engine, visit, {**result.flash(), "block": {section_id: block} if result.error else {}}
    )
    return _back_to(report_id, section_id)


@router.post("/reports/{report_id}/sections/{section_id}/previous", dependencies=[CsrfChecked])
def use_previous(
    engine: DbEngine,
    sheets: Sheets,
    visit: SignedIn,
    report_id: int,
    section_id: str,
    version: Annotated[int, Form()] = 0,
) -> Response:
    result = sheets.use_previous(visit.member, report_id, section_id, version=version)
    set_flash(engine, visit, result)
    return _back_to(report_id, section_id)


@router.post("/reports/{report_id}/sections/{section_id}/draft", dependencies=[CsrfChecked])
def use_draft(
    engine: DbEngine,
    sheets: Sheets,
    visit: SignedIn,
    report_id: int,
    section_id: str,
    version: Annotated[int, Form()] = 0,
) -> Response:
    result = sheets.use_draft(visit.member, report_id, section_id, version=version)
    set_flash(engine, visit, result)
    return _back_to(report_id, section_id)


@router.get("/reports/{report_id}/preview")
def preview(request: Request, sheets: Sheets, visit: SignedIn, report_id: int) -> Response:
    sheet = sheets.load(visit.member, report_id)
    return render(request, "preview.html", sheet_context(sheet), visit=visit)


@router.post("/reports/{report_id}/generate", dependencies=[CsrfChecked])
def generate(sheets: Sheets, visit: SignedIn, report_id: int) -> Response:
    document, _ = sheets.generate(visit.member, report_id)
    disposition = f"attachment; filename*=UTF-8''{quote(document.filename)}"
    return Response(
        document.content,
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"content-disposition": disposition},
    )


@router.post("/reports/{report_id}/upload", dependencies=[CsrfChecked])
async def upload(
    request: Request, engine: DbEngine, uploads: Uploads, visit: SignedIn, report_id: int
) -> Response:
    """Last year's Word report, read and checked as in the chat, then offered for adoption."""
    length = _int(request.headers.get("content-length"))
    if length > MAX_UPLOAD_BYTES:
        notes = ["文件过大（超过 20 MB），请压缩图片或删除附件后重新上传。"]
        await _run(set_flash, engine, visit, {"notes": notes})
        return redirect(f"/reports/{report_id}#upload")
    form = await request.form(max_files=1, max_fields=10)
    file = form.get("file")
    if file is None or isinstance(file, str):
        notes = ["请选择要上传的报告文件（.docx、.html/.htm 或 .pdf）。"]
        await _run(set_flash, engine, visit, {"notes": notes})
        return redirect(f"/reports/{report_id}#upload")
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        flash = {"upload": ["文件过大（超过 20 MB），请压缩图片或删除附件后重新上传。"]}
    else:
        turn = await _run(uploads.receive, visit.member, content, file.filename or "")
        flash = _upload_flash(turn)
    await _run(set_flash, engine, visit, flash)
    return redirect(f"/reports/{report_id}#upload")


@router.post("/reports/{report_id}/upload-choice", dependencies=[CsrfChecked])
def upload_choice(
    engine: DbEngine,
    uploads: Uploads,
    visit: SignedIn,
    report_id: int,
    action: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A button under the uploaded report (用作上年报告, 全部按 0 读取…), as in the chat."""
    if action in UPLOAD_ACTIONS:
        set_flash(engine, visit, _upload_flash(uploads.press(visit.member, action)))
    return redirect(f"/reports/{report_id}#upload")


def _upload_flash(turn: Turn) -> dict[str, Any]:
    """What the upload section shows next: the chat's replies and the buttons under them."""
    notes = [turn.notice] if turn.notice else []
    notes += [reply.text.replace("发送 /report 继续填写。", "") for reply in turn.replies]
    buttons = [
        [b.text, b.action]
        for reply in turn.replies
        for row in reply.buttons
        for b in row
        if b.action in UPLOAD_ACTIONS
    ]
    return {"upload": notes, "upload_buttons": buttons}


async def _run(function: Any, *args: Any, **kwargs: Any) -> Any:
    """A blocking service call from an async route (which had to read the form itself)."""
    return await run_in_threadpool(function, *args, **kwargs)


def _back_to(report_id: int, section_id: str) -> Response:
    """The report page at the section posted from (an id from the URL: only a plain one)."""
    anchor = f"#sec-{section_id}" if _SECTION_ID.match(section_id) else ""
    return redirect(f"/reports/{report_id}{anchor}")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
