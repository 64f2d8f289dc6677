"""Who a request is: a bearer API key, checked against the database at most every few seconds, or the
signed-in dashboard user the in-process transport puts in the ASGI scope (no HTTP request can set that)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dash_ui.api.transports import IDENTITY_SCOPE_KEY
from retention.access import Principal, PrincipalKind, Unauthenticated
from retention.services import api_keys as key_service

# The in-process transport puts the principal there; servers build scopes from the wire and never add it.
INTERNAL_PRINCIPAL_SCOPE_KEY = IDENTITY_SCOPE_KEY


def bearer_token(request: Request) -> str:
    """The key in `Authorization: Bearer <key>`; Unauthenticated when the header is absent or malformed."""
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthenticated("send an API key: Authorization: Bearer <key> (retention apikey create)")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be: Bearer <key>")
    return token.strip()


def internal_principal(request: Request) -> Principal | None:
    """The principal an in-process transport attached to this request, if any."""
    principal = request.scope.get(INTERNAL_PRINCIPAL_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else None


class KeyCache:
    """Verified keys, trusted for `seconds` (<= 5, so a revocation reaches every process within 5 s).

    Keyed by the key's digest, never the key; bounded in entries. Unknown keys are not remembered, so
    guessing cannot fill it.
    """

    def __init__(
        self,
        engine: Engine,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 1_000,
    ) -> None:
        self._engine = engine
        self._seconds = seconds
        self._clock = clock
        self._max_keys = max_keys
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, secret: str) -> Principal | None:
        """The principal for `secret` if it was verified within the last few seconds."""
        digest = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None and self._clock() - entry[1] < self._seconds:
                return entry[0]
        return None

    async def principal_of(self, request: Request) -> Principal:
        """The key `request` carries as its bearer token, from the cache or (in a thread) the database.

        Unauthenticated for a missing, malformed, unknown or revoked key; a database error as raised.
        """
        secret = bearer_token(request)
        cached = self.cached(secret)
        return cached if cached is not None else await run_in_threadpool(self.verify, secret)

    def verify(self, secret: str) -> Principal:
        """Ask the database (blocking: call from a thread); Unauthenticated for unknown or revoked keys."""
        principal = key_service.authenticate(engine=self._engine, secret=secret)
        if principal.kind is not PrincipalKind.API_KEY:
            raise Unauthenticated("only API keys authenticate over HTTP")
        digest = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()
        with self._lock:
            self._entries[digest] = (principal, self._clock())
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max_keys:
                self._entries.popitem(last=False)
        return principal
