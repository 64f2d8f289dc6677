"""Readiness: can this process answer with data? The database answers, its schema is current, a model runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from retention.storage import migrate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    """Each check's problem, or None where it holds."""

    database: str | None
    schema: str | None
    model: str | None

    @property
    def ready(self) -> bool:
        return self.database is None and self.schema is None and self.model is None


def check_readiness(engine: Engine, *, model_problem: str | None) -> Readiness:
    """One connection for the database and its schema revision; the model is what this process serves."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            at = migrate.revision_on(connection)
    except SQLAlchemyError as exc:
        # The class names the failure without quoting the URL or the driver's text.
        log.debug("readiness: database unreachable (%s)", type(exc).__name__)
        return Readiness(database="unreachable", schema="unknown", model=model_problem)
    return Readiness(database=None, schema=migrate.schema_problem(at), model=model_problem)
