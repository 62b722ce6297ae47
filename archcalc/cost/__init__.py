"""The cost engine: one exact record per primitive op, rolled up by :mod:`archcalc.analysis`."""

from .record import Cost
from .rules import op_cost

__all__ = ["Cost", "op_cost"]
