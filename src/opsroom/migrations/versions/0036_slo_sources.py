"""SLI sources: where a ratio or threshold SLI's events come from (Prometheus, with its
auth, or counts pushed to opsroom), the threshold SLI's latency, and the pushed counts

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("slos", schema=None) as batch_op:
        # Every ratio SLI so far was read from Prometheus.
        batch_op.add_column(
            sa.Column(
                "sli_source", sa.String(length=20), nullable=False, server_default="prometheus"
            )
        )
        batch_op.add_column(sa.Column("threshold", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("histogram", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column(
                "prometheus_auth", sa.String(length=10), nullable=False, server_default="none"
            )
        )
        batch_op.add_column(_text("prometheus_username", 200))
        batch_op.add_column(_text("prometheus_secret", 500))
    op.execute("UPDATE slos SET sli_source = 'incidents' WHERE sli_kind = 'incidents'")
    op.create_table(
        "slo_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slo_id", sa.Integer(), nullable=False),
        sa.Column("minute", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("good", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "good >= 0 AND good <= total", name=op.f("ck_slo_counts_good_within_total")
        ),
        sa.ForeignKeyConstraint(
            ["slo_id"], ["slos.id"], name=op.f("fk_slo_counts_slo_id_slos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slo_counts")),
        sa.UniqueConstraint("slo_id", "minute", name=op.f("uq_slo_counts_slo_id_minute")),
    )


def downgrade() -> None:
    op.drop_table("slo_counts")
    with op.batch_alter_table("slos", schema=None) as batch_op:
        for name in (
            "prometheus_secret",
            "prometheus_username",
            "prometheus_auth",
            "histogram",
            "threshold",
            "sli_source",
        ):
            batch_op.drop_column(name)
