"""Supervisors decide on submitted reports: the list awaiting review, a report's review view
(checks, history, then its Word document with 通过/退回), approval, and return with a comment
that goes to the organisation's staff.

A supervisor's pending return comment lives in their chat position (`PENDING_KEY`), so it
survives a restart: the next text message is the comment, unless the member (holding both
roles) turns to their own report first, which cancels it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.chat.desk_actions import APPROVE, CANCEL_RETURN, LIST, OPEN, RETURN, action
from bot.chat.desk_results import (
    DeskResult,
    Refusal,
    notify,
    readable_report,
    record_admin_action,
    said,
)
from bot.chat.desk_views import history_lines, local_time, member_names, report_title
from bot.chat.documents import Document, document_filename
from bot.chat.member_state import PENDING_RETURN_KEYS
from bot.chat.service import ReportChat
from bot.chat.state import Button, Reply
from bot.chat.turn import OPEN_REPORT, Turn
from bot.chat.views import findings_text, progress
from bot.core.draft_marks import draft_options
from bot.core.render import render_report
from storage import access, clock, positions, reports
from storage.errors import StorageError
from storage.models import STATUS_LABELS, Member, Report
from storage.orgs import get_org
from storage.overview import can_review, report_events, staff_of, submitted_for_review

PENDING_KEY, PENDING_VERSION_KEY = PENDING_RETURN_KEYS

MAX_LISTED = 30
MAX_COMMENT_CHARS = 1000

CHANGED = "报告内容已有变更，已显示最新内容，请重新审核。"


class ReviewDecisions:
    """Review, approval and return of submitted reports, inside the caller's session."""

    def __init__(self, chat: ReportChat):
        self._chat = chat

    def for_review(self, session: Session, actor: Member, report_id: int) -> Report:
        report = readable_report(session, actor, report_id)
        if not can_review(session, actor, report):
            if actor.supervises and report.org_id == actor.org_id:
                raise Refusal("本单位的报告应由上级单位的审核人员审核。")
            raise Refusal("只有上级单位的审核人员可以审核该报告。")
        if report.status != "submitted":
            label = STATUS_LABELS.get(report.status, report.status)
            raise Refusal(f"{report_title(report)}当前状态为「{label}」，不在待审核状态。")
        return report

    def waiting_list(self, session: Session, actor: Member) -> DeskResult:
        waiting = submitted_for_review(session, actor=actor)
        if not waiting:
            return said("目前没有待审核的报告。发送 /overview 可查看所辖单位的填报情况。")
        submitted = self._submitted_at(session, actor, waiting[:MAX_LISTED])
        lines = [f"待审核的报告共 {len(waiting)} 份（按提交先后排列），点击按钮查看并审核："]
        buttons = []
        for number, report in enumerate(waiting[:MAX_LISTED], start=1):
            when, who = submitted.get(report.id, (None, None))
            by = f"，{who}于{local_time(when)}提交" if when is not None else ""
            lines.append(f"{number}. {report_title(report)}{by}")
            buttons.append((Button(f"{number}. {report.agency}", action(OPEN, report.id)),))
        if len(waiting) > MAX_LISTED:
            lines.append(f"仅列出最早提交的 {MAX_LISTED} 份，审核后发送 /review 查看其余报告。")
        return DeskResult(Turn((Reply("\n".join(lines), buttons=tuple(buttons)),)))

    def _submitted_at(
        self, session: Session, actor: Member, waiting: list[Report]
    ) -> dict[int, tuple[datetime, str | None]]:
        found: dict[int, tuple[datetime, str | None]] = {}
        for report in waiting:
            events = [
                row
                for row in report_events(session, actor=actor, report_id=report.id)
                if row.event.to_status == "submitted"
            ]
            if events:
                found[report.id] = (events[-1].event.at, events[-1].member_name)
        return found

    def view(
        self,
        session: Session,
        actor: Member,
        report: Report,
        heading: str | None = None,
        *,
        send_document: bool = True,
    ) -> DeskResult:
        """The report's checks and history, then its Word document with 通过/退回 under it
        (the decision comes after reading); without the document the buttons go with the
        text."""
        state = self._chat.load_state(session, actor, report)
        findings = state.findings()
        errors = [f for f in findings if f.severity == "error"]
        warnings = [f for f in findings if f.severity == "warning"]
        events = report_events(session, actor=actor, report_id=report.id)
        done, total = progress(state)
        lines = [heading] if heading else []
        lines.append(f"【审核】{report_title(report)}")
        submits = [e for e in events if e.event.to_status == "submitted"]
        if submits:
            last = submits[-1]
            lines.append(
                f"报告状态：已提交（{last.member_name or '管理员'}，{local_time(last.event.at)}）"
            )
        lines.append(f"填写进度：{done}/{total}")
        if not findings:
            lines.append("校验结果：未发现错误和提示。")
        else:
            lines.append(
                findings_text(
                    findings, title=f"校验结果：错误 {len(errors)} 项、提示 {len(warnings)} 项。"
                )
            )
        if len(events) > 1:
            lines.append("审核记录：")
            lines.extend(history_lines(events))
        if errors:
            lines.append("报告尚有错误，不能审核通过，请退回修改。")
            decision: tuple[Button, ...] = (
                Button("退回", action(RETURN, report.id, report.version)),
            )
        else:
            where = "下方" if send_document else "已收到的"
            lines.append(f"请审阅{where} Word 文档后选择“通过”或“退回”。")
            decision = (
                Button("通过", action(APPROVE, report.id, report.version)),
                Button("退回", action(RETURN, report.id, report.version)),
            )
        buttons = (decision, (Button("返回待审列表", action(LIST)),))
        if not send_document:
            return DeskResult(Turn((Reply("\n".join(lines), buttons=buttons),), report.id))
        content = render_report(
            state.form,
            agency=report.agency,
            year=report.year,
            values=state.values,
            **draft_options(errors),
        )
        document = Document(
            document_filename(state.form, agency=report.agency, year=report.year),
            content,
            f"{report_title(report)}（待审核）",
            buttons=buttons,
        )
        return DeskResult(Turn((Reply("\n".join(lines)),), report.id, document=document))

    def approve(self, session: Session, actor: Member, report_id: int, version: int) -> DeskResult:
        report = self.for_review(session, actor, report_id)
        if report.version != version:
            return self.view(session, actor, report, heading=CHANGED)
        state = self._chat.load_state(session, actor, report)
        if any(f.severity == "error" for f in state.findings()):
            return self.view(session, actor, report, heading="报告尚有错误，不能审核通过。")
        report = reports.set_status(session, actor=actor, report_id=report_id, to_status="approved")
        record_admin_action(session, actor, "report.approve", report_id=report_id)
        staff = staff_of(session, org_id=report.org_id)
        reviewer_org = get_org(session, org_id=actor.org_id).name
        notice = Turn(
            (
                Reply(
                    f"本单位{report.year}年度报告已审核通过。\n"
                    f"审核人：{reviewer_org} {actor.name}，{local_time(clock.utcnow())}。\n"
                    "可发送 /generate 生成正式 Word 文档，并按规定时限公开发布。"
                ),
            )
        )
        remaining = len(submitted_for_review(session, actor=actor))
        lines = [f"已审核通过：{report_title(report)}。"]
        lines.append(
            f"已通知填报人员（{member_names(staff)}）。" if staff else "该单位暂无登记的填报人员。"
        )
        buttons: tuple[tuple[Button, ...], ...] = ()
        if remaining:
            lines.append(f"尚有 {remaining} 份报告待审核。")
            buttons = ((Button("查看待审列表", action(LIST)),),)
        return DeskResult(
            Turn((Reply("\n".join(lines), buttons=buttons),), report.id),
            tuple(notify(staff, notice)),
        )

    def ask_comment(
        self, session: Session, actor: Member, report_id: int, version: int
    ) -> DeskResult:
        report = self.for_review(session, actor, report_id)
        if report.version != version:
            return self.view(session, actor, report, heading=CHANGED)
        self.set_pending(session, actor, report)
        return said(
            f"请发送退回{report_title(report)}的意见：您发送的下一条文字消息将作为退回意见，"
            "原样转给该单位填报人员，报告随即退回修改。",
            buttons=((Button("取消退回", action(CANCEL_RETURN)),),),
        )

    def send_back(
        self, session: Session, actor: Member, report: Report, comment: str
    ) -> DeskResult:
        report = reports.set_status(
            session,
            actor=actor,
            report_id=report.id,
            to_status="returned",
            comment=comment,
        )
        record_admin_action(session, actor, "report.return", report_id=report.id)
        staff = staff_of(session, org_id=report.org_id)
        reviewer_org = get_org(session, org_id=actor.org_id).name
        notice = Turn(
            (
                Reply(
                    f"本单位{report.year}年度报告已被退回修改。\n"
                    f"退回意见（{reviewer_org} {actor.name}）：\n{comment}\n\n"
                    "报告已解锁，可以修改。修改完成后请发送 /submit 重新提交。",
                    buttons=((Button("修改报告", OPEN_REPORT),),),
                ),
            ),
            report.id,
        )
        lines = [f"已退回{report_title(report)}。"]
        lines.append(
            f"退回意见已转给填报人员（{member_names(staff)}）。"
            if staff
            else "该单位暂无登记的填报人员。"
        )
        return DeskResult(Turn((Reply("\n".join(lines)),), report.id), tuple(notify(staff, notice)))

    def pending(self, session: Session, member: Member) -> tuple[int | None, int | None]:
        position = self._chat.saved_position(session, member)
        state = position.state if position is not None else {}
        report_id, version = state.get(PENDING_KEY), state.get(PENDING_VERSION_KEY)
        if not isinstance(report_id, int) or not isinstance(version, int):
            return None, None
        return report_id, version

    def set_pending(self, session: Session, member: Member, report: Report | None) -> None:
        """Remember (or forget) the report awaiting a return comment, keeping the rest."""
        if report is None:
            positions.update_state(
                session, member_id=member.id, drop=(PENDING_KEY, PENDING_VERSION_KEY)
            )
        else:
            positions.update_state(
                session,
                member_id=member.id,
                changes={PENDING_KEY: report.id, PENDING_VERSION_KEY: report.version},
            )

    def comment_received(
        self, session: Session, member: Member, report_id: int, version: int | None, text: str
    ) -> DeskResult:
        """The return comment a reviewer was asked for: the report is returned with it."""
        comment = text.strip()
        if not comment:
            return said("请发送退回意见（文字）。")
        if len(comment) > MAX_COMMENT_CHARS:
            return said(
                f"退回意见共 {len(comment)} 字，请精简到 {MAX_COMMENT_CHARS} 字以内后重新发送。",
                buttons=((Button("取消退回", action(CANCEL_RETURN)),),),
            )
        try:
            actor = access.current(session, member)
            self.set_pending(session, actor, None)
            report = self.for_review(session, actor, report_id)
            if report.version != version:
                return self.view(
                    session, actor, report, heading="报告内容已有变更，退回未执行，请重新审核。"
                )
            return self.send_back(session, actor, report, comment)
        except Refusal as refusal:
            return said(f"退回未执行：{refusal}")
        except StorageError as exc:
            return said(f"退回未执行：{exc}")
