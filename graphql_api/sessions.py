"""Dashboard sessions: a signed, timestamped cookie naming the user; the user re-checked every few seconds,
so a disabled account stops within that time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.cookies import SimpleCookie

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from retention.access import Principal, Role
from retention.services import users as user_service

COOKIE = "retention_session"
_SALT = "retention-dashboard-session"


class SessionCodec:
    """Signs and reads session cookies; a cookie older than `max_age` seconds is no session."""

    def __init__(self, secret: str, max_age: float) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.max_age = max_age

    def issue(self, username: str) -> str:
        return self._serializer.dumps({"u": username})

    def username(self, token: str) -> str | None:
        try:
            payload = self._serializer.loads(token, max_age=int(self.max_age))
        except BadSignature:  # also SignatureExpired
            return None
        name = payload.get("u") if isinstance(payload, dict) else None
        return name if isinstance(name, str) else None

    def set_cookie_header(self, token: str, *, secure: bool) -> str:
        flags = "; Secure" if secure else ""
        return f"{COOKIE}={token}; Max-Age={int(self.max_age)}; Path=/; HttpOnly; SameSite=Strict{flags}"


CLEARED = f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"


def cookie_from(header: str | None) -> str | None:
    """The session cookie's value in a Cookie header."""
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


class ActiveUsers:
    """Signed-in users' roles, asked of the database at most every `seconds` per user."""

    def __init__(self, engine: Engine, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine, self._seconds, self._clock = engine, seconds, clock
        self._entries: dict[str, tuple[Role | None, float]] = {}
        self._lock = threading.Lock()

    def principal(self, username: str) -> Principal | None:
        """Who `username` runs as, or None once disabled (blocking: call from a thread)."""
        with self._lock:
            entry = self._entries.get(username)
        if entry is None or self._clock() - entry[1] >= self._seconds:
            role = user_service.active_role(engine=self._engine, username=username)
            with self._lock:
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[username] = (role, self._clock())
        else:
            role = entry[0]
        return user_service.principal_of(username, role) if role is not None else None
