"""desk: organisations as records (name, email domains, the platforms they are customers
of), made from the organisation names requesters and tickets carry; the request catalog
(request types, a ticket's answers and approval steps)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 16:20:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    organisations = op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "organisation_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_domains_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_organisation_domains_domain")),
    )
    with op.batch_alter_table("organisation_domains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_domains_organisation_id"), ["organisation_id"], unique=False
        )
    assert organisations is not None
    op.bulk_insert(organisations, _existing(op.get_bind()))
    _request_catalog()


def _existing(connection: sa.Connection) -> list[dict[str, object]]:
    """One record per organisation name a requester or a ticket carries, a customer of the
    platforms its tickets were raised on."""
    platforms: dict[str, set[str]] = {}
    named = sa.text("SELECT DISTINCT organisation FROM users WHERE organisation IS NOT NULL")
    for (name,) in connection.execute(named):
        platforms.setdefault(name, set())
    raised = sa.text("SELECT DISTINCT organisation, platform_slug FROM tickets")
    for name, platform in connection.execute(raised):
        platforms.setdefault(name, set()).add(platform)
    now = datetime.now(UTC)
    return [
        {"name": name, "platforms": sorted(slugs), "created_at": now, "version": 1}
        for name, slugs in sorted(platforms.items())
    ]


def _request_catalog() -> None:
    op.create_table(
        "request_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("service_slug", sa.String(length=80), nullable=False),
        sa.Column("squad", sa.String(length=80), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_types")),
        sa.UniqueConstraint("slug", name=op.f("uq_request_types_slug")),
    )
    with op.batch_alter_table("request_types", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_types_platform_slug"), ["platform_slug"], unique=False
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_type", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_request_type"), ["request_type"], unique=False)
    op.create_table(
        "ticket_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("approver", sa.String(length=30), nullable=False),
        sa.Column("squad", sa.String(length=80), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decided_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_approvals_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_approvals")),
    )
    with op.batch_alter_table("ticket_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_approvals_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_approvals_ticket_id"))
    op.drop_table("ticket_approvals")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_request_type"))
        batch_op.drop_column("answers")
        batch_op.drop_column("request_type")
    with op.batch_alter_table("request_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_types_platform_slug"))
    op.drop_table("request_types")
    with op.batch_alter_table("organisation_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_domains_organisation_id"))
    op.drop_table("organisation_domains")
    op.drop_table("organisations")
