"""webhook types (templated inbound webhooks) and the problem of a raw payload not read

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 13:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("sample", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_types")),
        sa.UniqueConstraint("slug", name=op.f("uq_webhook_types_slug")),
    )
    with op.batch_alter_table("alert_raw_payloads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("problem", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_raw_payloads", schema=None) as batch_op:
        batch_op.drop_column("problem")
    op.drop_table("webhook_types")
