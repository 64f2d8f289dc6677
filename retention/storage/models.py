"""Model versions of record and which one is active (an append-only log of activations; the latest wins)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from retention.ml.artifacts import VersionRecord
from retention.storage.customers import naive_utc
from retention.storage.tables import model_activations, model_versions


@dataclass(frozen=True)
class Activation:
    """One activation: its id (a re-activation of the same version is a new one) and the version."""

    id: int
    version: str


def record_version(connection: Connection, record: VersionRecord, *, now: datetime) -> None:
    """Keep a trained version's digests: what every later load of its files is checked against."""
    connection.execute(
        insert(model_versions).values(
            version=record.version,
            sha256=record.sha256,
            onnx_sha256=record.onnx_sha256,
            base_value=record.base_value,
            features=json.dumps(list(record.features)),
            created_at=naive_utc(now),
        )
    )


def version_record(connection: Connection, version: str) -> VersionRecord | None:
    """The database's record of `version`, or None when it was not trained against this database."""
    row = connection.execute(select(model_versions).where(model_versions.c.version == version)).one_or_none()
    if row is None:
        return None
    return VersionRecord(
        version=row.version,
        sha256=row.sha256,
        onnx_sha256=row.onnx_sha256,
        base_value=float(row.base_value),
        features=tuple(json.loads(row.features)),
    )


def recorded_versions(connection: Connection) -> set[str]:
    """Every version this database has a record of."""
    return set(connection.execute(select(model_versions.c.version)).scalars())


def record_activation(connection: Connection, *, model_version: str, now: datetime) -> None:
    """Make `model_version` the active one from now on; earlier activations stay as history."""
    connection.execute(
        insert(model_activations).values(model_version=model_version, activated_at=naive_utc(now))
    )


def latest_activation(connection: Connection) -> Activation | None:
    """The most recent activation, or None before the first."""
    row = connection.execute(
        select(model_activations.c.id, model_activations.c.model_version)
        .order_by(model_activations.c.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else Activation(id=int(row.id), version=row.model_version)


def active_version(connection: Connection) -> str | None:
    """The most recently activated version, or None before the first activation."""
    latest = latest_activation(connection)
    return None if latest is None else latest.version
