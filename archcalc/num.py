"""The few non-arithmetic steps of the cost formulas, for every number type.

Cost and shape formulas are plain arithmetic (``+ - * //``) and run unchanged on Python
``int`` (exact counts), NumPy integer arrays (vectorised sweeps) and SymPy expressions
(closed forms).  The handful of steps that are not plain arithmetic (max, concreteness
checks) dispatch here, once.  NumPy and SymPy are never imported by this module: a value can
only be one of their types if the caller already imported them.
"""

from __future__ import annotations

import numbers
import sys


def _is_sympy(x) -> bool:
    sp = sys.modules.get("sympy")
    return sp is not None and isinstance(x, sp.Basic)


def _is_numpy(x) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray)


def is_concrete(*values) -> bool:
    """True when every value is a plain integer (so it can be validated and compared)."""
    return all(isinstance(v, numbers.Integral) for v in values)


def maximum(a, b):
    """Elementwise max of two numbers of any supported type."""
    if _is_sympy(a) or _is_sympy(b):
        return sys.modules["sympy"].Max(a, b)
    if _is_numpy(a) or _is_numpy(b):
        return sys.modules["numpy"].maximum(a, b)
    return max(a, b)


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10% down.

    The rule of the MobileNetV2/V3, EfficientNet and MnasNet reference implementations:
    round to the nearest multiple (half up), at least ``min_value`` (default ``divisor``), and
    add one ``divisor`` if rounding lost more than 10%.
    """
    floor = divisor if min_value is None else min_value
    rounded = max(floor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def scale_channels(channels: int, width: float, rounding: int) -> int:
    """Channels after a width multiplier: ``int(c·α)`` when ``rounding`` is 1 (MobileNetV1),
    else :func:`make_divisible` to a multiple of ``rounding`` (V2/V3, EfficientNet, MnasNet)."""
    if rounding == 1:
        return max(1, int(channels * width))
    return make_divisible(channels * width, rounding)
