"""reports keep where they stand: questions answered, open errors and warnings

The supervisors' overview sorts, filters and counts these in SQL instead of reading every
report's answers. Existing reports start with no counts (`checked_version` NULL): the
overview recomputes a report's counts before it lists it whenever they are missing or
stale (`storage.standing.refresh`), so no backfill runs here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
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


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
