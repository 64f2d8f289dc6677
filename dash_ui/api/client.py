"""GraphQLClient sends one document and hands back its `data`, or raises ApiError with the API's code."""

from __future__ import annotations

import logging
from typing import Any, Protocol

logger = logging.getLogger(__name__)

JsonObject = dict[str, Any]


class Transport(Protocol):
    """Carries a GraphQL request payload to the API and returns the decoded JSON answer."""

    def post(self, payload: JsonObject) -> JsonObject: ...


class ApiError(Exception):
    """The API answered with errors, or could not be reached; `code` is its `extensions.code`."""

    def __init__(self, message: str, code: str = "INTERNAL") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class GraphQLClient:
    """Executes GraphQL documents over a Transport."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def execute(self, document: str, variables: dict[str, Any] | None = None) -> JsonObject:
        """Send `document` with `variables`; return the answer's `data` or raise ApiError."""
        payload: JsonObject = {"query": document}
        if variables is not None:
            payload["variables"] = variables
        answer = self._transport.post(payload)
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            error = _first_error(errors)
            # Partial data is dropped on purpose: half an answer drawn as a page misleads more than an alert.
            logger.warning("GraphQL error %s: %s", error.code, error.message)
            raise error
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise ApiError("The API answered without data.", code="BAD_RESPONSE")
        return data


def _first_error(errors: object) -> ApiError:
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        return ApiError(str(first))
    extensions = first.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    message = first.get("message")
    return ApiError(
        message if isinstance(message, str) and message else "The API reported an error.",
        code=code if isinstance(code, str) and code else "INTERNAL",
    )
