"""Dashboard users: created with a role, passwords kept as Argon2id hashes, sign-ins checked and slowed
after repeated failures, accounts disabled rather than deleted (what they did stays attributable)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine

from retention.access import Principal, PrincipalKind, Role, Unauthenticated
from retention.errors import InvalidInput, NotFound, RetentionError
from retention.storage import users as store
from retention.storage.customers import now_utc

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
MIN_PASSWORD, MAX_PASSWORD = 12, 256
# Failed sign-ins in a row before each further attempt waits: 1 s, then doubling, up to 15 minutes.
FREE_FAILURES, LONGEST_WAIT_SECONDS = 5, 900
WRONG = "wrong username or password, or the account is disabled"
_HASHER = PasswordHasher()  # Argon2id with the library's current parameters
# Checked against for unknown usernames, so a sign-in takes as long whether or not the user exists.
_DUMMY_HASH = _HASHER.hash("not anyone's password")


class SignInThrottled(RetentionError):
    """Too many failed sign-ins in a row: the next attempt must wait."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class User:
    """A user as callers see it (never the hash)."""

    username: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None
    last_sign_in_at: datetime | None


def _user(row: store.UserRow) -> User:
    return User(row.username, Role(row.role), row.created_at, row.disabled_at, row.last_sign_in_at)


def checked_username(text: str) -> str:
    """A username as stored (lower case); InvalidInput naming the rule it breaks."""
    username = text.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "username: 3 to 64 characters, lower-case letters, digits and . _ -, starting with a letter "
            "or digit"
        )
    return username


def _checked_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD or not password.strip():
        raise InvalidInput(f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def create_user(*, engine: Engine, username: str, password: str, role: Role) -> User:
    """A new user with `role`; InvalidInput for a bad name or password or a taken name."""
    name = checked_username(username)
    hashed = _HASHER.hash(_checked_password(password))
    with engine.begin() as connection:
        try:
            store.add_user(connection, username=name, password_hash=hashed, role=role.value, now=now_utc())
        except store.DuplicateUsername:
            raise InvalidInput(f"username: {name!r} is taken") from None
        row = store.get_user(connection, name)
    assert row is not None
    return _user(row)


def reissue_user(*, engine: Engine, username: str, role: Role) -> str:
    """Give `username` (made with `role` if new, enabled again if disabled) a fresh random password, and
    return it: what `retention demo` prints at every start."""
    password = secrets.token_urlsafe(18)
    name = checked_username(username)
    with engine.begin() as connection:
        if not store.set_password(connection, name, password_hash=_HASHER.hash(password)):
            store.add_user(
                connection,
                username=name,
                password_hash=_HASHER.hash(password),
                role=role.value,
                now=now_utc(),
            )
    return password


def list_users(*, engine: Engine) -> list[User]:
    """Every user, by username."""
    with engine.connect() as connection:
        return [_user(row) for row in store.list_users(connection)]


def active_role(*, engine: Engine, username: str) -> Role | None:
    """The role of an enabled user; None for a disabled or unknown one."""
    with engine.connect() as connection:
        row = store.get_user(connection, username)
    return Role(row.role) if row is not None and row.disabled_at is None else None


def principal_of(username: str, role: Role) -> Principal:
    """Who a signed-in user's requests run as."""
    return Principal(name=f"user:{username}", scope=role.scope, kind=PrincipalKind.USER)


def disable_user(*, engine: Engine, username: str) -> None:
    """Disable a user: they can no longer sign in. NotFound when no such enabled user exists."""
    name = checked_username(username)
    with engine.begin() as connection:
        if not store.disable_user(connection, name, now=now_utc()):
            raise NotFound(f"no enabled user {name!r}")


def authenticate(*, engine: Engine, username: str, password: str, now: datetime | None = None) -> User:
    """The user these credentials name. Unauthenticated (one message for every reason) or, after repeated
    failures, SignInThrottled without looking at the password."""
    moment = now or now_utc()
    try:
        name = checked_username(username)
    except InvalidInput:
        raise Unauthenticated(WRONG) from None
    refusal: RetentionError | None = None
    # The failure is recorded in a transaction that commits: the refusal is raised after it.
    with engine.begin() as connection:
        row = store.get_user(connection, name)
        if row is not None and row.locked_until is not None and row.locked_until > moment:
            refusal = SignInThrottled(max(1, int((row.locked_until - moment).total_seconds() + 0.999)))
        elif not _verified(row.password_hash if row else _DUMMY_HASH, password) or row is None:
            if row is not None:
                failures = row.failed_sign_ins + 1
                locked = None
                if failures >= FREE_FAILURES:
                    wait = min(2 ** (failures - FREE_FAILURES), LONGEST_WAIT_SECONDS)
                    locked = moment + timedelta(seconds=wait)
                store.record_failure(connection, row.id, failures=failures, locked_until=locked)
            refusal = Unauthenticated(WRONG)
        elif row.disabled_at is not None:
            refusal = Unauthenticated(WRONG)
        else:
            rehashed = _HASHER.hash(password) if _HASHER.check_needs_rehash(row.password_hash) else None
            store.record_sign_in(connection, row.id, now=moment, password_hash=rehashed)
    if refusal is not None:
        raise refusal
    assert row is not None
    return _user(row)


def _verified(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
