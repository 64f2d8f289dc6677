"""API keys: create (shown once), list, revoke, reissue, and turn a presented key into a Principal."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from retention.access import Principal, PrincipalKind, Scope, Unauthenticated
from retention.errors import InvalidInput, NotFound
from retention.storage import api_keys as store
from retention.storage.api_keys import StoredKey
from retention.storage.customers import now_utc

__all__ = ["CreatedKey", "Scope", "StoredKey", "authenticate", "create_key", "list_keys", "revoke_key"]

KEY_PREFIX = "rtn_"
# 32 random bytes: 256 bits, beyond any guessing; token_urlsafe makes 43 characters of them.
_KEY_BYTES = 32
_SHOWN_PREFIX = len(KEY_PREFIX) + 8
_MAX_KEY_LENGTH = 128
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# last_used_at is a hint for `apikey list`, not an audit log: written at most this often per key and process.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedKey:
    """A key just made: `secret` is the only time the key itself exists outside the caller's hands."""

    key: StoredKey
    secret: str


def hash_key(secret: str) -> str:
    """The digest stored for a key.

    A plain SHA-256 is right for API keys and wrong for passwords: a password needs a slow, salted hash
    (argon2) because people pick guessable ones, while these keys are 256 random bits, so no dictionary
    or brute force can reach them and a fast hash keeps the per-request check cheap. A leaked table lets
    nobody sign in.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _checked_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit "
            f"(got {name!r})"
        )
    return name


def _new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(_KEY_BYTES)


def create_key(*, engine: Engine, name: str, scope: Scope, now: datetime | None = None) -> CreatedKey:
    """Make a key named `name` with `scope`; InvalidInput when the name is bad or taken."""
    secret = _new_secret()
    with engine.begin() as connection:
        key = store.insert_key(
            connection,
            name=_checked_name(name),
            key_hash=hash_key(secret),
            prefix=secret[:_SHOWN_PREFIX],
            scope=scope,
            now=now or now_utc(),
        )
    return CreatedKey(key=key, secret=secret)


def reissue_key(*, engine: Engine, name: str, scope: Scope) -> CreatedKey:
    """Replace the key named `name` (if any) by a fresh one in one transaction; the old key stops working."""
    secret = _new_secret()
    with engine.begin() as connection:
        store.delete_key(connection, _checked_name(name))
        key = store.insert_key(
            connection,
            name=name,
            key_hash=hash_key(secret),
            prefix=secret[:_SHOWN_PREFIX],
            scope=scope,
            now=now_utc(),
        )
    return CreatedKey(key=key, secret=secret)


def list_keys(*, engine: Engine) -> list[StoredKey]:
    """Every key, revoked ones included, oldest first."""
    with engine.connect() as connection:
        return store.all_keys(connection)


def revoke_key(*, engine: Engine, name: str) -> StoredKey:
    """Revoke the named key; NotFound if there is none, InvalidInput if it is revoked already."""
    with engine.begin() as connection:
        if store.key_by_name(connection, name) is None:
            raise NotFound(f"no API key named {name!r}")
        if not store.mark_revoked(connection, name, now_utc()):
            raise InvalidInput(f"API key {name!r} is revoked already")
        revoked = store.key_by_name(connection, name)
    assert revoked is not None
    return revoked


def authenticate(*, engine: Engine, secret: str) -> Principal:
    """The principal a presented key stands for; Unauthenticated when it is malformed, unknown or revoked."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > _MAX_KEY_LENGTH or not secret.isascii():
        raise Unauthenticated("the API key is not one this server issued")
    with engine.connect() as connection:
        key = store.key_by_hash(connection, hash_key(secret))
        if key is None or not key.active:
            raise Unauthenticated("the API key is unknown or revoked")
        now = now_utc()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            store.mark_used(connection, key.name, now)
            connection.commit()
    return Principal(name=key.name, scope=key.scope, kind=PrincipalKind.API_KEY)
