"""The fixed texts of the chat's front door: /help for each role, and what an unknown sender
is told. Every front end (Telegram, the terminal chat) shows these same texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storage.models import Member


@dataclass(frozen=True)
class Command:
    """A command of the chat: its line in /help and its entry in Telegram's command menu."""

    name: str
    help: str
    menu: str
    # Who uses it: members who fill in a report, supervisors, or everyone.
    role: Literal["fill", "review", "all"]

    @property
    def help_line(self) -> str:
        return f"/{self.name} {self.help}"


# In the order /help lists them and the menu shows them.
COMMANDS = (
    Command(
        "report",
        "开始或继续填写本单位报告（有多个年度可填时加年度，如“/report 2025”）",
        "开始或继续填写年度报告（可加年度，如 /report 2025）",
        "fill",
    ),
    Command("status", "查看各部分填写进度和待处理问题", "查看填写进度和待处理问题", "fill"),
    Command("preview", "预览已填写的表格", "预览已填写的表格", "fill"),
    Command("generate", "全面校验并生成 Word 报告", "全面校验并生成 Word 报告", "fill"),
    Command("submit", "校验通过后提交报告，送上级审核", "提交报告送上级审核", "fill"),
    Command("review", "审核所辖单位提交的报告", "审核所辖单位报告（督导人员）", "review"),
    Command(
        "overview",
        "所辖单位填报总览（可加年度，如“/overview 2025”）",
        "所辖单位填报总览（督导人员）",
        "review",
    ),
    Command("summary", "汇总所辖单位已审核通过的报告", "汇总所辖单位报告（督导人员）", "review"),
    Command("cancel", "暂停填写（已填内容不会丢失）", "暂停填写（已填内容不会丢失）", "fill"),
    Command("web", "获取网页版的一次性登录链接", "获取网页版一次性登录链接", "all"),
    Command("help", "显示本说明", "使用说明", "all"),
)
_TABLE_TIP = (
    "表格可一次填写一整行，如“3 0 1 0 0 0”，全部为 0 可只填“0”；"
    "也可从 Excel、WPS 复制整张表（可带行名）一次粘贴发送。"
)


def help_text(member: Member | None = None) -> str:
    """The commands a member's role uses (everything for an unknown sender or an admin)."""
    fills = member is None or member.reports or member.role == "admin"
    reviews = member is None or member.supervises or member.role == "admin"
    # Everyone is shown everything when we do not know who asks: say whose the desk's are.
    whose = "（督导人员）" if member is None else ""
    commands = [
        c.help_line + (whose if c.role == "review" and fills else "")
        for c in COMMANDS
        if c.role == "all" or (c.role == "fill" and fills) or (c.role == "review" and reviews)
    ]
    if fills:
        intro = "本助手协助填写《政府信息公开工作年度报告》，每填一项即自动保存。"
        return "\n".join([intro, *commands, _TABLE_TIP])
    intro = "本助手协助督导人员审核、汇总所辖单位的《政府信息公开工作年度报告》。"
    outro = "所辖单位提交报告后，您会收到通知和报告的 Word 文档。"
    return "\n".join([intro, *commands, outro])


HELP_TEXT = help_text()

NOT_A_MEMBER = (
    "您好！本助手仅供已登记的政府信息公开工作人员使用。\n"
    "请向本单位或上级政务公开办索取邀请码，然后发送“/start 邀请码”完成登记。"
)


NOT_A_MEMBER_BUTTON = (
    "您尚未登记或已被移出，无法使用此按钮。"
    "请向本单位或上级政务公开办索取邀请码后发送“/start 邀请码”。"
)
