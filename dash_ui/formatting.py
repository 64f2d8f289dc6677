"""How numbers read on the dashboard; a missing value always reads as an em dash, never as 0 or "None"."""

from __future__ import annotations

MISSING = "—"


def format_count(value: int | None) -> str:
    """A whole number with thousands separators: 12,345."""
    return MISSING if value is None else f"{value:,}"


def format_percent(ratio: float | None, digits: int = 1) -> str:
    """A ratio (0.265) as a percentage: 26.5%."""
    return MISSING if ratio is None else f"{ratio * 100:,.{digits}f}%"


def format_money(amount: float | None, digits: int = 0, symbol: str = "$") -> str:
    """An amount with its currency symbol and thousands separators: $12,345, -$80.50."""
    if amount is None:
        return MISSING
    sign = "-" if amount < 0 and round(abs(amount), digits) > 0 else ""
    return f"{sign}{symbol}{abs(amount):,.{digits}f}"


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when either is missing or the whole is zero."""
    if part is None or not whole:
        return None
    return part / whole
