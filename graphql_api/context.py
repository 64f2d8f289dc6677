"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from retention.access import Principal
from retention.runtime import Runtime


@dataclass
class Context:
    """What a resolver may use: the process runtime, who is asking, and the request's id for the logs."""

    runtime: Runtime
    principal: Principal
    request_id: str
    request: Request | None = None


Info: TypeAlias = StrawberryInfo[Context, None]
