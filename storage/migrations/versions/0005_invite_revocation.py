"""invites may be revoked by an administrator before they are used (invites.revoked_at)

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


def upgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A revoked invite must not become usable again: the old schema cannot say "revoked", so
    # such an invite is left expired instead.
    op.execute(
        sa.text(
            "UPDATE invites SET expires_at = revoked_at "
            "WHERE revoked_at IS NOT NULL AND used_at IS NULL AND expires_at > revoked_at"
        )
    )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
