"""One rate limit for every process and host, counted in the database the app already shares.

A sliding-window estimate over per-minute counts: the current minute's requests plus the previous
minute's weighted by how much of it still lies in the last 60 s. It allows `per_minute` requests in any
minute-long window to within that weighting, bursts included, and costs each request one upsert and one
primary-key read. The embedded default needs nothing more; see docs/deploy.md for why not Redis.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from retention.storage import rate_limits as store
from retention.storage.deadlocks import retry_on_deadlock

# Old minutes are deleted at most this often per process.
FORGET_EVERY_SECONDS = 60.0


class SharedRateLimiter:
    """`per_minute` requests per caller across every process on this database."""

    def __init__(self, engine: Engine, per_minute: int, *, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._limit = per_minute
        self._clock = clock
        self._forgot_at = -math.inf
        self._lock = threading.Lock()

    def acquire(self, caller: str) -> float | None:
        """None when the request may go ahead, else the seconds to wait (blocking: call from a thread)."""
        now = self._clock()
        minute, into = divmod(now, 60.0)

        def count() -> float | None:
            with self._engine.begin() as connection:
                current, previous = store.take(connection, caller[:64], int(minute))
                if current + previous * (1.0 - into / 60.0) <= self._limit:
                    return None
                store.give_back(connection, caller[:64], int(minute))
                return _wait(current, previous, into, self._limit)

        # Two first requests of a minute inserting the same new row can deadlock on InnoDB.
        wait = retry_on_deadlock(count, what="a rate-limit count")
        self._forget_old(int(minute))
        return wait

    def _forget_old(self, minute: int) -> None:
        with self._lock:
            if time.monotonic() - self._forgot_at < FORGET_EVERY_SECONDS:
                return
            self._forgot_at = time.monotonic()
        with self._engine.begin() as connection:
            store.forget_before(connection, minute - 1)


def _wait(current: int, previous: int, into: float, limit: int) -> float:
    """Seconds until one more request fits, the current minute's count held as it is."""
    if current >= limit:  # only the next minute frees room: then this minute's count weighs in fading
        return 60.0 - into + 60.0 * (current + 1 - limit) / max(current, 1)
    # previous × (1 − t/60) must fall to limit − current − 1 (room for this one).
    needed = 60.0 * (1.0 - (limit - current - 1) / previous) if previous else 0.0
    return max(needed - into, 0.001)
