"""the risk register (risks, what they affect, their evidence and score history) and the
issue register beside it

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 09:59:25.224032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False),
        sa.Column("owner_squad", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("escalated_to", sa.String(length=320), nullable=False),
        sa.Column("escalation_reason", sa.Text(), nullable=False),
        sa.Column("risk_number", sa.Integer(), nullable=True),
        sa.Column("resolved_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
        sa.UniqueConstraint("number", name=op.f("uq_issues_number")),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issues_owner_squad"), ["owner_squad"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_issues_platform_slug"), ["platform_slug"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_issues_status"), ["status"], unique=False)

    op.create_table(
        "risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("platform_slug", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("causes", sa.Text(), nullable=False),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False),
        sa.Column("owner_squad", sa.String(length=80), nullable=False),
        sa.Column("inherent_likelihood", sa.Integer(), nullable=False),
        sa.Column("inherent_impact", sa.Integer(), nullable=False),
        sa.Column("current_likelihood", sa.Integer(), nullable=False),
        sa.Column("current_impact", sa.Integer(), nullable=False),
        sa.Column("target_likelihood", sa.Integer(), nullable=False),
        sa.Column("target_impact", sa.Integer(), nullable=False),
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.Column("treatment_plan", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("accepted_by", sa.String(length=320), nullable=True),
        sa.Column("accepted_until", sa.Date(), nullable=True),
        sa.Column("acceptance_reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
        sa.UniqueConstraint("number", name=op.f("uq_risks_number")),
    )
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risks_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_owner_squad"), ["owner_squad"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_platform_slug"), ["platform_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_risks_status"), ["status"], unique=False)

    op.create_table(
        "risk_affected",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["risks.id"],
            name=op.f("fk_risk_affected_risk_id_risks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_affected")),
        sa.UniqueConstraint(
            "risk_id", "kind", "slug", name=op.f("uq_risk_affected_risk_id_kind_slug")
        ),
    )
    with op.batch_alter_table("risk_affected", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_affected_risk_id"), ["risk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_affected_slug"), ["slug"], unique=False)

    op.create_table(
        "risk_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("proposed", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("downtime_hours", sa.Double(), nullable=False),
        sa.Column("linked_by", sa.String(length=320), nullable=False),
        sa.Column("linked_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risks.id"], name=op.f("fk_risk_links_risk_id_risks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_links")),
        sa.UniqueConstraint(
            "risk_id", "kind", "number", name=op.f("uq_risk_links_risk_id_kind_number")
        ),
    )
    with op.batch_alter_table("risk_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_links_risk_id"), ["risk_id"], unique=False)

    op.create_table(
        "risk_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("assessment", sa.String(length=20), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=320), nullable=False),
        sa.Column("set_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risks.id"], name=op.f("fk_risk_scores_risk_id_risks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_scores")),
    )
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_scores_risk_id"), ["risk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_scores_risk_id"))

    op.drop_table("risk_scores")
    with op.batch_alter_table("risk_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_links_risk_id"))

    op.drop_table("risk_links")
    with op.batch_alter_table("risk_affected", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_affected_slug"))
        batch_op.drop_index(batch_op.f("ix_risk_affected_risk_id"))

    op.drop_table("risk_affected")
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risks_status"))
        batch_op.drop_index(batch_op.f("ix_risks_platform_slug"))
        batch_op.drop_index(batch_op.f("ix_risks_owner_squad"))
        batch_op.drop_index(batch_op.f("ix_risks_category"))

    op.drop_table("risks")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issues_status"))
        batch_op.drop_index(batch_op.f("ix_issues_platform_slug"))
        batch_op.drop_index(batch_op.f("ix_issues_owner_squad"))

    op.drop_table("issues")
