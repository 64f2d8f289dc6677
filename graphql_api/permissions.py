"""Field permissions by scope: a field declares the least scope it needs, e.g.

    @strawberry.mutation(permission_classes=[NeedsWrite])

Every request is authenticated before execution (graphql_api.http), so any caller holds at least read.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from graphql_api.context import Info
from retention.access import Scope


class _NeedsScope(BasePermission):
    scope: ClassVar[Scope]
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # The message stays a class constant: Strawberry shares permission instances between requests.
        return bool(info.context.principal.allows(self.scope))


class NeedsRead(_NeedsScope):
    """Queries: every authenticated caller."""

    scope = Scope.READ
    message = "this needs an API key with the read scope"


class NeedsWrite(_NeedsScope):
    """Customer writes."""

    scope = Scope.WRITE
    message = "this needs an API key with the write scope"


class NeedsAdmin(_NeedsScope):
    """Model changes and background jobs."""

    scope = Scope.ADMIN
    message = "this needs an API key with the admin scope"
