"""Everything a process needs, built once from Settings and handed down (no module-level state)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from retention import metrics
from retention.config import Settings
from retention.errors import ModelNotReady, RetentionError
from retention.ml.registry import LoadedModel, ModelRegistry
from retention.risk import RiskPolicy
from retention.storage import models as model_store
from retention.storage.engine import make_engine

log = logging.getLogger(__name__)
NO_MODEL_MESSAGE = "no model is active yet: run `retention train`"


@dataclass(frozen=True)
class _Refusal:
    activation_id: int
    message: str


@dataclass
class Runtime:
    """The engine, the model registry, the tier policy and the one model this process serves."""

    settings: Settings
    engine: Engine
    registry: ModelRegistry
    policy: RiskPolicy
    _active: LoadedModel | None = None
    _refused: _Refusal | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Set when this process queues a job, so its worker takes it without waiting for the next poll.
    jobs_queued: threading.Event = field(default_factory=threading.Event)

    def active_model(self) -> LoadedModel:
        """The model this process serves; ModelNotReady before any version is active or loadable."""
        model = self._active
        if model is None:
            raise ModelNotReady(self.model_problem or NO_MODEL_MESSAGE)
        return model

    @property
    def model_problem(self) -> str | None:
        """Why no model is served (none active, or the active one refused); None while one is."""
        if self._active is not None:
            return None
        return self._refused.message if self._refused else NO_MODEL_MESSAGE

    @property
    def active_version(self) -> str | None:
        model = self._active
        return model.version if model else None

    def refresh_active_model(self) -> bool:
        """Follow the database's active version; on a bad artifact keep serving the current model.

        A refused activation is refused once: its files are not read again until the version is
        activated anew (`retention models activate` checks them first). Returns True when the served
        model changed.
        """
        # One refresh at a time, so two threads never open the same version side by side.
        with self._lock:
            with self.engine.connect() as connection:
                wanted = model_store.latest_activation(connection)
                if wanted is None or wanted.version == self.active_version:
                    return False
                if self._refused is not None and self._refused.activation_id == wanted.id:
                    return False
                record = model_store.version_record(connection, wanted.version)
            try:
                model = self.registry.load(wanted.version, record)
            except RetentionError as exc:
                message = f"model {wanted.version} is active but cannot be served: {exc.message}"
                self._refused = _Refusal(wanted.id, message)
                log.error("%s; still serving %s", message, self.active_version or "nothing")
                return False
            # The old model goes with the last request that holds it: one model stays in the process.
            metrics.serve_model(self.active_version, model.version)
            self._active, self._refused = model, None
        log.info("now serving model %s", wanted.version)
        return True

    def close(self) -> None:
        """Release pooled database connections."""
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    """A runtime for these settings; connects lazily, loads no model until asked."""
    engine = make_engine(settings.database_url)
    metrics.track_pool(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        registry=ModelRegistry(settings.model_dir),
        policy=RiskPolicy.from_settings(settings),
    )
