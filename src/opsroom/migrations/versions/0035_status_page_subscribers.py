"""status page subscribers (double opt-in); satisfaction surveys for incidents too, with a
reminder and the follow-up of a low score

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, opsroom.infra.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "status_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        _moment("created_at", nullable=False),
        _moment("confirmed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_subscribers")),
        sa.UniqueConstraint(
            "platform_slug", "email", name=op.f("uq_status_subscribers_platform_slug_email")
        ),
    )
    with op.batch_alter_table("status_subscribers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_subscribers_platform_slug"), ["platform_slug"], unique=False
        )
    with op.batch_alter_table("ticket_surveys", schema=None) as batch_op:
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("incident_key", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("recipient", sa.String(length=320), nullable=False, server_default="")
        )
        batch_op.add_column(_moment("reminded_at"))
        batch_op.add_column(
            sa.Column("follow_up", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_surveys_incident_key"), ["incident_key"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_ticket_surveys_incident_key_recipient"), ["incident_key", "recipient"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_surveys", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_ticket_surveys_incident_key_recipient"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_ticket_surveys_incident_key"))
        batch_op.drop_column("follow_up")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("recipient")
        batch_op.drop_column("incident_key")
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("status_subscribers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_subscribers_platform_slug"))
    op.drop_table("status_subscribers")
