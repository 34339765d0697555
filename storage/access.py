"""Who may do what. Every storage function that acts for a member goes through here.

staff: their own organisation's reports, writable while draft or returned.
supervisor: read-only over their organisation and everything below it, plus review.
supervisor_staff: both, in one account: a supervisor who also fills in and submits their own
organisation's report (never reviews it: review is always by an organisation above).
admin: everything, including administration (the organisation tree, members, invites,
deadlines, web passwords), which `check_admin` guards for the web and the command line alike.

The member is re-read from the database on every check, so deactivating someone or changing
their role takes effect on their very next action, even in a long-running chat process.
"""

from __future__ import annotations

from sqlalchemy import event, orm
from sqlmodel import Session

from storage import audit
from storage.errors import PermissionDenied
from storage.models import STATUS_LABELS, Member, Report
from storage.orgs import subtree_ids

WRITABLE_STATUSES = ("draft", "returned")
_CHECKED = "nianbao_current_members"


@event.listens_for(orm.Session, "after_transaction_end")
def _forget_checked_members(session: orm.Session, transaction: orm.SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHECKED, None)


def current(session: Session, actor: Member) -> Member:
    """The acting member as the database has it now; refused if no longer active.

    Read once per transaction rather than once per check: a transaction is one step of one
    action, so a deactivation still takes effect at once.
    """
    checked: dict[int | None, Member] = session.info.setdefault(_CHECKED, {})
    fresh = checked.get(actor.id)
    if fresh is None:
        fresh = session.get(Member, actor.id, populate_existing=True)
        if fresh is None or not fresh.active:
            raise PermissionDenied("您的账号已停用，如需继续填报请联系管理员")
        checked[actor.id] = fresh
    return fresh


def note_current(session: Session, member: Member) -> None:
    """`member` was just read from the database in this transaction: `current` need not
    read it again."""
    if member.active:
        session.info.setdefault(_CHECKED, {})[member.id] = member


def readable_org_ids(session: Session, actor: Member) -> set[int] | None:
    """The organisations whose reports `actor` may read; None means all."""
    if actor.role == "admin":
        return None
    if actor.supervises:
        return subtree_ids(session, org_id=actor.org_id)
    return {actor.org_id}


def check_read(session: Session, actor: Member, org_id: int) -> Member:
    actor = current(session, actor)
    allowed = readable_org_ids(session, actor)
    if allowed is not None and org_id not in allowed:
        raise PermissionDenied("您无权查看其他单位的报告")
    return actor


def check_create(session: Session, actor: Member, org_id: int) -> Member:
    actor = current(session, actor)
    if actor.role == "admin":
        return actor
    if not actor.reports:
        raise PermissionDenied("督导人员只能查看和审核报告，不能代为填报")
    if org_id != actor.org_id:
        raise PermissionDenied("您只能填报本单位的报告")
    return actor


def may_review(session: Session, actor: Member, report: Report) -> bool:
    """Approving or returning: an admin, or a supervisor of an organisation above the
    report's (not its own)."""
    actor = current(session, actor)
    if actor.role == "admin":
        return True
    return (
        actor.supervises
        and report.org_id != actor.org_id
        and report.org_id in subtree_ids(session, org_id=actor.org_id)
    )


def check_transition(session: Session, actor: Member, report: Report, to_status: str) -> Member:
    """Submitting: the organisation's own staff or an admin. Anything else: `may_review`."""
    actor = current(session, actor)
    if to_status == "submitted":
        if actor.role != "admin" and (not actor.reports or actor.org_id != report.org_id):
            raise PermissionDenied("只有本单位填报人员或管理员可以提交报告")
    elif not may_review(session, actor, report):
        raise PermissionDenied("只有上级单位的审核人员或管理员可以审核该报告")
    return actor


def check_write(session: Session, actor: Member | None, report: Report) -> Member | None:
    """None acts as the system (admin command line): always allowed."""
    if actor is None:
        return None
    actor = check_create(session, actor, report.org_id)
    if actor.role != "admin" and report.status not in WRITABLE_STATUSES:
        raise PermissionDenied(
            f"报告当前状态为「{STATUS_LABELS[report.status]}」，不能修改；"
            "如需修改，请联系审核人员退回"
        )
    return actor


def check_admin(session: Session, actor: Member | str) -> str:
    """Administration: an active admin member, or the command line (a str naming who runs it,
    trusted: whoever runs it holds the database anyway). Returns the actor as the audit log
    records it."""
    if isinstance(actor, str):
        return actor
    member = current(session, actor)
    if member.role != "admin":
        raise PermissionDenied("只有管理员可以管理单位、成员、邀请码和截止日期")
    return audit.member_actor(member)
