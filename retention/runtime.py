"""Everything a process needs, built once from Settings and handed down (no module-level state)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from retention.config import Settings
from retention.errors import ModelNotReady, RetentionError
from retention.ml.registry import LoadedModel, ModelRegistry, registry_for
from retention.risk import RiskPolicy
from retention.storage import models as model_store
from retention.storage.engine import make_engine

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The engine, the model registry, the tier policy and the model this process serves."""

    settings: Settings
    engine: Engine
    registry: ModelRegistry
    policy: RiskPolicy
    _active: LoadedModel | None = None
    _refused: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def active_model(self) -> LoadedModel:
        """The model this process serves; ModelNotReady before any version is active or loadable."""
        model = self._active
        if model is None:
            raise ModelNotReady(self._refused or "no model is active yet: run `retention train`")
        return model

    @property
    def active_version(self) -> str | None:
        return self._active.version if self._active else None

    def refresh_active_model(self) -> bool:
        """Follow the database's active version; on a bad artifact keep serving the current model.

        Returns True when the served model changed.
        """
        with self.engine.connect() as connection:
            wanted = model_store.active_version(connection)
        if wanted is None or wanted == self.active_version:
            return False
        try:
            model = self.registry.load(wanted)
        except RetentionError as exc:
            self._refused = f"model {wanted} is active but cannot be served: {exc.message}"
            log.error(
                "model %s was activated but cannot be served (%s); still serving %s",
                wanted,
                exc,
                self.active_version or "nothing",
            )
            return False
        with self._lock:
            self._active = model
        log.info("now serving model %s", wanted)
        return True

    def close(self) -> None:
        """Release pooled database connections."""
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    """A runtime for these settings; connects lazily, loads no model until asked."""
    return Runtime(
        settings=settings,
        engine=make_engine(settings.database_url),
        registry=registry_for(settings.model_dir),
        policy=RiskPolicy.from_settings(settings),
    )
