"""model versions of record, score runs, full contributions per snapshot

Revision ID: 0002
Revises: 0001

- model_versions: written when a version is trained; its digests are what a load trusts (the model folder
  can be rewritten, the database row written at training time cannot be by the same hand).
- score_runs: every scoring (batch, import, API write) belongs to one run; a killed run resumed keeps one
  snapshot per customer, enforced by a unique (run_id, customer_pk).
- risk_scores.contributions: every model feature's contribution (little-endian float64, in the version's
  feature order) in place of the top-three text, so a change between two snapshots can be explained.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Inline bytes on MySQL/MariaDB (a BLOB would be a separate object per row).
CONTRIBUTIONS = sa.LargeBinary().with_variant(mysql.VARBINARY(2048), "mysql", "mariadb")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_INNODB: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
    "mysql_engine": "InnoDB",
}


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("onnx_sha256", sa.String(length=64), nullable=False),
        sa.Column("base_value", sa.Double(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_model_versions")),
        **_INNODB,
    )
    op.create_table(
        "score_runs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("customers_scored", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_runs")),
        **_INNODB,
    )
    with op.batch_alter_table("score_runs") as batch_op:
        batch_op.create_index("ix_score_runs_state", ["state", "model_version"], unique=False)
    with op.batch_alter_table("risk_scores") as batch_op:
        batch_op.add_column(sa.Column("run_id", BIG_ID, nullable=True))
        batch_op.add_column(sa.Column("contributions", CONTRIBUTIONS, nullable=True))
        batch_op.drop_column("drivers")
        batch_op.create_foreign_key(
            op.f("fk_risk_scores_run_id_score_runs"), "score_runs", ["run_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("uq_risk_scores_run_customer", ["run_id", "customer_pk"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("risk_scores") as batch_op:
        batch_op.drop_index("uq_risk_scores_run_customer")
        batch_op.drop_constraint(op.f("fk_risk_scores_run_id_score_runs"), type_="foreignkey")
        batch_op.add_column(sa.Column("drivers", sa.String(length=400), nullable=True))
        batch_op.drop_column("contributions")
        batch_op.drop_column("run_id")
    with op.batch_alter_table("score_runs") as batch_op:
        batch_op.drop_index("ix_score_runs_state")
    op.drop_table("score_runs")
    op.drop_table("model_versions")
