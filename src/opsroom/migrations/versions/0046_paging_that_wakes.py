"""Paging that wakes people: contact methods verified by a code sent to them, notification
rules by urgency, and each person's quiet hours for low-urgency pages

Revision ID: 0046
Revises: 0039
Create Date: 2026-12-07 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opsroom.infra.db import UTCDateTime

revision: str = "0046"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_methods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("verification_sent_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("verification_tries", sa.Integer(), nullable=False, server_default="0")
        )
    # the methods already in use were trusted before verification existed
    op.execute("UPDATE contact_methods SET verified_at = created_at")
    with op.batch_alter_table("notification_rules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgency", sa.String(length=10), nullable=False, server_default="any")
        )
    op.create_table(
        "quiet_hours",
        sa.Column("person", sa.String(length=320), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("person"),
    )


def downgrade() -> None:
    op.drop_table("quiet_hours")
    with op.batch_alter_table("notification_rules", schema=None) as batch_op:
        batch_op.drop_column("urgency")
    with op.batch_alter_table("contact_methods", schema=None) as batch_op:
        batch_op.drop_column("verification_tries")
        batch_op.drop_column("verification_sent_at")
        batch_op.drop_column("verified_at")
