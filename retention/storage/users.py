"""User rows: add, read one, list, disable, record sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from retention.storage.customers import as_utc, naive_utc
from retention.storage.tables import users


@dataclass(frozen=True)
class UserRow:
    """A stored user, hash included (the services never hand it further)."""

    id: int
    username: str
    password_hash: str
    role: str
    created_at: datetime
    disabled_at: datetime | None
    last_sign_in_at: datetime | None
    failed_sign_ins: int
    locked_until: datetime | None


class DuplicateUsername(Exception):
    """The username is taken."""


def _row(row: object) -> UserRow:
    m = row._mapping  # type: ignore[attr-defined]

    def stamp(value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None

    return UserRow(
        id=int(m["id"]),
        username=m["username"],
        password_hash=m["password_hash"],
        role=m["role"],
        created_at=as_utc(m["created_at"]),
        disabled_at=stamp(m["disabled_at"]),
        last_sign_in_at=stamp(m["last_sign_in_at"]),
        failed_sign_ins=int(m["failed_sign_ins"]),
        locked_until=stamp(m["locked_until"]),
    )


def add_user(connection: Connection, *, username: str, password_hash: str, role: str, now: datetime) -> None:
    """A new user; DuplicateUsername when the name is taken."""
    try:
        with connection.begin_nested():
            connection.execute(
                insert(users).values(
                    username=username, password_hash=password_hash, role=role, created_at=naive_utc(now)
                )
            )
    except IntegrityError as exc:
        raise DuplicateUsername(username) from exc


def get_user(connection: Connection, username: str) -> UserRow | None:
    row = connection.execute(select(users).where(users.c.username == username)).first()
    return _row(row) if row is not None else None


def list_users(connection: Connection) -> list[UserRow]:
    return [_row(row) for row in connection.execute(select(users).order_by(users.c.username)).all()]


def disable_user(connection: Connection, username: str, *, now: datetime) -> bool:
    """Disable an enabled user; False when there is no such enabled user."""
    result = connection.execute(
        update(users)
        .where(users.c.username == username, users.c.disabled_at.is_(None))
        .values(disabled_at=naive_utc(now))
    )
    return result.rowcount == 1


def record_failure(
    connection: Connection, user_id: int, *, failures: int, locked_until: datetime | None
) -> None:
    connection.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(failed_sign_ins=failures, locked_until=naive_utc(locked_until) if locked_until else None)
    )


def record_sign_in(connection: Connection, user_id: int, *, now: datetime, password_hash: str | None) -> None:
    """A successful sign-in: failures forgotten; the hash replaced when its parameters were outdated."""
    values: dict[str, object] = {
        "failed_sign_ins": 0,
        "locked_until": None,
        "last_sign_in_at": naive_utc(now),
    }
    if password_hash is not None:
        values["password_hash"] = password_hash
    connection.execute(update(users).where(users.c.id == user_id).values(**values))


def set_password(connection: Connection, username: str, *, password_hash: str) -> bool:
    """Replace a user's password (and clear its failures); False when there is no such user."""
    result = connection.execute(
        update(users)
        .where(users.c.username == username)
        .values(password_hash=password_hash, failed_sign_ins=0, locked_until=None, disabled_at=None)
    )
    return result.rowcount == 1
