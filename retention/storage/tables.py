"""Table definitions, with the customer columns generated from the declared feature schema."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

from retention import features
from retention.features import Kind

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _innodb_table(name: str, *items: SchemaItem) -> Table:
    # MariaDB has no utf8mb4_0900_ai_ci; unicode_ci exists on both MySQL and MariaDB.
    return Table(
        name,
        metadata,
        *items,
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )


# Microsecond timestamps on MySQL/MariaDB, where plain DATETIME drops fractions.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
# Ids compare byte for byte on every backend: MySQL's default *_ci collation would make CUST1 and cust1 one
# customer there but two on SQLite.
CustomerId = String(64).with_variant(mysql.VARCHAR(64, collation="utf8mb4_bin"), "mysql", "mariadb")
# SQLite only autoincrements INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Inline bytes on MySQL/MariaDB (a BLOB would be stored apart from the row).
Contributions = LargeBinary().with_variant(mysql.VARBINARY(2048), "mysql", "mariadb")


def _sql_type(column: features.Column) -> TypeEngine[object]:
    if column.kind is Kind.TEXT or column.kind is Kind.CATEGORY:
        length = column.max_length or max(len(c) for c in column.categories)
        return String(length)  # type: ignore[return-value]
    if column.kind is Kind.FLAG:
        return Boolean()  # type: ignore[return-value]
    if column.kind is Kind.INT:
        return Integer()  # type: ignore[return-value]
    if column.name == "monthly_charges":
        return Numeric(12, 2, asdecimal=False)  # type: ignore[return-value]
    return Double()


def _literal(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else repr(value)


def _checks(column: features.Column) -> list[CheckConstraint]:
    checks: list[CheckConstraint] = []
    if column.kind is Kind.CATEGORY:
        allowed = ", ".join(f"'{c}'" for c in column.categories)
        checks.append(CheckConstraint(f"{column.name} IN ({allowed})", name=f"{column.name}_allowed"))
    elif column.is_numeric and column.kind is not Kind.FLAG and column.minimum is not None:
        checks.append(
            CheckConstraint(
                f"{column.name} BETWEEN {_literal(column.minimum)} AND {_literal(column.maximum)}",
                name=f"{column.name}_range",
            )
        )
    return checks


def _profile_columns() -> list[Column[object]]:
    return [Column(c.name, _sql_type(c), nullable=not c.required) for c in features.PROFILE_COLUMNS]


customers = _innodb_table(
    "customers",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", CustomerId, nullable=False, unique=True),
    *_profile_columns(),
    # The latest snapshot, denormalised so "highest risk first" is one index scan.
    Column("risk_probability", Double(), nullable=True),
    Column("risk_score", SmallInteger(), nullable=True),
    Column("risk_tier", String(6), nullable=True),
    Column("risk_model_version", String(64), nullable=True),
    Column("risk_scored_at", Timestamp, nullable=True),
    # What the customer's churn would cost a month; computed by the database so no writer can forget it.
    Column(
        "risk_expected_loss",
        Double(),
        Computed("risk_probability * monthly_charges", persisted=False),
        nullable=True,
    ),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    *[check for column in features.PROFILE_COLUMNS for check in _checks(column)],
    # One (key, customer_id) index per listing order, read forwards or backwards (retention.storage.listing).
    # The two risk orders lead with the tier, so a tier filter is an index range (migration 0006).
    Index("ix_customers_risk_order", "risk_tier", "risk_probability", "customer_id"),
    Index("ix_customers_expected_loss_order", "risk_tier", "risk_expected_loss", "customer_id"),
    Index("ix_customers_tenure_order", "tenure_months", "customer_id"),
    Index("ix_customers_charges_order", "monthly_charges", "customer_id"),
    Index("ix_customers_last_login_order", "last_login_days", "customer_id"),
    Index("ix_customers_name_order", "name", "customer_id"),
    # The search matches an email prefix too.
    Index("ix_customers_email", "email"),
)

model_versions = _innodb_table(
    "model_versions",
    # Written when a version is trained: the digests a load trusts, which the model folder cannot rewrite.
    Column("version", String(64), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("onnx_sha256", String(64), nullable=False),
    Column("base_value", Double(), nullable=False),
    Column("features", Text(), nullable=False),  # JSON list: the order of every snapshot's contributions
    Column("created_at", Timestamp, nullable=False),
)

score_runs = _innodb_table(
    "score_runs",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("model_version", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("customers_scored", Integer(), nullable=False, server_default="0"),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp, nullable=True),
    Index("ix_score_runs_state", "state", "model_version"),
)

risk_scores = _innodb_table(
    "risk_scores",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_pk", BigId, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", BigId, ForeignKey("score_runs.id", ondelete="CASCADE"), nullable=True),
    Column("model_version", String(64), nullable=False),
    Column("probability", Double(), nullable=False),
    Column("score", SmallInteger(), nullable=False),
    Column("tier", String(6), nullable=False),
    # Every feature's contribution (see retention.storage.contributions), so a change between two
    # snapshots can be explained feature by feature.
    Column("contributions", Contributions, nullable=True),
    Column("scored_at", Timestamp, nullable=False),
    Index("ix_risk_scores_customer_time", "customer_pk", "scored_at"),
    # A resumed run never stores a customer twice.
    Index("uq_risk_scores_run_customer", "run_id", "customer_pk", unique=True),
)

model_activations = _innodb_table(
    "model_activations",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("model_version", String(64), nullable=False),
    Column("activated_at", Timestamp, nullable=False),
)


# --- API keys (issue 10). Only a digest of each key is kept: the key itself is shown once, at creation.
api_keys = _innodb_table(
    "api_keys",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    # Hex SHA-256 of the whole key; the lookup on every authenticated request goes through this index.
    Column("key_hash", String(64), nullable=False, unique=True),
    # The key's first characters, so `apikey list` can say which key is which without holding the key.
    Column("prefix", String(16), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
    Column("last_used_at", Timestamp, nullable=True),
)


# --- Background jobs (issue 10): train and rescore, their state kept here so any process can answer for them.
jobs = _innodb_table(
    "jobs",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("progress", Double(), nullable=False, server_default="0"),
    Column("params", Text(), nullable=False),  # JSON object: what the job was asked to do
    Column("result", Text(), nullable=True),  # JSON object, once it succeeded
    Column("error", Text(), nullable=True),  # why it failed, for the client
    Column("requested_by", String(64), nullable=False),
    Column("worker", String(128), nullable=True),  # host:pid of the process that ran it
    Column("created_at", Timestamp, nullable=False),
    Column("started_at", Timestamp, nullable=True),
    Column("finished_at", Timestamp, nullable=True),
    # Written with every progress report: how a later issue tells a live job from one whose process died.
    Column("heartbeat_at", Timestamp, nullable=True),
    # Workers take the oldest queued job.
    Index("ix_jobs_state", "state", "id"),
)


# --- Analytics kept up to date after writes (issue 10). Every write to customers or their scores adds a row
# to data_changes in its own transaction, so MAX(id) is the data's version; an analytics answer is kept with
# the version it was computed at and served while that is still the version.
data_changes = _innodb_table(
    "data_changes",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("changed_at", Timestamp, nullable=False),
)

analytics_cache = _innodb_table(
    "analytics_cache",
    Column("key", String(160), primary_key=True),
    Column("data_version", BigInteger(), nullable=False),
    Column("computed_at", Timestamp, nullable=False),
    Column("payload", Text(), nullable=False),  # JSON of the answer
)


# --- Dashboard users (issue 11): a username, an Argon2id hash of the password, and a role.
users = _innodb_table(
    "users",
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(8), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("disabled_at", Timestamp, nullable=True),
    Column("last_sign_in_at", Timestamp, nullable=True),
    # Failed sign-ins in a row, and when the next attempt may be checked: repeated failures are slowed.
    Column("failed_sign_ins", Integer(), nullable=False, server_default="0"),
    Column("locked_until", Timestamp, nullable=True),
)


# --- Rate limits shared by every process and host (issue 12): requests each caller made in each minute.
# MEMORY on MySQL/MariaDB: a count per request must not wait for a durable commit (InnoDB's redo flush
# held the caller's row lock for it, serialising one key's requests), and losing the counts of the last
# minute or two in a database restart costs nothing.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("caller", String(64), primary_key=True),
    Column("window_start", BigInteger(), primary_key=True, autoincrement=False),  # Unix minute
    Column("used", Integer(), nullable=False),
    mysql_engine="MEMORY",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_unicode_ci",
)
