"""the vendor that makes a change; the components a vendor's contract no longer supports,
and what raised an issue on its own; a webhook type's version, now that it is edited

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vendor", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_changes_vendor"), ["vendor"], unique=False)
    with op.batch_alter_table("vendor_contracts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("out_of_support", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_issues_source"), ["source"], unique=False)
    with op.batch_alter_table("webhook_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_types", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issues_source"))
        batch_op.drop_column("source")
    with op.batch_alter_table("vendor_contracts", schema=None) as batch_op:
        batch_op.drop_column("out_of_support")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_vendor"))
        batch_op.drop_column("vendor")
