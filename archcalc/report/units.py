"""The one table-driven formatter: every number any presenter shows goes through :func:`fmt`.

Units: ``count`` (params, MACs, FLOPs), ``bytes`` (binary prefixes), ``ratio`` (``0.529×``),
``share`` (``94.9%``), ``intensity`` (FLOP/byte), ``int`` (a plain count such as layers),
``delta`` (a tool's count minus archcalc's: ``=`` or ``+1,024``), ``ok`` (✓/✗), ``shape``
and ``text``.  ``exact`` shows counts and bytes as integers with thousands
separators instead of scaled; ``None`` (an undefined ratio or intensity) shows as ``–``.
"""

from __future__ import annotations

import math

_SCALES = {
    "count": ((10**9, "G"), (10**6, "M"), (10**3, "K")),
    "bytes": ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")),
}
MISSING = "–"


def _significant(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def fmt(value, unit: str = "count", exact: bool = False) -> str:
    """``3504872`` -> ``3.50 M`` (``3,504,872`` when ``exact``); ratios to three significant
    digits with ``×``; shares as percentages with one decimal."""
    if value is None:
        return MISSING
    if unit in ("text", "shape"):
        return str(value)
    if unit == "ratio":
        return _significant(value) + "×"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "delta":
        return "=" if value == 0 else f"{value:+,}"
    if unit == "ok":
        return "✓" if value else "✗"
    if unit == "intensity":
        return f"{value:.1f}"
    if unit == "int" or exact:
        return f"{value:,}"
    for size, suffix in _SCALES[unit]:
        if abs(value) >= size:
            return f"{value / size:.2f} {suffix}"
    return f"{value} B" if unit == "bytes" else str(value)


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula (leading ``= + - @``, tab or CR), prefixed
    with an apostrophe so it stays text (CSV and XLSX cells)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
