"""The core's exceptions; each carries the code every edge (GraphQL, CLI, dashboard) translates once."""

from __future__ import annotations


class RetentionError(Exception):
    """Base of every error the core raises on purpose."""

    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RetentionError):
    """A named thing (customer, model version) does not exist."""

    code = "NOT_FOUND"


class InvalidInput(RetentionError):
    """Input that breaks the declared schema; the message names the field and the reason."""

    code = "BAD_USER_INPUT"


class ModelNotReady(RetentionError):
    """No usable model version is active yet."""

    code = "MODEL_NOT_READY"


class ModelIntegrityError(RetentionError):
    """An artifact whose checksum or library versions do not match its manifest."""

    code = "MODEL_INTEGRITY"


class StorageFull(RetentionError):
    """A file could not be written: the disk (or the folder's quota) is full, or it is not writable."""

    code = "UNAVAILABLE"
