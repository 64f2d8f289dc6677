"""Per-feature contributions as stored with a snapshot: little-endian float64, in the version's feature order.

Binary, not JSON: exact (so base value + contributions = probability survives storage), 8 bytes a feature,
and a million of them cost the writer no text formatting.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_DTYPE = np.dtype("<f8")


def encode_rows(contributions: npt.NDArray[np.float64]) -> list[bytes]:
    """One bytes value per row of a (rows × features) contribution matrix."""
    packed = np.ascontiguousarray(contributions, dtype=_DTYPE)
    width = packed.shape[1] * _DTYPE.itemsize
    blob = packed.tobytes()
    return [blob[i : i + width] for i in range(0, len(blob), width)]


def decode(stored: bytes) -> npt.NDArray[np.float64]:
    """The contributions of one snapshot, in the version's feature order."""
    if len(stored) % _DTYPE.itemsize:
        raise ValueError(f"stored contributions are {len(stored)} bytes, not a whole number of float64s")
    return np.frombuffer(stored, dtype=_DTYPE).astype(np.float64)
