"""Bootstrap Icons (vendored font) as decorative <i> elements."""

from __future__ import annotations

from typing import Any

from dash import html

# Decorative: the text beside the icon says the same thing, so screen readers skip it.
_DECORATIVE: dict[str, Any] = {"aria-hidden": "true"}


def icon(name: str, *, class_name: str = "me-2") -> html.I:
    """The Bootstrap icon `name` (e.g. "people"), followed by a small gap."""
    return html.I(className=f"bi bi-{name} {class_name}".strip(), **_DECORATIVE)
