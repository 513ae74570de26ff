"""service desk: tickets, their messages and satisfaction surveys

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 10:45:26.840707
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requester", sa.String(length=320), nullable=False),
        sa.Column("organisation", sa.String(length=120), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("service_slug", sa.String(length=80), nullable=False),
        sa.Column("squad", sa.String(length=80), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("incident_number", sa.Integer(), nullable=True),
        sa.Column("problem_number", sa.Integer(), nullable=True),
        sa.Column(
            "first_response_due", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("resolution_due", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_tickets_priority_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tickets_incident_number"), ["incident_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tickets_organisation"), ["organisation"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tickets_platform_slug"), ["platform_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tickets_problem_number"), ["problem_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tickets_requester"), ["requester"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_service_slug"), ["service_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_squad"), ["squad"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_status"), ["status"], unique=False)

    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_messages_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_messages_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "ticket_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("squad", sa.String(length=80), nullable=False),
        sa.Column("service_slug", sa.String(length=80), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("sent_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_ticket_surveys_score_range")),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_surveys_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_surveys")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ticket_surveys_ticket_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ticket_surveys_token_hash")),
    )
    with op.batch_alter_table("ticket_surveys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_surveys_platform_slug"), ["platform_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_surveys_service_slug"), ["service_slug"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_surveys_squad"), ["squad"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_surveys_squad"))
        batch_op.drop_index(batch_op.f("ix_ticket_surveys_service_slug"))
        batch_op.drop_index(batch_op.f("ix_ticket_surveys_platform_slug"))

    op.drop_table("ticket_surveys")
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_messages_ticket_id"))

    op.drop_table("ticket_messages")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_status"))
        batch_op.drop_index(batch_op.f("ix_tickets_squad"))
        batch_op.drop_index(batch_op.f("ix_tickets_service_slug"))
        batch_op.drop_index(batch_op.f("ix_tickets_requester"))
        batch_op.drop_index(batch_op.f("ix_tickets_problem_number"))
        batch_op.drop_index(batch_op.f("ix_tickets_platform_slug"))
        batch_op.drop_index(batch_op.f("ix_tickets_organisation"))
        batch_op.drop_index(batch_op.f("ix_tickets_incident_number"))

    op.drop_table("tickets")
