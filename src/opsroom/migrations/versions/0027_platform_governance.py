"""each platform governed by its own operations managers, and freezes scoped explicitly

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

platforms = sa.table("platforms", sa.column("slug"))
freezes = sa.table(
    "freeze_windows",
    sa.column("id", sa.Integer),
    sa.column("services", sa.JSON),
    sa.column("journeys", sa.JSON),
    sa.column("platforms", sa.JSON),
    sa.column("everything", sa.Boolean),
)


def _assign_operations_managers() -> None:
    assignments = op.create_table(
        "platform_assignments",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("email", "platform", name=op.f("pk_platform_assignments")),
    )
    # Operations managers governed every platform until now: they keep doing so until an
    # administrator narrows their assignment.
    users = sa.table("users", sa.column("email"), sa.column("role"))
    current = (
        sa.select(sa.func.lower(users.c.email), platforms.c.slug)
        .select_from(users.join(platforms, sa.true()))
        .where(users.c.role == "operations_manager")
    )
    op.execute(assignments.insert().from_select(["email", "platform"], current))


def _scope_freezes() -> None:
    with op.batch_alter_table("freeze_windows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platforms", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("everything", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A freeze naming nothing froze every platform. With one platform that is the platform;
    # with several nobody can say which were meant, so it stays a freeze of everything,
    # shown as such, for an administrator to narrow.
    bind = op.get_bind()
    slugs = list(bind.scalars(sa.select(platforms.c.slug)))
    rows = bind.execute(sa.select(freezes.c.id, freezes.c.services, freezes.c.journeys))
    unscoped = [row.id for row in rows if not row.services and not row.journeys]
    if unscoped:
        changed = {"platforms": slugs} if len(slugs) == 1 else {"everything": True}
        op.execute(freezes.update().where(freezes.c.id.in_(unscoped)).values(**changed))


def upgrade() -> None:
    _assign_operations_managers()
    _scope_freezes()


def downgrade() -> None:
    with op.batch_alter_table("freeze_windows", schema=None) as batch_op:
        batch_op.drop_column("everything")
        batch_op.drop_column("platforms")
    op.drop_table("platform_assignments")
