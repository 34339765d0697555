"""Staff submit their organisation's report: /submit checks it and asks to confirm; once no
error remains the confirmation locks it, tells the supervisors nearest above the organisation
(with the Word document) and the organisation's other staff.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import Session, select

from bot.chat.desk_actions import KEEP, RECEIVED, SUBMIT, action
from bot.chat.desk_results import (
    STALE,
    UNAVAILABLE,
    DeskResult,
    Refusal,
    notify,
    readable_report,
    record_admin_action,
    said,
)
from bot.chat.desk_views import local_time, member_names, report_title
from bot.chat.documents import Document, document_filename
from bot.chat.service import ReportChat
from bot.chat.state import Button, Reply
from bot.chat.turn import Turn
from bot.chat.views import blocked_reply, findings_text, progress
from bot.core.calendar import report_year_for
from bot.core.checks import has_errors
from bot.core.render import render_report
from storage import access, clock, positions, reports
from storage.errors import StorageError
from storage.models import Member, Report
from storage.orgs import get_org
from storage.overview import reviewers_for, staff_of


class Submission:
    """The submit flow of one member's own report, inside the caller's session."""

    def __init__(self, chat: ReportChat, today: Callable[[], date]):
        self._chat = chat
        self.today = today

    def start(self, session: Session, actor: Member) -> DeskResult:
        """/submit: check the member's current report and ask to confirm the submission."""
        if actor.role != "admin" and not actor.reports:
            return said(
                "督导人员负责审核下级单位的报告，不能提交报告；本单位的报告由本单位填报人员提交。"
            )
        report = self.own_report(session, actor)
        if report is None:
            year = report_year_for(self.today())
            return said(f"本单位尚未开始填写{year}年度报告，请发送 /report 开始填写。")
        return self.view(session, actor, report)

    def own_report(self, session: Session, actor: Member) -> Report | None:
        """The report the member is working on: the walkthrough's, else this year's."""
        position = positions.get_position(session, member_id=actor.id)
        if position is not None and position.report_id is not None:
            try:
                report = reports.get_report(session, actor=actor, report_id=position.report_id)
            except StorageError:
                report = None
            if report is not None and report.org_id == actor.org_id:
                return report
        year = report_year_for(self.today())
        return session.exec(
            select(Report).where(Report.org_id == actor.org_id, Report.year == year)
        ).first()

    def view(
        self, session: Session, actor: Member, report: Report, notice: str | None = None
    ) -> DeskResult:
        if report.status == "submitted":
            return said(
                f"{report_title(report)}已提交，正在等待上级审核；审核期间报告已锁定，不能修改。",
                notice,
            )
        if report.status == "approved":
            return said(f"{report_title(report)}已审核通过，不能再修改或重新提交。", notice)
        state = self._chat.load_state(session, actor, report)
        findings = state.findings()
        if has_errors(findings):
            reply = blocked_reply(state, findings, doing="提交")
            return DeskResult(Turn((reply,), report.id, state.position.question, notice=notice))
        reviewers = reviewers_for(session, org_id=report.org_id)
        if reviewers:
            unit = get_org(session, org_id=reviewers[0].org_id).name
            who = f"提交后将送{unit}审核人员（{member_names(reviewers)}）审核。"
        else:
            who = "上级单位尚无审核人员登记，提交后请联系管理员安排审核。"
        done, total = progress(state)
        lines = [
            f"{report_title(report)}校验通过（填写进度 {done}/{total}），可以提交。",
            who,
            "提交后报告将锁定，不能再修改；如需修改，须由审核人员退回。",
        ]
        warnings = [f for f in findings if f.severity == "warning"]
        if warnings:
            lines.append(findings_text(warnings, title="以下提示请核对后再提交："))
        lines.append("确认提交吗？")
        buttons = (
            (
                Button("确认提交", action(SUBMIT, report.id, report.version)),
                Button("暂不提交", action(KEEP)),
            ),
        )
        reply = Reply("\n".join(lines), buttons=buttons)
        return DeskResult(Turn((reply,), report.id, state.position.question, notice=notice))

    def confirm(self, session: Session, actor: Member, report_id: int, version: int) -> DeskResult:
        report = readable_report(session, actor, report_id)
        if report.org_id != actor.org_id and actor.role != "admin":
            raise Refusal(UNAVAILABLE)
        if report.status not in access.WRITABLE_STATUSES:
            return self.view(session, actor, report, notice=STALE)
        if report.version != version:
            return self.view(
                session, actor, report, notice="报告内容已有变更，请重新核对后再提交。"
            )
        state = self._chat.load_state(session, actor, report)
        if any(f.severity == "error" for f in state.findings()):
            return self.view(session, actor, report, notice="尚有错误，暂不能提交。")
        report = reports.set_status(
            session, actor=actor, report_id=report.id, to_status="submitted"
        )
        record_admin_action(session, actor, "report.submit", report_id=report.id)
        reviewers = reviewers_for(session, org_id=report.org_id)
        org = get_org(session, org_id=report.org_id)
        # What was locked, read after the transition (a save may have landed just before it).
        values = reports.report_values(session, actor=actor, report_id=report.id)
        content = render_report(state.form, agency=report.agency, year=report.year, values=values)
        document = Document(
            document_filename(state.form, agency=report.agency, year=report.year),
            content,
            f"{report_title(report)}（待审核）",
        )
        to_reviewers = Turn(
            (
                Reply(
                    f"{org.name}的{actor.name}于{local_time(clock.utcnow())}提交了"
                    f"{report_title(report)}，请审核。报告 Word 文档见下。",
                    buttons=((Button("开始审核", action(RECEIVED, report.id, report.version)),),),
                ),
            ),
            document=document,
        )
        colleagues = [m for m in staff_of(session, org_id=report.org_id) if m.id != actor.id]
        to_colleagues = Turn(
            (
                Reply(
                    f"{actor.name}已提交本单位{report.year}年度报告，"
                    "报告已锁定，审核期间不能修改；审核结果将通过本助手通知。"
                ),
            )
        )
        if reviewers:
            unit = get_org(session, org_id=reviewers[0].org_id).name
            sent = f"已通知{unit}审核人员（{member_names(reviewers)}）审核。"
        else:
            sent = "上级单位尚无审核人员登记，请联系管理员安排审核。"
        reply = Reply(
            f"已提交{report_title(report)}。{sent}\n"
            "报告已锁定，审核期间不能修改；审核结果将通过本助手通知您。"
        )
        return DeskResult(
            Turn((reply,), report.id),
            (*notify(reviewers, to_reviewers), *notify(colleagues, to_colleagues)),
        )
