"""Shared rate limits

Revision ID: 0009
Revises: 0008

- rate_limit_windows: the requests each caller (an API key's name) made in each Unix minute, counted
  here so every worker process and host applies one limit; a MEMORY table on MySQL/MariaDB.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("caller", "window_start", name=op.f("pk_rate_limit_windows")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        # Counts need no durability, and a durable commit per request serialised one key's requests.
        mysql_engine="MEMORY",
    )


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
