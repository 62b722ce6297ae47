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
    for v in values:  # ``type(v) is int`` first: the ABC check is slow on the hot path
        if type(v) is not int and not isinstance(v, numbers.Integral):
            return False
    return True


def maximum(a, b):
    """Elementwise max of two numbers of any supported type."""
    if _is_sympy(a) or _is_sympy(b):
        return sys.modules["sympy"].Max(a, b)
    if _is_numpy(a) or _is_numpy(b):
        return sys.modules["numpy"].maximum(a, b)
    return max(a, b)


def ge(a, b):
    """1 where ``a >= b``, else 0, for every number type (PyTorch's ceil-mode pooling rule)."""
    if _is_sympy(a) or _is_sympy(b):
        sp = sys.modules["sympy"]
        return sp.Piecewise((1, sp.Ge(a, b)), (0, True))
    if _is_numpy(a) or _is_numpy(b):
        return (a >= b).astype(int)
    return int(a >= b)


def adaptive_extent(size, out):
    """Sum over the ``out`` cells of one side of adaptive pooling of the input rows each cell
    reads (``⌈(i+1)·size/out⌉ − ⌊i·size/out⌋``); ``size`` itself when the cells tile exactly,
    as for global pooling.  Other splits need concrete ints."""
    if is_concrete(out) and out == 1:
        return size
    if not is_concrete(size, out):
        from .errors import ArchcalcError

        raise ArchcalcError("adaptive pooling to more than one cell needs concrete sizes")
    return sum(-(-(i + 1) * size // out) - i * size // out for i in range(out))


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
