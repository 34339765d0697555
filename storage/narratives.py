"""Other organisations' narrative texts of a year, for the copied-text check.

A system read: the check shows only the other organisation's name and the share of repeated
text, never the text, so no member's read access is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from bot.core.narrative.similarity import PeerText
from storage.models import Answer, Report


def peer_texts(
    session: Session, *, year: int, fields: Sequence[str], exclude_org_id: int
) -> list[PeerText]:
    """The texts (`fields`) of every other organisation's report for `year`, by agency."""
    if not fields:
        return []
    rows = session.execute(
        sa.select(Report.org_id, Report.agency, Answer.field_id, Answer.value)
        .join(Answer, Answer.report_id == Report.id)  # type: ignore[arg-type]
        .where(
            Report.year == year,
            Report.org_id != exclude_org_id,
            Answer.field_id.in_(list(fields)),  # type: ignore[attr-defined]
        )
        .order_by(Report.org_id)
    ).all()
    by_org: dict[int, tuple[str, dict[str, str]]] = {}
    for org_id, agency, field_id, value in rows:
        if isinstance(value, str) and value.strip():
            by_org.setdefault(org_id, (agency, {}))[1][field_id] = value
    return [PeerText(agency, texts) for agency, texts in by_org.values()]
