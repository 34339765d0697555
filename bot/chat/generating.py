"""/generate and 「生成报告」: every check, then the Word report (and its PDF beside it).

The report is rendered in the caller's session; the PDF is made after it has closed
(`with_pdf`), so that no transaction waits for LibreOffice.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from bot.chat.documents import Document, PdfConvert, document_filename, pdf_beside
from bot.chat.member_state import save_position, saved_position
from bot.chat.state import Reply, ReportState
from bot.chat.turn import Turn, report_turn
from bot.chat.views import blocked_reply, findings_text
from bot.core.checks import has_errors
from bot.core.render import render_report
from storage.models import Member, Report


def generate_turn(session: Session, member: Member, report: Report, state: ReportState) -> Turn:
    """The Word report when no check finds an error (once per version: the position records
    the version sent), else what blocks it."""
    findings = state.findings()
    if has_errors(findings):
        reply = blocked_reply(state, findings, doing="生成")
        return report_turn(report, (reply,), state.position)
    position_row = saved_position(session, member)
    generated = (position_row.state if position_row else {}).get("generated")
    if generated == report.version:
        return report_turn(
            report,
            (Reply("本版本的报告已经生成并发送，内容未变更。修改后可重新生成。"),),
            state.position,
        )
    content = render_report(state.form, agency=report.agency, year=report.year, values=state.values)
    save_position(session, member, report, state.position, generated=report.version)
    warnings = [f for f in findings if f.severity == "warning"]
    text = "报告已生成，校验通过。"
    if warnings:
        text = findings_text(warnings, title="报告已生成。以下提示请核对：")
    document = Document(
        document_filename(state.form, agency=report.agency, year=report.year),
        content,
        state.form.document_title_for(agency=report.agency, year=report.year),
    )
    return replace(report_turn(report, (Reply(text),), state.position), document=document)


def pdf_after(turn: Turn, convert: PdfConvert | None) -> Turn | None:
    """What follows a turn's Word report once it has been sent: its PDF, or a line saying why
    there is none (`convert` None, or no Word report: nothing follows)."""
    if convert is None or turn.document is None:
        return None
    pdf, why_not = pdf_beside(turn.document, convert)
    if pdf is not None:
        return Turn((), turn.report_id, turn.question, document=pdf)
    return Turn((Reply(why_not or ""),), turn.report_id, turn.question)


def with_pdf(turn: Turn, convert: PdfConvert | None) -> Turn:
    """The turn's Word report with its PDF beside it (`convert` None: Word only); when the
    conversion fails, the last reply says why."""
    if convert is None or turn.document is None:
        return turn
    pdf, why_not = pdf_beside(turn.document, convert)
    if pdf is not None:
        return replace(turn, attachments=(pdf,))
    last = turn.replies[-1]
    replies = (*turn.replies[:-1], replace(last, text=f"{last.text}\n{why_not}"))
    return replace(turn, replies=replies)
