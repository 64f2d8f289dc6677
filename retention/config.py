"""Settings, read once from RETENTION_* environment variables or a .env file, and validated."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/retention.db"


class Settings(BaseSettings):
    """Everything the core needs to run; unsafe values are refused at start."""

    model_config = SettingsConfigDict(
        env_prefix="RETENTION_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: an embedded SQLite file by default, or mysql+pymysql://… for MySQL.",
    )
    model_dir: Path = Field(Path("models"), description="Where model artifacts and their manifests live.")
    tier_high: float = Field(0.5, description="Probability at or above which a customer is HIGH risk.")
    tier_medium: float = Field(0.2, description="Probability at or above which a customer is MEDIUM risk.")
    import_chunk_size: int = Field(5000, ge=100, le=100_000, description="Rows written per database round.")
    host: str = Field("127.0.0.1", description="Interface `retention serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `retention serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes.")
    model_refresh_seconds: float = Field(
        5.0, gt=0, le=60, description="How often a server checks the database for a newly activated model."
    )
    job_poll_seconds: float = Field(
        2.0,
        gt=0,
        le=60,
        description="How often a server's job worker looks for jobs another process queued (its own wake it "
        "at once).",
    )
    job_lease_seconds: float = Field(
        30.0,
        ge=3,
        le=600,
        description="A running job's process renews its lease every third of this; a job not renewed for "
        "this long is taken over by another process (its own died).",
    )
    shutdown_grace_seconds: float = Field(
        20.0,
        ge=1,
        le=300,
        description="On SIGTERM a server stops taking connections and lets requests in flight finish for "
        "at most this long.",
    )
    log_level: str = Field("INFO", description="Python logging level.")
    metrics_bind: str | None = Field(
        None,
        description="host:port of a separate /metrics listener with no key, for a private network. Unset: "
        "/metrics only on the API port, behind an admin key.",
        pattern=r"^[A-Za-z0-9.:\[\]-]+:[0-9]{1,5}$",
    )
    metrics_dir: Path | None = Field(
        None,
        description="Where `retention serve`'s workers keep their metric files (emptied at start; one per "
        "server instance). Unset: a fresh temporary folder.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Server log lines on stderr: `text`, or `json` (one object a line) for a collector.",
    )
    rate_limit_per_minute: int = Field(
        6000,
        ge=1,
        le=1_000_000,
        description="GraphQL requests one API key (or dashboard user) may make per minute, counted in the "
        "database across every process and host; high enough for the load bench.",
    )
    operation_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="Longest a GraphQL operation may run before it answers TIMEOUT."
    )
    api_key_cache_seconds: float = Field(
        3.0,
        ge=0,
        le=5,
        description="How long a process trusts a verified API key before asking the database again; a "
        "revoked key is refused everywhere within this time.",
    )
    action_horizon_months: float = Field(
        12.0,
        gt=0,
        le=120,
        description="Months of charges a recommended action is valued over: expected revenue saved = "
        "risk reduction × monthly charges × this − the action's cost.",
    )
    session_secret: SecretStr | None = Field(
        None,
        description="Signs the dashboard's session cookies. Unset: made once and kept in "
        "RETENTION_SESSION_SECRET_FILE, so every worker and restart shares it.",
    )
    session_secret_file: Path = Field(
        Path("data/session.secret"), description="Where the made session secret is kept (mode 0600)."
    )
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="How long a dashboard sign-in lasts.")
    demo_api_key: str | None = Field(
        None,
        description="Set by `retention demo`: GraphiQL pre-fills this key for browsers on this machine only.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "mysql+pymysql://", "mariadb+pymysql://")):
            raise ValueError(
                "RETENTION_DATABASE_URL must start with sqlite:// or mysql+pymysql:// "
                f"(got {value.split(':', 1)[0]!r})"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("RETENTION_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return level

    @model_validator(mode="after")
    def _ordered_tiers(self) -> Settings:
        if not 0 < self.tier_medium < self.tier_high < 1:
            raise ValueError(
                "risk tiers need 0 < RETENTION_TIER_MEDIUM < RETENTION_TIER_HIGH < 1 "
                f"(got medium={self.tier_medium}, high={self.tier_high})"
            )
        return self
