"""What a snapshot keeps of its explanation: every feature's contribution, then the model-input values.

One binary blob per snapshot: the contributions as little-endian float64 in the version's feature order
(exact, so base value + contributions = probability survives storage), then the value each feature had
when it was scored, each in the narrowest type that holds its declared range exactly (a flag or a
category code in one byte, tenure in two, a float column in eight): 37 bytes for today's 13 features,
where float64 throughout would cost 104, and a million snapshots are written in one `retention score`.
Snapshots written before values were kept hold the contributions alone; their values read as None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from retention import features
from retention.features import Kind

_CONTRIBUTION = np.dtype("<f8")
_INTEGER_TYPES = ("<u1", "<i2", "<i4", "<i8")


@dataclass(frozen=True)
class StoredExplanation:
    """One snapshot's contributions and (when kept) its model-input values, in the version's order."""

    contributions: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64] | None


def _value_type(column: features.Column) -> str:
    if column.kind is Kind.FLOAT:
        return "<f8"
    if column.kind is Kind.CATEGORY:
        low, high = 0.0, float(len(column.categories) - 1)
    else:
        low, high = float(column.minimum or 0), float(column.maximum or 2**62)
    for name in _INTEGER_TYPES:
        info = np.iinfo(np.dtype(name))
        if info.min <= low and high <= info.max:
            return name
    raise ValueError(f"{column.name}: no integer type holds {low}..{high}")


@cache
def _values_dtype(feature_names: tuple[str, ...]) -> np.dtype[np.void]:
    return np.dtype([(name, _value_type(features.COLUMNS_BY_NAME[name])) for name in feature_names])


def encode_rows(
    contributions: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64],
    feature_names: Sequence[str] = features.FEATURE_NAMES,
) -> list[bytes]:
    """One blob per row of a (rows × features) contribution matrix and its matrix of input values."""
    rows, width = contributions.shape
    if values.shape != (rows, width) or width != len(feature_names):
        raise ValueError(f"contributions {contributions.shape} and values {values.shape} do not match")
    value_type = _values_dtype(tuple(feature_names))
    layout = np.dtype([("contributions", _CONTRIBUTION, (width,)), ("values", value_type)])
    packed = np.empty(rows, dtype=layout)
    packed["contributions"] = contributions
    for j, name in enumerate(feature_names):
        packed["values"][name] = values[:, j]
    blob = packed.tobytes()
    size = layout.itemsize
    return [blob[i : i + size] for i in range(0, len(blob), size)]


def decode(stored: bytes, feature_names: Sequence[str] = features.FEATURE_NAMES) -> StoredExplanation:
    """The contributions and values of one snapshot, for a version with these features."""
    width = len(feature_names)
    split = width * _CONTRIBUTION.itemsize
    contributions = np.frombuffer(stored, dtype=_CONTRIBUTION, count=width).astype(np.float64)
    if len(stored) == split:
        return StoredExplanation(contributions, None)
    value_type = _values_dtype(tuple(feature_names))
    if len(stored) != split + value_type.itemsize:
        raise ValueError(f"a stored explanation of {len(stored)} bytes does not fit {width} features")
    record = np.frombuffer(stored, dtype=value_type, count=1, offset=split)[0]
    values = np.array([float(record[name]) for name in feature_names], dtype=np.float64)
    return StoredExplanation(contributions, values)
