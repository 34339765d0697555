"""telegram inbox: updates stored before they are confirmed to Telegram

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("turn", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_inbox")),
        sa.UniqueConstraint("update_id", name=op.f("uq_telegram_inbox_update_id")),
    )
    with op.batch_alter_table("telegram_inbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_inbox_handled_at"), ["handled_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("telegram_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_inbox_handled_at"))
    op.drop_table("telegram_inbox")
