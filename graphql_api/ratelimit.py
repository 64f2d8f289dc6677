"""Per-key rate limiting behind a small interface, so a shared store can replace the in-process one."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class RateLimiter(Protocol):
    """Takes one request from a caller's allowance."""

    def acquire(self, caller: str) -> float | None:
        """None when the request may go ahead, else the seconds to wait before the next one will."""
        ...


class TokenBucketLimiter:
    """`per_minute` requests a minute per caller, refilled continuously, bursts up to `per_minute`.

    Counts in this process only (issue 12 moves the counters to a shared store). The number of callers
    tracked is bounded: only authenticated keys reach it, and the least recently seen are forgotten first.
    """

    def __init__(
        self, per_minute: int, *, clock: Callable[[], float] = time.monotonic, max_callers: int = 10_000
    ) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, caller: str) -> float | None:
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(caller, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - then) * self._rate)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, now)
                wait = None
            else:
                self._buckets[caller] = (tokens, now)
                wait = (1.0 - tokens) / self._rate
            self._buckets.move_to_end(caller)
            while len(self._buckets) > self._max_callers:
                self._buckets.popitem(last=False)
        return wait
