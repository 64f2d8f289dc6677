"""Model artifacts on disk: a joblib file, its ONNX export and a JSON manifest describing them.

The manifest says what a version is and how well it did; it does not vouch for the files. The digests a
load trusts come from the version's row in the database (`VersionRecord`), written when it was trained:
whoever can rewrite the model folder can rewrite a manifest too. Each file is read into memory, hashed
and compared with the record before anything parses it, so a swapped pickle never runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import joblib
from pydantic import TypeAdapter, ValidationError
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.pipeline import Pipeline

from retention.errors import ModelIntegrityError, NotFound, StorageFull
from retention.features import FEATURE_NAMES
from retention.records import Driver

ARTIFACT_NAME = "model.joblib"
ONNX_NAME = "model.onnx"
STAGING_PREFIX = ".staging-"  # a version being written; never listed, removed if the write fails
MANIFEST_NAME = "manifest.json"
# Unpickling runs code and ONNX graphs need their runtime: these must match exactly, or the artifact is
# refused before it is opened.
PINNED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "onnxruntime")
VERSION_PATTERN = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}")
# A manifest is a few kilobytes; refusing big ones keeps a planted file from filling memory.
MAX_MANIFEST_BYTES = 1 << 20
REPORTED_METRICS = ("roc_auc", "pr_auc", "brier")


def library_versions() -> dict[str, str]:
    """Versions of the libraries an artifact depends on, as installed in this process."""
    found = {name: installed_version(name) for name in PINNED_LIBRARIES}
    found["python"] = ".".join(platform.python_version_tuple()[:2])
    return found


@dataclass(frozen=True)
class Manifest:
    """What a model version is, how it was made and how well it did on held-out customers."""

    version: str
    created_at: str
    sha256: str
    features: list[str]
    excluded_columns: dict[str, str]
    libraries: dict[str, str]
    training_rows: int
    test_rows: int
    params: dict[str, Any]
    metrics: dict[str, Any]
    drivers: list[dict[str, Any]] = field(default_factory=list)
    baseline_metrics: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    training_seconds: float = 0.0
    onnx_sha256: str = ""
    # The training rows' typical customer (retention.ml.typical), by column name; empty before it was kept.
    typical_profile: dict[str, Any] = field(default_factory=dict)
    # Each numeric feature's training deciles (retention.ml.typical), by column name.
    deciles: dict[str, list[float]] = field(default_factory=dict)

    def driver_records(self) -> list[Driver]:
        """Global drivers, most important first."""
        return [Driver(**d) for d in self.drivers]

    def to_json(self) -> str:
        """The manifest file's text."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)


_MANIFEST = TypeAdapter(Manifest)


@dataclass(frozen=True)
class VersionRecord:
    """A version as the database recorded it at training time: the digests every load trusts."""

    version: str
    sha256: str
    onnx_sha256: str
    base_value: float
    features: tuple[str, ...]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_artifact(model_dir: Path, pipeline: Pipeline, onnx_graph: bytes, manifest: Manifest) -> Manifest:
    """Write the artifacts and their manifest into a new version folder; returns the manifest as saved."""
    try:
        model_dir.mkdir(parents=True, exist_ok=True)
        # Build in a temporary folder and rename, so a crash never leaves a half-written version, and a
        # failed write (a full disk) leaves nothing at all.
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=model_dir))
    except OSError as exc:
        raise _not_written(exc) from exc
    try:
        return _fill(staging, model_dir, pipeline, onnx_graph, manifest)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _not_written(exc) from exc


def _not_written(error: OSError) -> StorageFull:
    reason = os.strerror(error.errno) if error.errno else type(error).__name__
    return StorageFull(
        f"the model version could not be written to the model folder ({reason}); nothing was kept and "
        "the active model is unchanged: free space there (RETENTION_MODEL_DIR) and train again"
    )


def _fill(
    staging: Path, model_dir: Path, pipeline: Pipeline, onnx_graph: bytes, manifest: Manifest
) -> Manifest:
    joblib.dump(pipeline, staging / ARTIFACT_NAME, compress=3)
    (staging / ONNX_NAME).write_bytes(onnx_graph)
    digest = sha256_of(staging / ARTIFACT_NAME)
    version = f"{manifest.version}-{digest[:8]}"
    final = Manifest(
        **{
            **asdict(manifest),
            "version": version,
            "sha256": digest,
            "onnx_sha256": sha256_of(staging / ONNX_NAME),
        }
    )
    (staging / MANIFEST_NAME).write_text(final.to_json(), encoding="utf-8")
    for name in (ARTIFACT_NAME, ONNX_NAME, MANIFEST_NAME):  # on disk before the rename makes them a version
        with (staging / name).open("rb") as written:
            os.fsync(written.fileno())
    os.replace(staging, model_dir / version)
    return final


def check_version_name(version: str) -> None:
    """NotFound unless `version` has the shape of a version id (so it can never name another path)."""
    if not VERSION_PATTERN.fullmatch(version):  # fullmatch: `$` alone would let a trailing newline in
        shown = repr(version) if len(version) <= 40 else f"{version[:40]!r}… ({len(version):,} characters)"
        raise NotFound(f"no model version {shown} (versions look like 20261127T204500Z-1a2b3c4d)")


def read_manifest(model_dir: Path, version: str) -> Manifest:
    """The manifest of one version; NotFound when there is none, ModelIntegrityError when unreadable."""
    check_version_name(version)
    path = model_dir / version / MANIFEST_NAME
    if not path.is_file():
        raise NotFound(f"no model version {version!r} in {model_dir}")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise ModelIntegrityError(f"manifest of model {version} is unreadable: larger than 1 MB")
    try:
        manifest = _MANIFEST.validate_python(json.loads(path.read_bytes().decode("utf-8")))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "manifest"
        raise ModelIntegrityError(
            f"manifest of model {version} is unreadable: {where}: {first['msg']}"
        ) from exc
    except (ValueError, RecursionError) as exc:  # invalid UTF-8 or JSON, or nested past the parser's depth
        raise ModelIntegrityError(f"manifest of model {version} is unreadable: {exc}") from exc
    if manifest.version != version:
        raise ModelIntegrityError(
            f"manifest of model {version} describes another version, {manifest.version}"
        )
    _check_answerable(manifest)
    return manifest


def _check_answerable(manifest: Manifest) -> None:
    # What the API and `models list` read from a manifest must be there, so one bad file fails here, once.
    missing = [k for k in REPORTED_METRICS if not isinstance(manifest.metrics.get(k), int | float)]
    if missing:
        raise ModelIntegrityError(f"manifest of model {manifest.version} is unreadable: no metrics {missing}")
    try:
        manifest.driver_records()
    except TypeError as exc:
        raise ModelIntegrityError(
            f"manifest of model {manifest.version} is unreadable: drivers: {exc}"
        ) from exc


@dataclass(frozen=True)
class VersionOnDisk:
    """A version folder and its manifest, or why the manifest cannot be read."""

    version: str
    manifest: Manifest | None
    problem: str | None


def scan_versions(model_dir: Path) -> list[VersionOnDisk]:
    """Every version folder, newest first; one unreadable manifest does not hide the others."""
    if not model_dir.is_dir():
        return []
    found = []
    for version in sorted(
        (p.name for p in model_dir.iterdir() if VERSION_PATTERN.fullmatch(p.name)), reverse=True
    ):
        try:
            found.append(VersionOnDisk(version, read_manifest(model_dir, version), None))
        except (NotFound, ModelIntegrityError) as exc:
            found.append(VersionOnDisk(version, None, exc.message))
        except OSError as exc:
            found.append(VersionOnDisk(version, None, exc.strerror or type(exc).__name__))
    return found


def list_manifests(model_dir: Path) -> list[Manifest]:
    """The readable manifests in the model folder, newest first."""
    return [found.manifest for found in scan_versions(model_dir) if found.manifest is not None]


def check_consistent(manifest: Manifest, record: VersionRecord) -> None:
    """Refuse a manifest that disagrees with the database's record, or features this code does not declare."""
    if record.version != manifest.version:
        raise ModelIntegrityError(f"model {manifest.version}: the database record is for {record.version}")
    if list(record.features) != list(FEATURE_NAMES) or manifest.features != list(record.features):
        raise ModelIntegrityError(
            f"model {manifest.version}: its features do not match the ones this release declares "
            "(or the manifest's disagree with the database); train a new version with `retention train`"
        )
    here = library_versions()
    mismatched = {k: (v, here.get(k)) for k, v in manifest.libraries.items() if here.get(k) != v}
    if mismatched:
        detail = ", ".join(f"{k} {want} (installed {got})" for k, (want, got) in sorted(mismatched.items()))
        raise ModelIntegrityError(f"model {manifest.version} was built with {detail}; retrain or reinstall")


def verified_bytes(model_dir: Path, version: str, name: str, expected: str) -> bytes:
    """A version's file, read once into memory and returned only if its sha256 is the recorded one."""
    path = model_dir / version / name
    # is_file() follows links and is False for devices and pipes, which could never end.
    if not path.is_file():
        raise ModelIntegrityError(f"model {version}: {path} is missing or not a regular file")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ModelIntegrityError(
            f"model {version}: {name} sha256 {actual[:12]}… is not the {expected[:12]}… recorded in the "
            "database when it was trained; the file was changed after training and will not be opened"
        )
    return data


def load_onnx_graph(model_dir: Path, record: VersionRecord) -> bytes:
    """The exported graph, after checking its sha256 against the database's record."""
    return verified_bytes(model_dir, record.version, ONNX_NAME, record.onnx_sha256)


def load_pipeline(model_dir: Path, manifest: Manifest, record: VersionRecord) -> Pipeline:
    """Unpickle an artifact, only after its bytes matched the recorded sha256 and its libraries ours."""
    check_consistent(manifest, record)
    # The bytes hashed are the bytes unpickled: swapping the file after the check changes nothing.
    data = verified_bytes(model_dir, record.version, ARTIFACT_NAME, record.sha256)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        try:
            pipeline = joblib.load(io.BytesIO(data))
        except Exception as exc:  # a matching digest makes this a broken training, not an attack
            raise ModelIntegrityError(f"model {record.version}: artifact cannot be opened ({exc})") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelIntegrityError(f"model {record.version}: artifact is not a scikit-learn Pipeline")
    return pipeline
