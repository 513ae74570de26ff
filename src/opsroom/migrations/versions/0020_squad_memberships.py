"""squad memberships kept with the accounts, from the catalog's squad members

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    memberships = op.create_table(
        "squad_memberships",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("squad", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("email", "squad", name=op.f("pk_squad_memberships")),
    )
    members = sa.table("squad_members", sa.column("squad_id"), sa.column("email"))
    squads = sa.table("squads", sa.column("id"), sa.column("slug"))
    current = (
        sa.select(sa.func.lower(members.c.email), squads.c.slug)
        .join(squads, squads.c.id == members.c.squad_id)
        .distinct()
    )
    op.execute(memberships.insert().from_select(["email", "squad"], current))


def downgrade() -> None:
    op.drop_table("squad_memberships")
