"""Core errors become coded GraphQL errors here, once; anything unexpected is masked and logged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import MaskErrors

from retention.errors import RetentionError

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def coded_error(message: str, code: str) -> GraphQLError:
    """A GraphQL error a client can branch on through extensions.code."""
    return GraphQLError(message, extensions={"code": code})


async def call_core(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a blocking core call off the event loop, translating its errors into coded GraphQL errors."""
    try:
        return await run_in_threadpool(partial(function, *args, **kwargs))
    except RetentionError as exc:
        raise coded_error(exc.message, exc.code) from exc


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
        log.error("unexpected error in %s", error.path, exc_info=error.original_error)
        return GraphQLError(
            "Unexpected error; it has been logged.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL"},
        )
