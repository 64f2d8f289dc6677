"""Model artifacts on disk: a joblib file plus a JSON manifest that vouches for it."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import joblib
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.pipeline import Pipeline

from retention.errors import ModelIntegrityError, NotFound
from retention.records import Driver

ARTIFACT_NAME = "model.joblib"
ONNX_NAME = "model.onnx"
MANIFEST_NAME = "manifest.json"
# Unpickling runs code and ONNX graphs need their runtime: these must match exactly, or the artifact is
# refused before it is opened.
PINNED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "onnxruntime")
VERSION_PATTERN = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")


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

    def driver_records(self) -> list[Driver]:
        """Global drivers, most important first."""
        return [Driver(**d) for d in self.drivers]

    def to_json(self) -> str:
        """The manifest file's text."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_artifact(model_dir: Path, pipeline: Pipeline, onnx_graph: bytes, manifest: Manifest) -> Manifest:
    """Write the artifacts and their manifest into a new version folder; returns the manifest as saved."""
    model_dir.mkdir(parents=True, exist_ok=True)
    # Build in a temporary folder and rename, so a crash never leaves a half-written version.
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=model_dir))
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
    os.replace(staging, model_dir / version)
    return final


def read_manifest(model_dir: Path, version: str) -> Manifest:
    """The manifest of one version; NotFound when there is no such version."""
    if not VERSION_PATTERN.match(version):
        raise NotFound(f"no model version {version!r} (versions look like 20261127T204500Z-1a2b3c4d)")
    path = model_dir / version / MANIFEST_NAME
    if not path.is_file():
        raise NotFound(f"no model version {version!r} in {model_dir}")
    try:
        return Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise ModelIntegrityError(f"manifest of model {version} is unreadable: {exc}") from exc


def list_manifests(model_dir: Path) -> list[Manifest]:
    """Every version in the model folder, newest first."""
    if not model_dir.is_dir():
        return []
    versions = sorted((p.name for p in model_dir.iterdir() if VERSION_PATTERN.match(p.name)), reverse=True)
    return [read_manifest(model_dir, v) for v in versions]


def _verified(model_dir: Path, manifest: Manifest, name: str, expected: str) -> Path:
    path = model_dir / manifest.version / name
    if not path.is_file():
        raise ModelIntegrityError(f"model {manifest.version}: {path} is missing")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"model {manifest.version}: {name} sha256 {actual[:12]}… does not match the manifest's "
            f"{expected[:12]}…; the file was changed after training and will not be loaded"
        )
    return path


def load_onnx_graph(model_dir: Path, manifest: Manifest) -> bytes:
    """The exported graph, after checking its sha256 against the manifest."""
    return _verified(model_dir, manifest, ONNX_NAME, manifest.onnx_sha256).read_bytes()


def load_pipeline(model_dir: Path, manifest: Manifest) -> Pipeline:
    """Open an artifact after checking its sha256 and library versions against the manifest."""
    path = _verified(model_dir, manifest, ARTIFACT_NAME, manifest.sha256)
    here = library_versions()
    mismatched = {k: (v, here.get(k)) for k, v in manifest.libraries.items() if here.get(k) != v}
    if mismatched:
        detail = ", ".join(f"{k} {want} (installed {got})" for k, (want, got) in sorted(mismatched.items()))
        raise ModelIntegrityError(f"model {manifest.version} was built with {detail}; retrain or reinstall")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        pipeline = joblib.load(path)
    if not isinstance(pipeline, Pipeline):
        raise ModelIntegrityError(f"model {manifest.version}: artifact is not a scikit-learn Pipeline")
    return pipeline
