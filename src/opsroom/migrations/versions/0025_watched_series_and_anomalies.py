"""watched series (pushed or polled from Prometheus) and their anomalies

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 13:13:47.253228
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watched_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service_slug", sa.String(length=80), nullable=False),
        sa.Column("detector", sa.String(length=20), nullable=False),
        sa.Column("sensitivity", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("step_seconds", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("skipped_not_finite", sa.Integer(), nullable=False),
        sa.Column("skipped_out_of_order", sa.Integer(), nullable=False),
        sa.Column("last_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("anomalous_since", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("prometheus_url", sa.String(length=2000), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("poll_seconds", sa.Integer(), nullable=False),
        sa.Column("source_error", sa.Text(), nullable=True),
        sa.Column("source_error_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watched_series")),
        sa.UniqueConstraint("key", name=op.f("uq_watched_series_key")),
    )
    with op.batch_alter_table("watched_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_watched_series_service_slug"), ["service_slug"], unique=False
        )

    op.create_table(
        "anomalies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("service_slug", sa.String(length=80), nullable=False),
        sa.Column("detector", sa.String(length=20), nullable=False),
        sa.Column("at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("since", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("expected_low", sa.Float(), nullable=False),
        sa.Column("expected_high", sa.Float(), nullable=False),
        sa.Column("alert_fingerprint", sa.String(length=255), nullable=False),
        sa.Column("judgement", sa.String(length=10), nullable=True),
        sa.Column("judged_by", sa.String(length=320), nullable=True),
        sa.Column("judged_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["watched_series.id"],
            name=op.f("fk_anomalies_series_id_watched_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomalies")),
        sa.UniqueConstraint("number", name=op.f("uq_anomalies_number")),
    )
    with op.batch_alter_table("anomalies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anomalies_detector"), ["detector"], unique=False)
        batch_op.create_index(batch_op.f("ix_anomalies_judgement"), ["judgement"], unique=False)
        batch_op.create_index(batch_op.f("ix_anomalies_series_id"), ["series_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_anomalies_service_slug"), ["service_slug"], unique=False
        )

    op.create_table(
        "series_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("expected_low", sa.Float(), nullable=False),
        sa.Column("expected_high", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["watched_series.id"],
            name=op.f("fk_series_points_series_id_watched_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_points")),
    )
    with op.batch_alter_table("series_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_points_series_id"), ["series_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("series_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_points_series_id"))

    op.drop_table("series_points")
    with op.batch_alter_table("anomalies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anomalies_service_slug"))
        batch_op.drop_index(batch_op.f("ix_anomalies_series_id"))
        batch_op.drop_index(batch_op.f("ix_anomalies_judgement"))
        batch_op.drop_index(batch_op.f("ix_anomalies_detector"))

    op.drop_table("anomalies")
    with op.batch_alter_table("watched_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watched_series_service_slug"))

    op.drop_table("watched_series")
