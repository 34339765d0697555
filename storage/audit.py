"""The admin audit trail: who did what, written in the same transaction as the action."""

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.models import ORG_TYPE_LABELS, ROLE_LABELS, STATUS_LABELS, AuditLog, Member

# What the administration page calls each action (the codes are what is stored).
ACTION_LABELS = {
    "db.upgrade": "升级数据库",
    "org.add": "添加单位",
    "org.rename": "单位改名",
    "org.move": "调整上级单位",
    "org.set_type": "更改单位类型",
    "invite.create": "生成邀请码",
    "invite.revoke": "撤销邀请码",
    "member.join_web": "网页登记加入",
    "member.deactivate": "停用成员",
    "member.reactivate": "恢复成员",
    "member.set_role": "更改成员角色",
    "member.set_password": "设置网页密码",
    "deadline.set": "设置截止日期",
    "deadline.clear": "取消单独设置的截止日期",
    "report.import": "导入报告",
    "report.export": "导出报告",
    "report.export_all": "导出全部报告",
    "report.summary": "汇总报告",
}
MEMBER_PREFIX = "member:"
# The detail's keys as the page shows them.
DETAIL_LABELS = {
    "org_id": "单位编号",
    "name": "名称",
    "org_type": "单位类型",
    "parent_id": "上级单位编号",
    "from": "原为",
    "to": "改为",
    "invite_id": "邀请码编号",
    "role": "角色",
    "member_id": "成员编号",
    "telegram_user_id": "Telegram 编号",
    "year": "年度",
    "due": "截止日期",
    "revision": "版本",
    "report_id": "报告编号",
    "file": "文件",
    "directory": "目录",
    "reports": "报告份数",
    "version": "报告版本",
}
_CODES = {**ROLE_LABELS, **ORG_TYPE_LABELS, **STATUS_LABELS}


def member_actor(member: Member) -> str:
    """How the log names a member acting (on the web or in the chat)."""
    return f"{MEMBER_PREFIX}{member.id}"


def actor_text(actor: str, people: list[Member]) -> str:
    """Who an entry names, for a page: a member by name (`member:7`, the account page's
    `web:member:7`, the review desk's `telegram:<Telegram id>`, a web join's `web:<login>`),
    the command line as 命令行（user）; anything else as stored."""
    kind, _, key = actor.rpartition(":")
    found: Member | None = None
    if kind in ("member", "web:member") and key.isdigit():
        found = next((m for m in people if m.id == int(key)), None)
    elif kind == "telegram" and key.isdigit():
        found = next((m for m in people if m.telegram_user_id == int(key)), None)
    elif kind == "web":
        found = next((m for m in people if m.login == key), None)
    elif actor == "cli" or kind == "cli":
        return f"命令行（{key or '系统'}）" if kind else "命令行"
    return f"{found.name}（成员编号 {found.id}）" if found is not None else actor


def people_named(session: Session, actors: Iterable[str]) -> list[Member]:
    """The members `actor_text` needs to name `actors` (a page's entries), read in one query
    rather than every member."""
    ids: set[int] = set()
    telegram_ids: set[int] = set()
    logins: set[str] = set()
    for actor in actors:
        kind, _, key = actor.rpartition(":")
        if kind in ("member", "web:member") and key.isdigit():
            ids.add(int(key))
        elif kind == "telegram" and key.isdigit():
            telegram_ids.add(int(key))
        elif kind == "web":
            logins.add(key)
    if not (ids or telegram_ids or logins):
        return []
    query = select(Member).where(
        sa.or_(
            Member.id.in_(ids),  # type: ignore[union-attr]
            Member.telegram_user_id.in_(telegram_ids),  # type: ignore[union-attr]
            Member.login.in_(logins),  # type: ignore[union-attr]
        )
    )
    return list(session.exec(query).all())


def record(session: Session, *, actor: str, action: str, detail: dict[str, Any]) -> AuditLog:
    """Add an audit row; it is committed together with the action it describes."""
    entry = AuditLog(actor=actor, action=action, detail=detail)
    session.add(entry)
    return entry


def recent(session: Session, *, limit: int = 200) -> list[AuditLog]:
    """The newest entries first."""
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list(session.exec(query).all())


def describe(detail: dict[str, Any]) -> str:
    """An entry's detail in words: 单位编号：3；角色：填报人员 (codes shown as their labels)."""
    return "；".join(f"{DETAIL_LABELS.get(key, key)}：{_shown(v)}" for key, v in detail.items())


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(item) for item in value) or "—"
    return _CODES.get(value, str(value)) if isinstance(value, str) else str(value)
