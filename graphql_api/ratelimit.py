"""What the endpoint needs of a rate limiter; the one in use is retention.services.rate_limits'."""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    """Takes one request from a caller's allowance."""

    def take_held(self, caller: str) -> bool:
        """True when a request could be taken from what this process already holds, with no I/O."""
        ...

    def acquire(self, caller: str) -> float | None:
        """None when the request may go ahead, else the seconds to wait before the next one will.

        May block on the database: the endpoint calls it from a worker thread.
        """
        ...
