"""outbound connections (a platform's Jira and Confluence), the links of action items,
problems and reviews to their Jira issues and Confluence pages, and runbooks (jobs in
Rundeck, AWX or StackStorm) with their runs on incidents

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, opsroom.infra.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbound_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        _moment("updated_at", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_connections")),
        sa.UniqueConstraint(
            "platform_slug", "system", name=op.f("uq_outbound_connections_platform_slug_system")
        ),
    )
    op.create_table(
        "outbound_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_key", sa.String(length=40), nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("remote_id", sa.String(length=80), nullable=True),
        sa.Column("remote_key", sa.String(length=300), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("remote_version", sa.Integer(), nullable=True),
        sa.Column("remote_status", sa.String(length=80), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_links")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_key",
            "system",
            name=op.f("uq_outbound_links_subject_type_subject_key_system"),
        ),
    )
    _runbooks()
    with op.batch_alter_table("outbound_links") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_links_remote_key"), ["remote_key"], unique=False
        )


def _runbooks() -> None:
    op.create_table(
        "runbooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("tool", sa.String(length=20), nullable=False),
        sa.Column("base_url", sa.String(length=2000), nullable=False),
        sa.Column("job", sa.String(length=200), nullable=False),
        sa.Column("risky", sa.Boolean(), nullable=False),
        sa.Column("runs_per_hour", sa.Integer(), nullable=False),
        sa.Column("integration", sa.String(length=80), nullable=True),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        _moment("created_at", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runbooks")),
        sa.UniqueConstraint("slug", name=op.f("uq_runbooks_slug")),
    )
    op.create_index(op.f("ix_runbooks_platform_slug"), "runbooks", ["platform_slug"])
    op.create_index(op.f("ix_runbooks_integration"), "runbooks", ["integration"])
    op.create_table(
        "runbook_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runbook_slug", sa.String(length=80), nullable=False),
        sa.Column("incident_key", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("execution", sa.String(length=100), nullable=True),
        sa.Column("tool_status", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runbook_runs")),
    )
    op.create_index(op.f("ix_runbook_runs_incident_key"), "runbook_runs", ["incident_key"])
    op.create_index(
        "ix_runbook_runs_runbook_created", "runbook_runs", ["runbook_slug", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("runbook_runs")
    op.drop_table("runbooks")
    with op.batch_alter_table("outbound_links") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_links_remote_key"))
    op.drop_table("outbound_links")
    op.drop_table("outbound_connections")
