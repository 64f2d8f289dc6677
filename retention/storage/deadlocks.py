"""Run a short transaction again when InnoDB chose it as a deadlock's victim, as InnoDB asks clients to."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")
DEADLOCK = 1213  # ER_LOCK_DEADLOCK: the transaction was rolled back whole, so running it again is safe
ATTEMPTS = 4


def is_deadlock(error: BaseException) -> bool:
    """True for a MySQL/MariaDB deadlock, after which the server has rolled the transaction back."""
    args: tuple[object, ...] = tuple(getattr(getattr(error, "orig", None), "args", ()))
    return isinstance(error, OperationalError) and len(args) > 0 and args[0] == DEADLOCK


def retry_on_deadlock(transaction: Callable[[], T], *, what: str) -> T:
    """`transaction()` (which opens and commits its own transaction), again on a deadlock, up to ATTEMPTS."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return transaction()
        except OperationalError as exc:
            if not is_deadlock(exc) or attempt == ATTEMPTS:
                raise
            log.info("%s was a deadlock's victim; running it again (attempt %d)", what, attempt + 1)
            time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
    raise AssertionError("unreachable")
