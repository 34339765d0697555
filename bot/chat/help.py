"""The fixed texts of the chat's front door: /help for each role, and what an unknown sender
is told. Every front end (Telegram, the terminal chat) shows these same texts."""

from __future__ import annotations

from storage.models import Member

_FILLING = (
    "/report 开始或继续填写本单位报告（有多个年度可填时加年度，如“/report 2025”）",
    "/status 查看各部分填写进度和待处理问题",
    "/preview 预览已填写的表格",
    "/generate 全面校验并生成 Word 报告",
    "/submit 校验通过后提交报告，送上级审核",
)
_REVIEWING = (
    "/review 审核所辖单位提交的报告",
    "/overview 所辖单位填报总览（可加年度，如“/overview 2025”）",
    "/summary 汇总所辖单位已审核通过的报告",
)
_WEB = "/web 获取网页版的一次性登录链接"
_TABLE_TIP = (
    "表格可一次填写一整行，如“3 0 1 0 0 0”，全部为 0 可只填“0”；"
    "也可从 Excel、WPS 复制整张表（可带行名）一次粘贴发送。"
)


def help_text(member: Member | None = None) -> str:
    """The commands a member's role uses (everything for an unknown sender or an admin)."""
    fills = member is None or member.reports or member.role == "admin"
    reviews = member is None or member.supervises or member.role == "admin"
    if fills:
        lines = ["本助手协助填写《政府信息公开工作年度报告》，每填一项即自动保存。", *_FILLING]
        if reviews:
            lines += [line + ("（督导人员）" if member is None else "") for line in _REVIEWING]
        lines += ["/cancel 暂停填写（已填内容不会丢失）", _WEB, "/help 显示本说明", _TABLE_TIP]
    else:
        lines = [
            "本助手协助督导人员审核、汇总所辖单位的《政府信息公开工作年度报告》。",
            *_REVIEWING,
            _WEB,
            "/help 显示本说明",
            "所辖单位提交报告后，您会收到通知和报告的 Word 文档。",
        ]
    return "\n".join(lines)


HELP_TEXT = help_text()

NOT_A_MEMBER = (
    "您好！本助手仅供已登记的政府信息公开工作人员使用。\n"
    "请向本单位或上级政务公开办索取邀请码，然后发送“/start 邀请码”完成登记。"
)


NOT_A_MEMBER_BUTTON = (
    "您尚未登记或已被移出，无法使用此按钮。"
    "请向本单位或上级政务公开办索取邀请码后发送“/start 邀请码”。"
)
