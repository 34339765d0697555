"""What reminders say. Every text here is read by members: Simplified Chinese, official tone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.chat.state import ReportState
from bot.chat.views import progress, section_label, section_progress
from bot.core.checks import Finding
from bot.reminders.policy import Step
from storage.models import ROLE_LABELS

CONTINUE_BUTTON = "继续填写"
# Blank cells and empty narratives are what "sections not done" already lists.
COVERED_BY_PROGRESS = frozenset({"no_blank_cells", "required_text"})
# Errors quoted in one reminder; the rest are counted (the member sees them all with /status).
MAX_LISTED_ERRORS = 5


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def short_date(day: date) -> str:
    return f"{day.month}月{day.day}日"


def deadline_line(deadline: date, days_left: int) -> str:
    if days_left > 0:
        return f"截止日期为{chinese_date(deadline)}，距截止还有 {days_left} 天。"
    if days_left == 0:
        return f"今天（{chinese_date(deadline)}）是截止日期。"
    return f"截止日期{chinese_date(deadline)}已过，已逾期 {-days_left} 天，请尽快完成。"


@dataclass(frozen=True)
class ReportSummary:
    """A report as a reminder describes it; `state` None: no report started yet."""

    status: str | None
    state: ReportState | None
    errors: tuple[Finding, ...] = ()
    returned_comment: str | None = None
    # Questions answered / questions, computed once (digests list it for every organisation).
    answered: tuple[int, int] | None = None


def staff_text(
    *,
    agency: str,
    year: int,
    deadline: date,
    step: Step,
    summary: ReportSummary,
) -> str:
    lines = [f"【年报提醒】{agency}{year}年度政府信息公开工作年度报告", ""]
    lines.append(deadline_line(deadline, step.days_left))
    if summary.status == "returned":
        lines.append("报告已被退回，请按审核意见修改后重新提交。")
        if summary.returned_comment:
            lines.append(f"审核意见：{summary.returned_comment}")
    state = summary.state
    if state is None:
        lines.append("本单位尚未开始填写本年度报告。")
    else:
        done, total = summary.answered or progress(state)
        left = []
        for section in state.form.sections:
            answered, count = section_progress(state, section)
            if answered < count:
                left.append(f"· {section_label(section)}（已填 {answered}/{count} 项）")
        if left:
            lines.append(f"填写进度 {done}/{total} 项，以下部分尚未完成：")
            lines.extend(left)
        else:
            lines.append(f"各部分均已填写（{done}/{total} 项）。")
        errors = [f for f in summary.errors if f.check not in COVERED_BY_PROGRESS]
        if errors:
            lines.append(f"需修改的错误 {len(errors)} 项：")
            lines.extend(f"· {f.message}" for f in errors[:MAX_LISTED_ERRORS])
            if len(errors) > MAX_LISTED_ERRORS:
                lines.append(f"……另有 {len(errors) - MAX_LISTED_ERRORS} 项，发送 /status 查看。")
        if not left and not errors:
            lines.append("报告已填写完整并通过校验，请发送 /generate 生成报告，按规定报送审核。")
    lines.append("")
    lines.append(f"请点击“{CONTINUE_BUTTON}”，从上次的位置接着填写。")
    return "\n".join(lines)


@dataclass(frozen=True)
class DigestEntry:
    """One organisation that has not submitted, as a supervisor's digest lists it."""

    org_name: str
    status: str | None  # None: no report yet
    deadline: date
    days_left: int
    answered: tuple[int, int] | None

    @property
    def category(self) -> int:
        """Urgency: 0 overdue, 1 returned and not resubmitted, 2 not submitted yet."""
        if self.days_left < 0:
            return 0
        return 1 if self.status == "returned" else 2

    def sort_key(self) -> tuple[int, int, float, str]:
        share = self.answered[0] / self.answered[1] if self.answered and self.answered[1] else 0.0
        return (self.category, self.days_left, share, self.org_name)

    def line(self) -> str:
        if self.days_left < 0:
            when = f"逾期 {-self.days_left} 天（截止{short_date(self.deadline)}）"
        elif self.days_left == 0:
            when = f"今天截止（{short_date(self.deadline)}）"
        else:
            when = f"还有 {self.days_left} 天截止（{short_date(self.deadline)}）"
        if self.answered is None:
            filled = "尚未开始填写"
        else:
            filled = f"已填 {self.answered[0]}/{self.answered[1]} 项"
        returned = "，已退回待修改" if self.category == 0 and self.status == "returned" else ""
        return f"· {self.org_name}：{when}，{filled}{returned}"


_HEADINGS = {0: "逾期未提交", 1: "退回待修改", 2: "尚未提交"}


def digest_text(
    *,
    scope_name: str,
    year: int,
    today: date,
    total: int,
    submitted: int,
    entries: Sequence[DigestEntry],
    max_listed: int,
) -> str:
    ordered = sorted(entries, key=DigestEntry.sort_key)
    # Counted by category, as the headings below are: an overdue returned report is overdue.
    overdue = sum(e.category == 0 for e in ordered)
    returned = sum(e.category == 1 for e in ordered)
    lines = [
        f"【年报督办】{year}年度政府信息公开工作年度报告填报情况",
        "",
        f"截至{chinese_date(today)}，{scope_name}及所属单位共 {total} 个，"
        f"已提交 {submitted} 个，未提交 {len(ordered)} 个"
        f"（其中逾期 {overdue} 个，退回待修改 {returned} 个）。",
    ]
    shown = ordered[:max_listed]
    for category, heading in _HEADINGS.items():
        group = [e for e in shown if e.category == category]
        if group:
            lines += ["", f"{heading}（{sum(e.category == category for e in ordered)} 个）："]
            lines.extend(e.line() for e in group)
    if len(ordered) > len(shown):
        hidden = len(ordered) - len(shown)
        lines += ["", f"……另有 {hidden} 个单位未列出（按紧迫程度列出前 {len(shown)} 个）。"]
    lines += ["", "请督促上述单位按时完成填报并提交审核。"]
    return "\n".join(lines)


def blocked_text(*, member_name: str, role: str, org_name: str) -> str:
    role_label = ROLE_LABELS.get(role, role)
    return (
        f"【提醒未送达】{org_name}的{role_label}{member_name}已屏蔽本机器人，"
        "无法收到年度报告填报提醒。请联系其在 Telegram 中重新打开本机器人并发送 /start，"
        "或另行安排人员负责填报。"
    )
