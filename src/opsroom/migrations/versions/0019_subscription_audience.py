"""stakeholder subscriptions: the audience of status updates each one receives

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The roles that may work incidents: their subscriptions keep receiving internal updates.
RESPONDERS = ("responder", "squad_lead", "operations_manager", "admin")


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=20), nullable=False, server_default="customer")
        )
    users = sa.table("users", sa.column("email"), sa.column("role"))
    subscriptions = sa.table(
        "subscriptions", sa.column("subscriber"), sa.column("person"), sa.column("audience")
    )
    responders = sa.select(users.c.email).where(users.c.role.in_(RESPONDERS))
    op.execute(
        subscriptions.update()
        .where(subscriptions.c.person.is_(True), subscriptions.c.subscriber.in_(responders))
        .values(audience="internal")
    )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("audience")
