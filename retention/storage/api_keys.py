"""The api_keys table: rows in, key records out (a key's digest never leaves this module but as a lookup)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from retention.access import Scope
from retention.errors import InvalidInput
from retention.storage.customers import as_utc, naive_utc
from retention.storage.tables import api_keys


@dataclass(frozen=True)
class StoredKey:
    """An API key as stored: everything but the key."""

    name: str
    prefix: str
    scope: Scope
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _to_key(row: Row[tuple[object, ...]]) -> StoredKey:
    return StoredKey(
        name=row.name,
        prefix=row.prefix,
        scope=Scope(row.scope),
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
    )


def insert_key(
    connection: Connection, *, name: str, key_hash: str, prefix: str, scope: Scope, now: datetime
) -> StoredKey:
    """Store a new key; InvalidInput when the name is taken."""
    try:
        with connection.begin_nested():
            connection.execute(
                insert(api_keys).values(
                    name=name, key_hash=key_hash, prefix=prefix, scope=scope.value, created_at=naive_utc(now)
                )
            )
    except IntegrityError as exc:
        raise InvalidInput(f"an API key named {name!r} exists already") from exc
    return StoredKey(name, prefix, scope, now, None, None)


def key_by_hash(connection: Connection, key_hash: str) -> StoredKey | None:
    """The key with this digest, revoked or not, or None."""
    row = connection.execute(select(api_keys).where(api_keys.c.key_hash == key_hash)).first()
    return _to_key(row) if row is not None else None


def key_by_name(connection: Connection, name: str) -> StoredKey | None:
    """The key with this name, or None."""
    row = connection.execute(select(api_keys).where(api_keys.c.name == name)).first()
    return _to_key(row) if row is not None else None


def all_keys(connection: Connection) -> list[StoredKey]:
    """Every key, oldest first."""
    return [_to_key(row) for row in connection.execute(select(api_keys).order_by(api_keys.c.id))]


def mark_revoked(connection: Connection, name: str, now: datetime) -> bool:
    """Revoke the named key if it is active; True when a key was revoked."""
    result = connection.execute(
        update(api_keys)
        .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=naive_utc(now))
    )
    return result.rowcount > 0


def delete_key(connection: Connection, name: str) -> None:
    """Remove the named key's row, if any."""
    connection.execute(delete(api_keys).where(api_keys.c.name == name))


def mark_used(connection: Connection, name: str, now: datetime) -> None:
    """Record when the named key was last seen."""
    connection.execute(update(api_keys).where(api_keys.c.name == name).values(last_used_at=naive_utc(now)))
