"""Helpers shared by the benchmarks: model choice, generated data in model form, timing, memory."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.process import peak_rss_mb, reproduce, verdict
from retention.features import Kind
from retention.ml.artifacts import VersionRecord, list_manifests, read_manifest
from retention.ml.matrix import MODEL_COLUMNS, Matrix
from retention.ml.registry import LoadedModel, ModelRegistry

__all__ = ["peak_rss_mb", "reproduce", "verdict"]  # re-exported for the model benches

DEFAULT_MODEL_DIR = Path("bench/out/models")


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model-dir and --version, as every scoring benchmark takes them."""
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--version", default=None, help="model version (default: the newest in --model-dir)")


def chosen_version(model_dir: Path, version: str | None) -> str:
    """`version`, or the newest version in the folder; exits with a hint when there is none."""
    if version is not None:
        return version
    manifests = list_manifests(model_dir)
    if not manifests:
        raise SystemExit(f"no model in {model_dir}: train one with .venv/bin/python -m bench.train_100k")
    return manifests[0].version


def load_model(model_dir: Path, version: str) -> LoadedModel:
    """The model, opened the way the services open it, vouched for by its own manifest.

    Only for a bench's own folder (bench/train_100k writes no database): the product never trusts a
    manifest's digests, it checks the files against the database row written at training.
    """
    manifest = read_manifest(model_dir, version)
    record = VersionRecord(
        version=version,
        sha256=manifest.sha256,
        onnx_sha256=manifest.onnx_sha256,
        base_value=float("nan"),
        features=tuple(manifest.features),
    )
    return ModelRegistry(model_dir).load(version, record)


def current_rss_mb() -> float:
    """Resident memory of this process now (VmRSS), in MB; 0 where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) / 1024


def matrix_of_columns(columns: Mapping[str, npt.NDArray[Any]]) -> Matrix:
    """A generated chunk's columns as the model matrix, without a Python loop over rows.

    Same values as `matrix_from_tuples` on the chunk's rows (model_speed checks it on its first chunk).
    """
    count = len(next(iter(columns.values())))
    matrix = np.empty((count, len(MODEL_COLUMNS)), dtype=np.float64)
    for j, column in enumerate(MODEL_COLUMNS):
        values = columns[column.name]
        if column.kind is Kind.CATEGORY:
            codes = np.full(count, -1.0)
            for code, name in enumerate(column.categories):
                codes[values == name] = code
            if (codes < 0).any():
                raise ValueError(f"{column.name}: a value outside {column.categories}")
            matrix[:, j] = codes
        else:
            matrix[:, j] = values.astype(np.float64)
    return matrix


def generated_matrices(count: int, *, seed: int, chunk_size: int) -> Iterator[Matrix]:
    """`count` generated customers as model matrices of at most `chunk_size` rows."""
    from seeds.generator import generate_chunks

    for chunk in generate_chunks(count, seed=seed, chunk_size=chunk_size):
        yield matrix_of_columns(chunk.columns)


def profile_dicts(columns: Mapping[str, npt.NDArray[Any]]) -> list[dict[str, Any]]:
    """A generated chunk as dict rows of plain Python values, as the importer hands them to storage."""
    names = list(columns)
    values = [columns[name].tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def call_times(call: Callable[[int], object], calls: int, *, warmup: int = 20) -> npt.NDArray[np.float64]:
    """Seconds taken by each of `calls` calls of call(i), after `warmup` untimed ones."""
    for i in range(warmup):
        call(i)
    times = np.empty(calls, dtype=np.float64)
    clock = time.perf_counter
    for i in range(calls):
        started = clock()
        call(i)
        times[i] = clock() - started
    return times


def format_duration(seconds: float) -> str:
    """µs below a millisecond, ms below a second, else s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"
