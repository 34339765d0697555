"""A report sent into the chat (Word, a saved web page or a PDF): read it, show every
finding, and put it to use.

Staff can adopt last year's report (it then feeds 上年结转, last year's texts and the
cross-year checks); a supervisor gets a review of a draft with its errors listed. Cells
written "—", "/" or left blank are one finding; the member reads them as 0 in one step
(a button here; `receive(blank_as_zero=True)` for a front end with a checkbox).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat.clock import today_in_settings_zone
from bot.chat.state import Button, Reply
from bot.chat.turn import Turn
from bot.chat.views import findings_text, row_name
from bot.core.answers import AnswersFile, answers_from_mapping, dump_answers
from bot.core.calendar import report_year_for
from bot.core.previous import PreviousMismatch, previous_mismatch
from bot.core.reader import DocxReadError, ReadProblem, ReadResult, read_report
from bot.core.reader.findings import read_findings
from storage import positions, reports
from storage.db import session_scope
from storage.errors import StorageError
from storage.models import Member, Organisation

# The Bot API lets bots download files up to 20 MB; a report is far smaller.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A file over the limit: "发送" (the chat) or "上传" (the web) it again, made smaller.
TOO_LARGE = (
    f"文件过大（超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB），请压缩图片或删除附件后重新{{}}。"
)
USE_AS_PREVIOUS = "U"
USE_RENAMED = "UR"
_RENAMED_BUTTONS = ((Button("确认是本单位更名前的报告，用作上年报告", USE_RENAMED),),)
# Distinct from every walkthrough action ("Z" there confirms a table's zero fill).
ACCEPT_ZEROS = "AZ"
# The buttons an upload's answer carries; `ReportUploads.press` carries them out.
UPLOAD_ACTIONS = (USE_AS_PREVIOUS, USE_RENAMED, ACCEPT_ZEROS)
# The chat state key holding an uploaded report until the member decides what it is for.
UPLOAD_KEY = "upload"
# The chat state key holding a report read with probable zeros, until they are accepted.
ZEROS_KEY = "upload_zeros"
UPLOAD_SUFFIXES = (".docx", ".html", ".htm", ".pdf")


class ReportUploads:
    def __init__(self, engine: Engine, *, today: Callable[[], date] = today_in_settings_zone):
        self.engine = engine
        self.today = today

    def receive(
        self, member: Member, content: bytes, filename: str, *, blank_as_zero: bool = False
    ) -> Turn:
        """Read an uploaded report; `blank_as_zero` reads cells written "—", "/" or left
        blank as 0 (the member has ticked that they are zeros)."""
        if not filename.lower().endswith(UPLOAD_SUFFIXES):
            return Turn(
                (
                    Reply(
                        "请发送 Word（.docx）、网页（.html/.htm）或 PDF 格式的年度报告；"
                        ".doc 等格式请先另存为 .docx。"
                    ),
                )
            )
        try:
            result = read_report(content, blank_as_zero=blank_as_zero)
        except DocxReadError as exc:
            return Turn((Reply(f"无法读取该文件：{exc}"),))
        return self._respond(member, result)

    def press(self, member: Member, action: str) -> Turn:
        """One of `UPLOAD_ACTIONS` pressed under the answer to an upload."""
        if action == ACCEPT_ZEROS:
            return self.accept_zeros(member)
        return self.use_as_previous(member, renamed=action == USE_RENAMED)

    def accept_zeros(self, member: Member) -> Turn:
        """Read the probable zeros of the last uploaded report as 0, and show it again."""
        with session_scope(self.engine) as session:
            position = positions.get_position(session, member_id=member.id)
            payload = (position.state if position is not None else {}).get(ZEROS_KEY)
            if payload is None:
                return Turn((), notice="没有待确认的报告，请重新发送报告文件。")
            positions.update_state(session, member_id=member.id, drop=(ZEROS_KEY,))
        return self._respond(member, _result_from_payload(payload).with_zeros_accepted())

    def _respond(self, member: Member, result: ReadResult) -> Turn:
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
        if result.probable_zeros:
            with session_scope(self.engine) as session:
                positions.update_state(
                    session, member_id=member.id, changes={ZEROS_KEY: _result_payload(result)}
                )
            count = len(result.probable_zeros)
            replies.append(
                Reply(
                    f"报告中有 {count} 个单元格填写为“—”“/”或空白，通常表示 0。"
                    "核对确为 0 后，可一次全部按 0 读取。",
                    buttons=((Button(f"全部按 0 读取（{count} 处）", ACCEPT_ZEROS),),),
                )
            )
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


def _result_payload(result: ReadResult) -> dict[str, Any]:
    """A read report as plain JSON, kept in the chat state until its zeros are accepted."""
    return {
        "answers": _answers_payload(result.answers),
        "problems": [asdict(p) for p in result.problems],
        "assumed_zero": list(result.assumed_zero),
    }


def _result_from_payload(payload: dict[str, Any]) -> ReadResult:
    problems = [ReadProblem(**(p | {"fields": tuple(p["fields"])})) for p in payload["problems"]]
    answers = AnswersFile(**payload["answers"])
    return ReadResult(answers, problems, tuple(payload["assumed_zero"]))


def _report_name(result: ReadResult) -> str:
    answers = result.answers
    if answers.agency and answers.year:
        return f"{answers.agency}{answers.year}年度报告"
    return "标题未能识别的报告"
