"""One logging set-up for every logger of a process, and the request each line belongs to.

Every line carries the time, level, logger, process id and the request it was written for (its id,
GraphQL operation, the key's or user's name, never the key), as text or as one JSON object, on stderr.
The web edge opens a `RequestRecord` per request; code that learns the operation or the caller fills it
in, and any line logged meanwhile, in any thread the request hands work to, carries it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
NONE = "-"
_TEXT = " ".join(
    [
        "%(asctime)s %(levelname)s %(name)s",
        "[pid=%(process)d req=%(request_id)s op=%(operation)s who=%(principal)s]",
        "%(message)s",
    ]
)
_JSON_FIELDS = (
    "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(operation)s %(principal)s %(message)s"
)
_DATE = "%Y-%m-%dT%H:%M:%S%z"
_CONCISE = "%(levelname)s %(name)s: %(message)s"
# Chatty at INFO or below and never ours to report: per-statement SQL, per-file Dash asset serving.
_QUIETER = {"sqlalchemy": logging.WARNING, "werkzeug": logging.WARNING, "multipart": logging.WARNING}


@dataclass
class RequestRecord:
    """What one request's log lines say about it; filled in as the request learns it."""

    request_id: str
    operation: str = NONE
    principal: str = NONE
    outcome: str = NONE


_current: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar(
    "retention_request", default=None
)


def current_request() -> RequestRecord | None:
    """The record of the request being answered, if any (a copied context shares it with worker threads)."""
    return _current.get()


@contextlib.contextmanager
def request_scope(record: RequestRecord) -> Iterator[RequestRecord]:
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


class _RequestFields(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = _current.get()
        record.request_id = request.request_id if request else NONE
        record.operation = request.operation if request else NONE
        record.principal = request.principal if request else NONE
        return True


def configure_logging(level: str = "INFO", log_format: LogFormat = "text", *, concise: bool = False) -> None:
    """Route every logger (ours, uvicorn's, libraries') to one stderr handler in `log_format` at `level`.

    `concise` is the CLI's: level, logger and message, for a person at a terminal. Called again (each app a
    process builds, the CLI before serving) it replaces its own handler and a plain stderr one
    `basicConfig` left, and leaves any other handler (a test's capture) alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StderrHandler) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(_CONCISE) if concise else _formatter(log_format))
    handler.addFilter(_RequestFields())
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own handlers go: its lines reach the root handler like everyone's. Its access log is
    # replaced by the app's request line, which knows the operation and the caller.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers, access.propagate = [], False
    for name, quiet in _QUIETER.items():
        logging.getLogger(name).setLevel(max(quiet, _number(level)))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a line is written (a test's capture may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def _formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            _JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            datefmt=_DATE,
        )
    return logging.Formatter(_TEXT, datefmt=_DATE)


def _number(level: str) -> int:
    return int(logging.getLevelNamesMapping()[level])
