"""Who is asking and what they may do: scopes, the principal a request runs as, and the refusals."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from retention.errors import RetentionError


class Scope(Enum):
    """What a caller may do; each scope includes the ones before it."""

    READ = "read"  # queries
    WRITE = "write"  # + customer mutations
    ADMIN = "admin"  # + model mutations and jobs

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Scope) -> bool:
        """True when this scope includes `needed`."""
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, text: str) -> Scope:
        """The scope named `text` (read, write or admin); InvalidScope otherwise."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InvalidScope(f"scope must be read, write or admin (got {text!r})") from None


_RANKS = {Scope.READ: 0, Scope.WRITE: 1, Scope.ADMIN: 2}


class Role(Enum):
    """A dashboard user's role; each grants the API scope of the same rank."""

    VIEWER = "viewer"  # read
    EDITOR = "editor"  # + edit customers
    ADMIN = "admin"  # + models, jobs and users

    @property
    def scope(self) -> Scope:
        return _ROLE_SCOPES[self]

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named `text` (viewer, editor or admin); InvalidRole otherwise."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InvalidRole(f"role must be viewer, editor or admin (got {text!r})") from None


_ROLE_SCOPES = {Role.VIEWER: Scope.READ, Role.EDITOR: Scope.WRITE, Role.ADMIN: Scope.ADMIN}


class PrincipalKind(Enum):
    """How the caller proved who it is."""

    API_KEY = "api_key"
    USER = "user"  # a dashboard user signed in with a password


@dataclass(frozen=True)
class Principal:
    """The caller a request runs as: a name for logs and limits, a scope for permissions."""

    name: str
    scope: Scope
    kind: PrincipalKind

    def allows(self, needed: Scope) -> bool:
        """True when this caller may do what `needed` guards."""
        return self.scope.allows(needed)


class InvalidRole(RetentionError):
    """A role name that is not viewer, editor or admin."""

    code = "BAD_USER_INPUT"


class InvalidScope(RetentionError):
    """A scope name that is not read, write or admin."""

    code = "BAD_USER_INPUT"


class Unauthenticated(RetentionError):
    """No credentials, or credentials that are unknown or revoked."""

    code = "UNAUTHENTICATED"


class Forbidden(RetentionError):
    """Known caller, too small a scope for what it asked."""

    code = "FORBIDDEN"
