"""The per-op cost record.

Units: ``params`` learned scalars; ``macs`` multiply-accumulates; ``flops`` floating point
operations (2 per MAC plus elementwise work, see :mod:`archcalc.cost.rules`).  Memory
traffic depends on a fusion policy and lives in :mod:`archcalc.cost.memory`.  All fields are
exact for ints and also hold NumPy arrays or SymPy expressions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    params: object = 0
    macs: object = 0
    flops: object = 0

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.params + other.params, self.macs + other.macs, self.flops + other.flops)
