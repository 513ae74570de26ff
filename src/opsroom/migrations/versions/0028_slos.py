"""service level objectives (SLO-n) on a service or a journey

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 13:13:37.405458
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("service_slug", sa.String(length=80), nullable=True),
        sa.Column("journey_slug", sa.String(length=80), nullable=True),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("budget_window", sa.String(length=10), nullable=False),
        sa.Column("sli_kind", sa.String(length=20), nullable=False),
        sa.Column("worst_priority", sa.Integer(), nullable=False),
        sa.Column("prometheus_url", sa.String(length=500), nullable=False),
        sa.Column("good_query", sa.Text(), nullable=False),
        sa.Column("total_query", sa.Text(), nullable=False),
        sa.Column("owner_squad", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(service_slug IS NULL) <> (journey_slug IS NULL)",
            name=op.f("ck_slos_one_service_or_journey"),
        ),
        sa.CheckConstraint(
            "objective > 0 AND objective < 100", name=op.f("ck_slos_objective_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slos")),
        sa.UniqueConstraint("number", name=op.f("uq_slos_number")),
    )
    with op.batch_alter_table("slos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slos_journey_slug"), ["journey_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_slos_owner_squad"), ["owner_squad"], unique=False)
        batch_op.create_index(batch_op.f("ix_slos_platform_slug"), ["platform_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_slos_service_slug"), ["service_slug"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slos_service_slug"))
        batch_op.drop_index(batch_op.f("ix_slos_platform_slug"))
        batch_op.drop_index(batch_op.f("ix_slos_owner_squad"))
        batch_op.drop_index(batch_op.f("ix_slos_journey_slug"))

    op.drop_table("slos")
