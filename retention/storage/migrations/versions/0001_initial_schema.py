"""customers risk scores and model activations

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microsecond timestamps on MySQL/MariaDB; SQLite autoincrements only INTEGER primary keys.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CUSTOMER_ID = sa.String(64).with_variant(mysql.VARCHAR(64, collation="utf8mb4_bin"), "mysql", "mariadb")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("customer_id", CUSTOMER_ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("tenure_months", sa.Integer(), nullable=False),
        sa.Column("last_login_days", sa.Integer(), nullable=False),
        sa.Column("login_frequency", sa.Integer(), nullable=False),
        sa.Column("avg_session_duration", sa.Double(), nullable=False),
        sa.Column("feature_usage_count", sa.Integer(), nullable=False),
        sa.Column("monthly_active_days", sa.Integer(), nullable=False),
        sa.Column("usage_drop_flag", sa.Boolean(), nullable=False),
        sa.Column("subscription_type", sa.String(length=8), nullable=False),
        sa.Column("monthly_charges", sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=False),
        sa.Column("payment_failures", sa.Integer(), nullable=False),
        sa.Column("discount_applied", sa.Boolean(), nullable=False),
        sa.Column("support_ticket_count", sa.Integer(), nullable=False),
        sa.Column("unresolved_tickets", sa.Integer(), nullable=False),
        sa.Column("churn", sa.Boolean(), nullable=True),
        sa.Column("health_score", sa.Integer(), nullable=True),
        sa.Column("risk_probability", sa.Double(), nullable=True),
        sa.Column("risk_score", sa.SmallInteger(), nullable=True),
        sa.Column("risk_tier", sa.String(length=6), nullable=True),
        sa.Column("risk_model_version", sa.String(length=64), nullable=True),
        sa.Column("risk_scored_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "subscription_type IN ('Basic', 'Standard', 'Premium')",
            name=op.f("ck_customers_subscription_type_allowed"),
        ),
        sa.CheckConstraint(
            "avg_session_duration BETWEEN 0 AND 1440", name=op.f("ck_customers_avg_session_duration_range")
        ),
        sa.CheckConstraint(
            "feature_usage_count BETWEEN 0 AND 100000", name=op.f("ck_customers_feature_usage_count_range")
        ),
        sa.CheckConstraint("health_score BETWEEN 0 AND 100", name=op.f("ck_customers_health_score_range")),
        sa.CheckConstraint(
            "last_login_days BETWEEN 0 AND 3650", name=op.f("ck_customers_last_login_days_range")
        ),
        sa.CheckConstraint(
            "login_frequency BETWEEN 0 AND 10000", name=op.f("ck_customers_login_frequency_range")
        ),
        sa.CheckConstraint(
            "monthly_active_days BETWEEN 0 AND 31", name=op.f("ck_customers_monthly_active_days_range")
        ),
        sa.CheckConstraint(
            "monthly_charges BETWEEN 0 AND 1000000", name=op.f("ck_customers_monthly_charges_range")
        ),
        sa.CheckConstraint(
            "payment_failures BETWEEN 0 AND 1000", name=op.f("ck_customers_payment_failures_range")
        ),
        sa.CheckConstraint(
            "support_ticket_count BETWEEN 0 AND 10000", name=op.f("ck_customers_support_ticket_count_range")
        ),
        sa.CheckConstraint("tenure_months BETWEEN 0 AND 1200", name=op.f("ck_customers_tenure_months_range")),
        sa.CheckConstraint(
            "unresolved_tickets BETWEEN 0 AND 10000", name=op.f("ck_customers_unresolved_tickets_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_customers_customer_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customers_risk_order",
            [sa.literal_column("risk_probability DESC"), "customer_id"],
            unique=False,
        )

    op.create_table(
        "model_activations",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("activated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_activations")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "risk_scores",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("customer_pk", BIG_ID, nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("tier", sa.String(length=6), nullable=False),
        sa.Column("drivers", sa.String(length=400), nullable=True),
        sa.Column("scored_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_pk"],
            ["customers.id"],
            name=op.f("fk_risk_scores_customer_pk_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_scores")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.create_index("ix_risk_scores_customer_time", ["customer_pk", "scored_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_scores_customer_time")

    op.drop_table("risk_scores")
    op.drop_table("model_activations")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_risk_order")

    op.drop_table("customers")
