"""The secret that signs dashboard sessions: configured, or made once and kept beside the data."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from retention.config import Settings
from retention.errors import RetentionError

MIN_SECRET = 32


class BadSessionSecret(RetentionError):
    """A configured or kept session secret that is too short to sign with."""

    code = "BAD_CONFIG"


def session_secret(settings: Settings) -> str:
    """RETENTION_SESSION_SECRET, else the kept file's secret, made (mode 0600) on first use."""
    if settings.session_secret is not None:
        configured = settings.session_secret.get_secret_value()
        if len(configured) < MIN_SECRET:
            raise BadSessionSecret(f"RETENTION_SESSION_SECRET must be at least {MIN_SECRET} characters")
        return configured
    return _kept(settings.session_secret_file)


def _kept(path: Path) -> str:
    if path.exists():
        kept = path.read_text(encoding="utf-8").strip()
        if len(kept) < MIN_SECRET:
            raise BadSessionSecret(f"{path} holds a session secret shorter than {MIN_SECRET} characters")
        return kept
    path.parent.mkdir(parents=True, exist_ok=True)
    made = secrets.token_urlsafe(48)
    # Created with its mode, never readable by others even for a moment; a concurrent worker's file wins.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _kept(path)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(made)
    return made
