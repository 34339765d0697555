"""When a member blocks the bot, their supervisors are told: one message to each supervisor of
the nearest organisation above them that has any who can be reached."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, select

from bot.core.calendar import report_year_for
from bot.reminders.delivery import Delivery
from bot.reminders.messages import blocked_text
from bot.reminders.policy import ReminderPolicy
from storage.models import SUPERVISING_ROLES, Member, Organisation
from storage.orgs import ancestors


def blocked_notices(
    session: Session, *, member_id: int, now: datetime, policy: ReminderPolicy
) -> list[Delivery]:
    """Messages telling a member's supervisors that the member blocked the bot.

    The supervisors are those of the nearest organisation, from the member's own upwards,
    that has reachable supervisors (other than the member).
    """
    today = policy.local(now).date()
    year = report_year_for(today)
    member = session.get(Member, member_id)
    if member is None:
        return []
    org = session.get(Organisation, member.org_id)
    if org is None:
        return []
    chain = ancestors(session, org=org)
    names = {node.id: node.name for node in chain}
    supervisors = session.exec(
        select(Member)
        .where(
            Member.role.in_(SUPERVISING_ROLES),  # type: ignore[attr-defined]
            Member.active,
            Member.org_id.in_(names),  # type: ignore[attr-defined]
            Member.chat_id.is_not(None),  # type: ignore[union-attr]
            Member.blocked_at.is_(None),  # type: ignore[union-attr]
            Member.id != member_id,
        )
        .order_by(Member.id)  # type: ignore[arg-type]
    ).all()
    by_org: dict[int, list[Member]] = defaultdict(list)
    for supervisor in supervisors:
        by_org[supervisor.org_id].append(supervisor)
    nearest = next((by_org[node.id] for node in chain if by_org.get(node.id)), [])  # type: ignore[index]
    text = blocked_text(member_name=member.name, role=member.role, org_name=org.name)
    return [
        Delivery(
            key=f"blocked:{year}:m{member_id}:s{supervisor.id}:{today.isoformat()}",
            kind="blocked",
            step="blocked",
            member_id=supervisor.id,  # type: ignore[arg-type]
            member_name=supervisor.name,
            org_name=names[supervisor.org_id],
            chat_id=supervisor.chat_id,  # type: ignore[arg-type]
            report_id=None,
            text=text,
        )
        for supervisor in nearest
    ]
