"""The one table-driven formatter for counts, bytes and ratios."""

from __future__ import annotations

import math

_SCALES = {
    "count": ((10**9, "G"), (10**6, "M"), (10**3, "K")),
    "bytes": ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")),
}


def human(value, unit: str = "count") -> str:
    """``3504872`` -> ``3.50 M``; bytes in binary units; ``ratio`` as ``0.153×``."""
    if unit == "ratio":
        return "–" if value is None or math.isnan(value) else f"{value:.3f}×"
    if unit == "intensity":
        return f"{value:.1f}"
    if unit == "exact":
        return f"{value:,}"
    for size, suffix in _SCALES[unit]:
        if abs(value) >= size:
            return f"{value / size:.2f} {suffix}"
    return f"{value} B" if unit == "bytes" else str(value)
