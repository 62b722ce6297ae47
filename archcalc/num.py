"""The few non-arithmetic steps of the cost formulas, for every number type.

Cost and shape formulas are plain arithmetic (``+ - * //``) and run unchanged on Python
``int`` (exact counts), NumPy integer arrays (vectorised sweeps) and SymPy expressions
(closed forms).  The handful of steps that are not plain arithmetic (max, rounding,
concreteness checks, structural decisions) dispatch here, once.  NumPy and SymPy are never
imported by this module: a value can only be one of their types if the caller already
imported them.

Structural decisions (is there a residual add, is the expansion conv skipped) never compare
values that may be arrays or symbols directly; they go through :func:`same` and
:func:`nonzero`, which answer for every number type by one rule:

* ints: the comparison itself;
* NumPy arrays: the answer when every element agrees, else :class:`MixedDecision` carrying
  the elementwise answer, and the sweep splits its grid by it (each part then has one graph);
* SymPy: the answer when SymPy can decide it; otherwise, inside :func:`assuming_generic`, the
  generic answer (symbols differ, an expression is nonzero) recorded as an assumption that is
  printed with the closed form, and outside it an :class:`ArchcalcError` naming the condition.
"""

from __future__ import annotations

import numbers
import sys
from contextlib import contextmanager


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


class MixedDecision(Exception):
    """A structural decision that differs across the elements of a NumPy array: ``mask`` is
    the elementwise answer; the caller evaluates the two parts separately."""

    def __init__(self, mask, what: str):
        super().__init__(what)
        self.mask, self.what = mask, what


class InvalidRows(Exception):
    """Some elements of NumPy-valued parameters make an invalid network: ``mask`` marks them;
    a sweep drops those configurations and says why."""

    def __init__(self, mask):
        super().__init__("invalid configurations")
        self.mask = mask


def violated(bad, *values) -> bool:
    """Whether a validity condition fails.  ``bad`` computes the failure from ``values``
    elementwise (comparisons joined by ``|`` and ``&``).  Ints: its answer, and the caller
    raises its precise error.  NumPy arrays: :class:`InvalidRows` when any element fails.
    Symbols: never (a closed form holds where the configuration is valid)."""
    if is_concrete(*values):
        return bool(bad())
    if any(_is_sympy(v) for v in values):
        return False
    mask = bad()
    if _is_numpy(mask):
        if mask.any():
            raise InvalidRows(mask)
        return False
    return bool(mask)


_assumptions: list | None = None


@contextmanager
def assuming_generic():
    """Undecidable symbolic decisions take their generic answer inside this block; yields the
    list of the conditions assumed (as SymPy relations), in the order they were met."""
    global _assumptions
    outer, _assumptions = _assumptions, []
    try:
        yield _assumptions
    finally:
        _assumptions = outer


def _decide(cond, generic: bool, what: str) -> bool:
    if _is_numpy(cond):
        if cond.all():
            return True
        if not cond.any():
            return False
        raise MixedDecision(cond, what)
    if not _is_sympy(cond):
        return bool(cond)
    sp = sys.modules["sympy"]
    if cond in (sp.true, sp.false):
        return bool(cond)
    if _assumptions is None:
        from .errors import ArchcalcError

        raise ArchcalcError(f"the structure depends on whether {cond} ({what}): give it a value")
    assumed = cond if generic else sp.Not(cond)  # Not(Eq) is Ne
    if assumed not in _assumptions:
        _assumptions.append(assumed)
    return generic


def same(a, b, what: str = "") -> bool:
    """Whether ``a == b``, for a structural decision (see the module docstring)."""
    if _is_sympy(a) or _is_sympy(b):
        return _decide(sys.modules["sympy"].Eq(a, b), False, what)
    if _is_numpy(a) or _is_numpy(b):
        return _decide(a == b, False, what)
    return a == b


def requires_equal(a, b, what: str = "") -> bool:
    """Whether ``a == b`` where a block requires it: ints answer (the caller raises its
    error); NumPy elements where it fails are :class:`InvalidRows`; symbols are assumed equal,
    and the assumption is stated (see :func:`assuming_generic`)."""
    if _is_sympy(a) or _is_sympy(b):
        return _decide(sys.modules["sympy"].Eq(a, b), True, what)
    return not violated(lambda: a != b, a, b)


def nonzero(a, what: str = "") -> bool:
    """Whether ``a != 0``, for a structural decision (see the module docstring)."""
    if _is_sympy(a):
        return _decide(sys.modules["sympy"].Ne(a, 0), True, what)
    if _is_numpy(a):
        return _decide(a != 0, True, what)
    return bool(a)


def round_half_even(x, what: str = "a channel count"):
    """``round(x)`` as an integer of the same kind: Python's half-to-even rounding for floats
    and float arrays; integers unchanged; a symbolic product assumed whole (and said so)."""
    if _is_numpy(x):
        np = sys.modules["numpy"]
        return np.rint(x).astype(np.int64) if x.dtype.kind == "f" else x
    if isinstance(x, float):
        return int(round(x))
    if _is_sympy(x) and not x.is_integer:
        sp = sys.modules["sympy"]
        _decide(sp.Eq(sp.floor(x), x), True, f"{what} is a whole number")
    return x


def max_of(values: list):
    """The largest of ``values`` (numbers, NumPy arrays elementwise, or SymPy expressions: one
    ``Max`` of the distinct ones, built once, left unsimplified beyond 24 of them)."""
    if any(_is_sympy(v) for v in values):
        distinct = list(dict.fromkeys(values))  # simplified only when short: SymPy compares
        return sys.modules["sympy"].Max(*distinct, evaluate=len(distinct) <= 24)  # all pairs
    if any(_is_numpy(v) for v in values):
        return sys.modules["numpy"].maximum.reduce(
            sys.modules["numpy"].broadcast_arrays(*values))
    return max(values)


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


def _truncate(x):
    """``int(x)`` (towards zero) of a non-negative value of any supported type."""
    if _is_numpy(x):
        np = sys.modules["numpy"]
        return np.trunc(x).astype(np.int64)
    if _is_sympy(x):
        return sys.modules["sympy"].floor(x)
    return int(x)


def make_divisible(value, divisor: int = 8, min_value: int | None = None):
    """Round a channel count to a multiple of ``divisor``, never more than 10% down.

    The rule of the MobileNetV2/V3, EfficientNet and MnasNet reference implementations:
    round to the nearest multiple (half up), at least ``min_value`` (default ``divisor``), and
    add one ``divisor`` if rounding lost more than 10%.  Elementwise on NumPy arrays.
    """
    floor = divisor if min_value is None else min_value
    rounded = maximum(floor, _truncate(value + divisor / 2) // divisor * divisor)
    nine_tenths = sys.modules["sympy"].Rational(9, 10) if _is_sympy(value) else 0.9  # exact
    return rounded + divisor * (1 - ge(rounded, nine_tenths * value))


def scale_channels(channels, width, rounding: int):
    """Channels after a width multiplier: ``int(c·α)`` when ``rounding`` is 1 (MobileNetV1),
    else :func:`make_divisible` to a multiple of ``rounding`` (V2/V3, EfficientNet, MnasNet)."""
    if same(rounding, 1, "int(c·α) rounding"):
        return maximum(1, _truncate(channels * width))
    return make_divisible(channels * width, rounding)
