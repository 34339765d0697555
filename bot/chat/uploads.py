"""A Word report sent into the chat: read it, show every finding, and put it to use.

Staff can adopt last year's report (it then feeds 上年结转, last year's texts and the
cross-year checks); a supervisor gets a review of a draft with its errors listed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat.service import Turn, today_in_settings_zone
from bot.chat.state import Button, Reply
from bot.chat.views import findings_text, row_name
from bot.core.answers import AnswersFile, answers_from_mapping, dump_answers
from bot.core.calendar import report_year_for
from bot.core.previous import PreviousMismatch, previous_mismatch
from bot.core.reader import DocxReadError, ReadResult, read_findings, read_report
from storage import positions, reports
from storage.db import session_scope
from storage.errors import StorageError
from storage.models import Member, Organisation

# The Bot API lets bots download files up to 20 MB; a report is far smaller.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
USE_AS_PREVIOUS = "U"
USE_RENAMED = "UR"
_RENAMED_BUTTONS = ((Button("确认是本单位更名前的报告，用作上年报告", USE_RENAMED),),)
# The chat state key holding an uploaded report until the member decides what it is for.
UPLOAD_KEY = "upload"


class ReportUploads:
    def __init__(self, engine: Engine, *, today: Callable[[], date] = today_in_settings_zone):
        self.engine = engine
        self.today = today

    def receive(self, member: Member, content: bytes, filename: str) -> Turn:
        if not filename.lower().endswith(".docx"):
            return Turn(
                (Reply("请发送 Word（.docx）格式的年度报告；.doc、PDF 等格式请先另存为 .docx。"),)
            )
        try:
            result = read_report(content)
        except DocxReadError as exc:
            return Turn((Reply(f"无法读取该文件：{exc}"),))
        findings = read_findings(result)
        errors = [f for f in findings if f.severity == "error"]
        replies = [Reply(result.summary())]
        if findings:
            title = f"校验结果：错误 {len(errors)} 项，提示 {len(findings) - len(errors)} 项。"
            if not member.reports:  # a supervisor (or an admin) reviewing someone's report
                title = f"审阅意见（{_report_name(result)}）：" + title
            replies.append(Reply(findings_text(findings, title=title)))
        else:
            replies.append(Reply("校验结果：勾稽关系和各项检查均未发现问题。"))
        current_year = report_year_for(self.today())
        if not (member.reports or member.role == "admin") or result.answers.year == current_year:
            return Turn(tuple(replies))
        with session_scope(self.engine) as session:
            mismatch = _mismatch(session, member, result.answers, current_year)
            if mismatch is not None and mismatch.kind == "year":
                replies.append(Reply(f"该报告不能用作上年报告：{mismatch.message}"))
            else:
                positions.update_state(
                    session,
                    member_id=member.id,
                    changes={UPLOAD_KEY: _answers_payload(result.answers)},
                )
        if mismatch is not None and mismatch.kind == "agency":
            replies.append(Reply(mismatch.message, buttons=_RENAMED_BUTTONS))
        elif mismatch is None:
            form = result.form
            carried_in, carried_out = next(iter(form.carried_over.items()))
            replies.append(
                Reply(
                    f"这是上一年度（{current_year - 1}年）的报告。用作上年报告后，"
                    f"本年“{row_name(form.field(carried_in))}”将按其"
                    f"“{row_name(form.field(carried_out))}”预填，"
                    "文字部分可沿用上年内容，并启用跨年度校验。",
                    buttons=((Button("用作上年报告", USE_AS_PREVIOUS),),),
                )
            )
        return Turn(tuple(replies))

    def use_as_previous(self, member: Member, *, renamed: bool = False) -> Turn:
        """Adopt the last uploaded report as the organisation's report for that year; one of
        another agency only when the member confirms the office was renamed."""
        with session_scope(self.engine) as session:
            position = positions.get_position(session, member_id=member.id)
            payload = (position.state if position is not None else {}).get(UPLOAD_KEY)
            if payload is None:
                return Turn((), notice="没有待使用的上年报告，请重新发送 Word 文件。")
            answers = answers_from_mapping(payload, source="上传的报告")
            current_year = report_year_for(self.today())
            mismatch = _mismatch(session, member, answers, current_year, renamed=renamed)
            if mismatch is not None:
                buttons = _RENAMED_BUTTONS if mismatch.kind == "agency" else ()
                return Turn((Reply(f"未能用作上年报告：{mismatch.message}", buttons=buttons),))
            try:
                # The member chose this file as that year's report: it replaces what was there
                # (the answers' history keeps the old values).
                report = reports.import_answers(
                    session, org_id=member.org_id, answers=answers, actor=member, replace=True
                )
            except StorageError as exc:
                return Turn((Reply(f"未能用作上年报告：{exc}"),))
            positions.update_state(session, member_id=member.id, drop=(UPLOAD_KEY,))
        return Turn(
            (
                Reply(
                    f"已将其保存为本单位{report.year}年度报告。"
                    "填写本年度报告时将据此预填“上年结转”并进行跨年度校验。发送 /report 继续填写。"
                ),
            )
        )


def _mismatch(
    session: Session,
    member: Member,
    answers: AnswersFile,
    current_year: int,
    *,
    renamed: bool = False,
) -> PreviousMismatch | None:
    """Why the report is not last year's report of the member's organisation, if so."""
    org = session.get(Organisation, member.org_id)
    return previous_mismatch(
        agency=org.name if org is not None else answers.agency,
        year=current_year,
        previous_agency=answers.agency,
        previous_year=answers.year,
        renamed=renamed,
    )


def _answers_payload(answers: AnswersFile) -> dict[str, Any]:
    """The answers as plain JSON, the way an answers file holds them."""
    return json.loads(dump_answers(answers, fmt="json"))


def _report_name(result: ReadResult) -> str:
    answers = result.answers
    if answers.agency and answers.year:
        return f"{answers.agency}{answers.year}年度报告"
    return "标题未能识别的报告"
