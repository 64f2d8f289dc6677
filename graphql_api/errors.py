"""Core errors become coded GraphQL errors here, once; anything unexpected is masked and logged."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import weakref
from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import MaskErrors

from retention.errors import RetentionError

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

# Codes the core may raise that a client should see under another name.
_CODES = {"MODEL_INTEGRITY": "MODEL_NOT_READY"}
# Absolute file paths (POSIX or Windows) in a message: the server's layout is nobody else's business.
_PATH = re.compile(r"(?:[A-Za-z]:)?[\w.@+-]*(?:[\\/][\w.@+-]+){2,}[\\/]?")
UNAVAILABLE_MESSAGE = "The database is unreachable; retry in a few seconds."


def coded_error(message: str, code: str) -> GraphQLError:
    """A GraphQL error a client can branch on through extensions.code."""
    return GraphQLError(message, extensions={"code": code})


def public_message(message: str) -> str:
    """`message` with any server file path replaced."""
    return _PATH.sub("<server path>", message)


def is_unavailable(error: BaseException) -> bool:
    """True for a database that cannot be reached (down, restarting, pool exhausted), not a bad statement."""
    if isinstance(error, (OperationalError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def translate(error: Exception) -> GraphQLError | None:
    """The coded error an expected core or database failure becomes; None for a bug."""
    if isinstance(error, RetentionError):
        return coded_error(public_message(error.message), _CODES.get(error.code, error.code))
    if is_unavailable(error):
        log.warning("database unreachable: %s", type(error).__name__)
        return coded_error(UNAVAILABLE_MESSAGE, "UNAVAILABLE")
    return None


# Core calls in flight per event loop. Each holds the GIL for most of its time, so beyond a few threads
# more concurrency only lengthens every call (GIL hand-offs) and the tail; queued calls wait on the loop,
# not in a thread. Per loop, because a limiter belongs to the loop it was made on.
CORE_THREADS = int(os.environ.get("RETENTION_CORE_THREADS", "4"))
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _core_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(CORE_THREADS)
    return limiter


async def call_core(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a blocking core call off the event loop, translating its errors into coded GraphQL errors."""
    try:
        return await anyio.to_thread.run_sync(partial(function, *args, **kwargs), limiter=_core_limiter())
    except Exception as exc:
        coded = translate(exc)
        if coded is None:
            raise
        raise coded from exc


def _is_expected(error: GraphQLError) -> bool:
    # Parse/validation errors have no original error; ours carry a code. Everything else is a bug.
    original = error.original_error
    if original is None:
        return True
    return isinstance(original, GraphQLError) and "code" in (original.extensions or {})


class MaskUnexpectedErrors(MaskErrors):
    """Keeps coded and validation errors readable; replaces anything else by a coded INTERNAL error."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not _is_expected(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", "-")
        log.error(
            "unexpected error in %s [request %s]", error.path, request_id, exc_info=error.original_error
        )
        return GraphQLError(
            f"Unexpected error; it has been logged with request id {request_id}.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )
