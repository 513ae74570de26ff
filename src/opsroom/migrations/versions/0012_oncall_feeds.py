"""the outbox as its own leased queue

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("lease_until", opsroom.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_outbox_due", ["status", "due_at"], unique=False)
    # Deliveries were timers before; the worker now claims the outbox rows themselves.
    op.execute(
        "UPDATE timers SET status = 'cancelled' WHERE kind = 'notify.deliver' AND status = 'pending'"
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
