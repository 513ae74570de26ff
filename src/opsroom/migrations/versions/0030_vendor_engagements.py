"""vendor engagements (a vendor engaged on an incident, its contract clock and credit) and
vendor contracts

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, opsroom.infra.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "vendor_engagements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_key", sa.String(length=20), nullable=False),
        sa.Column("vendor", sa.String(length=80), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("engaged_by", sa.String(length=320), nullable=False),
        _moment("engaged_at", nullable=False),
        _moment("response_due"),
        _moment("resolution_due"),
        sa.Column("acknowledged_by", sa.String(length=320), nullable=True),
        _moment("acknowledged_at"),
        _moment("resolved_at"),
        sa.Column("credit", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=10), nullable=False),
        sa.Column("credit_status", sa.String(length=20), nullable=False),
        sa.Column("dispute_note", sa.Text(), nullable=False),
        sa.Column("settlement_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_engagements")),
    )
    with op.batch_alter_table("vendor_engagements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vendor_engagements_incident_vendor", ["incident_key", "vendor"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vendor_engagements_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_vendor_engagements_vendor"), ["vendor"], unique=False)
    op.create_table(
        "vendor_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=80), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("support_level", sa.String(length=20), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_contracts")),
        sa.UniqueConstraint("vendor", name=op.f("uq_vendor_contracts_vendor")),
    )


def downgrade() -> None:
    op.drop_table("vendor_contracts")
    with op.batch_alter_table("vendor_engagements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_engagements_vendor"))
        batch_op.drop_index(batch_op.f("ix_vendor_engagements_status"))
        batch_op.drop_index("ix_vendor_engagements_incident_vendor")

    op.drop_table("vendor_engagements")
