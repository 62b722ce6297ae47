"""The one table-driven formatter: every number any presenter shows goes through :func:`fmt`.

Units: ``count`` (params, MACs, FLOPs), ``bytes`` (binary prefixes), ``ratio`` (``0.529×``),
``share`` (``94.9%``), ``error`` (a prediction's relative error: ``+12%``), ``intensity`` (FLOP/byte), ``int`` (a plain count such as layers),
``number`` (a swept parameter: ``1,024`` or ``0.35``), ``seconds`` (``96.0 µs``), ``rate``
(per second, up to ``T``), ``delta`` (a tool's count minus
archcalc's: ``=`` or ``+1,024``), ``ok`` (✓/✗), ``shape`` and ``text``.  ``exact`` shows counts and bytes as integers with thousands
separators instead of scaled; ``None`` (an undefined ratio or intensity) shows as ``–``.
"""

from __future__ import annotations

import math

_SCALES = {
    "count": ((10**9, "G"), (10**6, "M"), (10**3, "K"), (1, "")),
    "bytes": ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"), (1, "B")),
    "rate": ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"), (1, "")),
}
MISSING = "–"


def _significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, zeros kept (``1.00``, ``0.0836``)."""
    value = float(f"{value:.{digits}g}")
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def _scaled(value, unit: str) -> str:
    """The largest prefix with at least one of it; a value that would round up to
    ``1000.00`` of the next smaller prefix takes this one (``999,999,999`` -> ``1.00 G``)."""
    scales = _SCALES[unit]
    for (size, suffix), (smaller, _) in zip(scales, scales[1:] + ((1, ""),)):
        if size == 1:
            return f"{value} {suffix}".rstrip()
        if abs(value) >= size or (smaller > 1 and round(abs(value) / size, 2) >= 1):
            return f"{value / size:.2f} {suffix}"


def _seconds(value: float) -> str:
    """``9.6e-05`` -> ``96.0 µs``: three significant digits in s, ms, µs or ns."""
    for size, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if abs(value) >= size or size == 1e-9:
            return f"{_significant(value / size)} {suffix}"


_FORMATTERS = {
    "text": str,
    "seconds": _seconds,
    "shape": str,
    "ratio": lambda v: _significant(v) + "×",
    "share": lambda v: f"{100 * v:.1f}%",
    "error": lambda v: f"{100 * v:+.0f}%",
    "delta": lambda v: "=" if v == 0 else f"{v:+,}",
    "ok": lambda v: "✓" if v else "✗",
    "intensity": lambda v: f"{v:.1f}",
    "int": lambda v: f"{v:,}",
    "number": lambda v: f"{v:,}" if isinstance(v, int) else f"{v:g}",
    "count": lambda v: _scaled(v, "count"),
    "bytes": lambda v: _scaled(v, "bytes"),
    "rate": lambda v: _scaled(v, "rate"),
}
_EXACT = ("count", "bytes")


def fmt(value, unit: str = "count", exact: bool = False) -> str:
    """``3504872`` -> ``3.50 M`` (``3,504,872`` when ``exact``); ratios to three significant
    digits with ``×``; shares as percentages with one decimal; ``None`` as ``–``."""
    if value is None:
        return MISSING
    return _FORMATTERS["int" if exact and unit in _EXACT else unit](value)


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula (leading ``= + - @``, tab or CR), prefixed
    with an apostrophe so it stays text (CSV and XLSX cells)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
