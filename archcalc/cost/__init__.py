"""The cost engine: one exact record per primitive op under a counting convention (see
:mod:`archcalc.conventions`), rolled up by :mod:`archcalc.analysis`."""

from .record import Cost


def op_cost(op, in_shapes, out, batch=1, convention=None) -> Cost:
    """Exact cost of ``op`` for ``batch`` samples under ``convention`` (archcalc's own by
    default)."""
    if convention is None:
        from ..conventions.archcalc import ARCHCALC as convention
    return convention.cost(op, in_shapes, out, batch)


__all__ = ["Cost", "op_cost"]
