"""the outbox as its own leased queue; calendar feed tokens

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oncall_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("rotated_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_feeds")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_oncall_feeds_kind_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("lease_until", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_outbox_due", ["status", "due_at"], unique=False)
    # Deliveries were timers before; the worker now claims the outbox rows themselves.
    op.execute(
        "UPDATE timers SET status = 'cancelled' WHERE kind = 'notify.deliver' AND status = 'pending'"
    )


def downgrade() -> None:
    op.drop_table("oncall_feeds")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
