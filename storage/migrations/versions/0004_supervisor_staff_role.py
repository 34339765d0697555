"""members and invites may hold the role supervisor_staff (督导兼填报人员)

An office that supervises the offices below it and also publishes its own report needs one
account for both: the new role reads and reviews like a supervisor and fills in and submits
its own organisation's report like staff.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = "role IN ('staff', 'supervisor', 'supervisor_staff', 'admin')"
OLD_ROLES = "role IN ('staff', 'supervisor', 'admin')"


def _set_roles(check: str) -> None:
    for table in ("members", "invites"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_role"), sa.text(check))


def upgrade() -> None:
    _set_roles(ROLES)


def downgrade() -> None:
    # Nobody loses review rights: a member holding both roles goes back to supervisor.
    for table in ("members", "invites"):
        op.execute(
            sa.text(f"UPDATE {table} SET role = 'supervisor' WHERE role = 'supervisor_staff'")
        )
    _set_roles(OLD_ROLES)
