"""The one encoding of every keyset cursor: base64url of a short JSON array."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any


def pack(values: Sequence[object]) -> str:
    """An opaque cursor holding `values`."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode()


def unpack(cursor: str, *, size: int, max_chars: int) -> list[Any]:
    """The `size` values inside a cursor `pack` made; ValueError for anything else."""
    if len(cursor) > max_chars:
        raise ValueError("too long")
    try:
        # NaN and ±Infinity are not JSON, and compare as no stored key does.
        values = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")), parse_constant=_no_constant)
    except (ValueError, TypeError, RecursionError) as exc:
        raise ValueError("not base64 JSON") from exc
    if not isinstance(values, list) or len(values) != size:
        raise ValueError("wrong shape")
    return values


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a key")
