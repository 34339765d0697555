"""reports keep where they stand: questions answered, open errors and warnings

The supervisors' overview sorts, filters and counts these in SQL instead of reading every
report's answers. Every existing report's counts are computed here (`storage.standing.
backfill`: about 3 ms a report); a row the backfill misses or that goes stale later is
recomputed by the overview before it lists it (`storage.standing.refresh`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "answered",
    "questions",
    "open_errors",
    "open_warnings",
    "checked_version",
    "checked_previous",
)


# Plain ALTER TABLE (SQLite >= 3.35 drops columns too): a batch copy of `reports` would
# fail SQLite's foreign keys once answers refer to it.


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("reports", sa.Column(name, sa.Integer(), nullable=True))
    from storage.standing import backfill  # the checks are the application's

    backfill(op.get_bind())


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("reports", name)
