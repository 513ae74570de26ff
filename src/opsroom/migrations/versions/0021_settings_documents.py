"""settings documents in one table, keyed by document and scope: the incident policy and
the problem settings move there

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each document's own table before this revision; its row moves under the document's key.
DOCUMENTS = ("incident_policy", "problem_settings")
FIELDS = ("value", "version", "updated_by", "updated_at")


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=True),
        sa.Column("updated_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    documents = op.create_table(
        "settings_documents",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        *_columns(),
        sa.PrimaryKeyConstraint("key", "scope", name=op.f("pk_settings_documents")),
    )
    for key in DOCUMENTS:
        old = sa.table(key, *(sa.column(name) for name in FIELDS))
        whole_installation = sa.select(sa.literal(key), sa.literal(""), *old.c)
        op.execute(documents.insert().from_select(["key", "scope", *FIELDS], whole_installation))
        op.drop_table(key)


def downgrade() -> None:
    documents = sa.table(
        "settings_documents", sa.column("key"), sa.column("scope"), *map(sa.column, FIELDS)
    )
    for key in DOCUMENTS:
        old = op.create_table(
            key,
            sa.Column("id", sa.Integer(), nullable=False),
            *_columns(),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{key}")),
        )
        kept = sa.select(sa.literal(1), *(documents.c[name] for name in FIELDS)).where(
            documents.c.key == key, documents.c.scope == ""
        )
        op.execute(old.insert().from_select(["id", *FIELDS], kept))
    op.drop_table("settings_documents")
