"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from retention.runtime import Runtime


@dataclass
class Context:
    """What a resolver may use: the process runtime (engine, models, settings)."""

    runtime: Runtime
    request: Request | None = None


Info: TypeAlias = StrawberryInfo[Context, None]


def context_getter_for(runtime_of: Any) -> Any:
    """A Strawberry context getter reading the runtime the lifespan put on request.state."""

    async def get_context(request: Request, response: Any = None) -> Context:
        return Context(runtime=runtime_of(request), request=request)

    return get_context
