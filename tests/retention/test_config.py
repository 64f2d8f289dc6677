"""Settings refuse unsafe values with a message naming the variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from retention.config import Settings


def test_defaults_use_an_embedded_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETENTION_DATABASE_URL", raising=False)
    assert Settings(_env_file=None).database_url.startswith("sqlite:///")  # type: ignore[call-arg]


def test_medium_tier_above_high_tier_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENTION_TIER_MEDIUM", "0.7")
    monkeypatch.setenv("RETENTION_TIER_HIGH", "0.5")
    with pytest.raises(ValidationError, match="RETENTION_TIER_MEDIUM < RETENTION_TIER_HIGH"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_unsupported_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENTION_DATABASE_URL", "oracle://db/x")
    with pytest.raises(ValidationError, match="RETENTION_DATABASE_URL"):
        Settings(_env_file=None)  # type: ignore[call-arg]
