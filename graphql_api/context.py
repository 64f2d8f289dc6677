"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TypeAlias

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from graphql_api.dataloaders import Loaders
from retention.access import Principal
from retention.runtime import Runtime


@dataclass
class Context:
    """What a resolver may use: the process runtime, who is asking, and the request's id for the logs."""

    runtime: Runtime
    principal: Principal
    request_id: str
    request: Request | None = None

    @cached_property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, made on first use: never shared with another request."""
        return Loaders(self.runtime)


Info: TypeAlias = StrawberryInfo[Context, None]
