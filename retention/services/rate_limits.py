"""One rate limit for every process and host, counted in the database the app already shares.

A sliding-window estimate over per-minute counts: the current minute's requests plus the previous
minute's weighted by how much of it still lies in the last 60 s. Each process takes its allowance from the
database in blocks (1/200 of the limit, at least 1): counting a block is one upsert answering with the new
total, and the requests it covers need no database at all, so a request costs a statement only once per
block. The price is precision: a process may hold up to a block it has counted but not used, so a caller
gets at most the limit, and at least the limit less one block per process. The embedded default needs
nothing more; see docs/deploy.md for why not Redis.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import Connection, Engine

from retention.storage import rate_limits as store
from retention.storage.deadlocks import retry_on_deadlock

# Old minutes are deleted at most this often per process.
FORGET_EVERY_SECONDS = 60.0
# Past minutes' counts a process keeps (one per caller and minute), and callers it holds blocks for.
MAX_REMEMBERED = 10_000
BLOCKS_PER_LIMIT = 200


class SharedRateLimiter:
    """`per_minute` requests per caller across every process on this database."""

    def __init__(
        self,
        engine: Engine,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.time,
        block: int | None = None,
    ) -> None:
        self._engine = engine
        self._limit = per_minute
        self._block = block or max(1, per_minute // BLOCKS_PER_LIMIT)
        self._clock = clock
        self._forgot_at = -math.inf
        self._lock = threading.Lock()
        self._finished: OrderedDict[tuple[str, int], int] = OrderedDict()
        self._held: OrderedDict[str, tuple[int, int]] = OrderedDict()  # caller: (minute, requests left)

    def take_held(self, caller: str) -> bool:
        """Use one request of a block this process already counted for `caller` this minute (no I/O)."""
        minute = int(self._clock() // 60.0)
        name = caller[:64]
        with self._lock:
            held = self._held.get(name)
            if held is None or held[0] != minute or held[1] <= 0:
                return False
            self._held[name] = (minute, held[1] - 1)
        return True

    def acquire(self, caller: str) -> float | None:
        """None when the request may go ahead, else the seconds to wait (blocking: call from a thread)."""
        if self.take_held(caller):
            return None
        now = self._clock()
        minute, into = int(now // 60.0), now % 60.0
        name = caller[:64]

        def count() -> float | None:
            with self._engine.begin() as connection:
                total = store.take(connection, name, minute, self._block)
                before = total - self._block
                previous = self._previous(connection, name, minute)
                room = math.floor(self._limit - before - previous * (1.0 - into / 60.0))
                granted = max(0, min(self._block, room))
                if granted < self._block:  # what the limit does not allow goes back at once
                    store.give_back(connection, name, minute, self._block - granted)
            if granted == 0:
                return _wait(before, previous, into, self._limit)
            with self._lock:
                self._held[name] = (minute, granted - 1)  # this request takes the first
                self._held.move_to_end(name)
                while len(self._held) > MAX_REMEMBERED:
                    self._held.popitem(last=False)
            return None

        # Two first requests of a minute inserting the same new row can deadlock on InnoDB.
        wait = retry_on_deadlock(count, what="a rate-limit count")
        self._forget_old(minute)
        return wait

    def _previous(self, connection: Connection, caller: str, minute: int) -> int:
        # A minute that has passed barely changes (a block counted as it ended), so each process reads it
        # once.
        key = (caller, minute - 1)
        with self._lock:
            known = self._finished.get(key)
        if known is not None:
            return known
        used = store.count_in(connection, caller, minute - 1)
        with self._lock:
            self._finished[key] = used
            while len(self._finished) > MAX_REMEMBERED:
                self._finished.popitem(last=False)
        return used

    def _forget_old(self, minute: int) -> None:
        with self._lock:
            if time.monotonic() - self._forgot_at < FORGET_EVERY_SECONDS:
                return
            self._forgot_at = time.monotonic()
        with self._engine.begin() as connection:
            store.forget_before(connection, minute - 1)


def _wait(current: int, previous: int, into: float, limit: int) -> float:
    """Seconds until one more request fits, given the `current` minute's allowed requests (refused ones are
    given back, so this is what the minute will hold) and the `previous` minute's."""
    if current >= limit:  # only the next minute frees room, where `current` fades: c × (1 − t/60) + 1 ≤ limit
        return 60.0 - into + 60.0 * (current + 1 - limit) / max(current, 1)
    # previous × (1 − t/60) must fall to limit − current − 1 (room for this one).
    needed = 60.0 * (1.0 - (limit - current - 1) / previous) if previous else 0.0
    return max(needed - into, 0.001)
