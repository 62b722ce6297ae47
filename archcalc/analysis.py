"""The analysis: an immutable view over one exact cost record per op.

Per-layer records are rolled up per block, per op category and for the whole network.  Bytes
are activation elements moved (see :mod:`archcalc.cost.memory`) plus weights read, times the
dtype's bytes per element.  Nothing here formats numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

from .cost import Cost, op_cost
from .cost.memory import peak_activations, traffic
from .ir import Network
from .ops import Shape
from .spec.model import DTYPE_BYTES

TOTAL_FIELDS = ("params", "macs", "flops", "bytes_read", "bytes_written", "peak_activation_bytes")


@dataclass(frozen=True)
class LayerRecord:
    """One primitive op: where it sits, its shapes and its exact costs."""

    name: str
    block: str
    op: str
    category: str
    in_shape: Shape
    out_shape: Shape
    cost: Cost
    bytes_read: object
    bytes_written: object

    @property
    def params(self):
        return self.cost.params

    @property
    def macs(self):
        return self.cost.macs

    @property
    def flops(self):
        return self.cost.flops


@dataclass(frozen=True)
class Totals:
    """Network totals; ``peak_activation_bytes`` is the largest live set, not a sum."""

    params: object
    macs: object
    flops: object
    bytes_read: object
    bytes_written: object
    peak_activation_bytes: object

    @property
    def bytes(self):
        return self.bytes_read + self.bytes_written

    @property
    def arithmetic_intensity(self) -> float:
        """FLOPs per byte moved."""
        return self.flops / self.bytes if self.bytes else 0.0

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Rollup:
    """Summed costs of a group of layers (a block or an op category)."""

    key: str
    layers: int
    cost: Cost
    bytes_read: object
    bytes_written: object


@dataclass(frozen=True)
class Analysis:
    name: str
    network: Network
    records: tuple[LayerRecord, ...]
    dtype: str
    batch: int
    memory: str
    peak_activation_bytes: object
    peak_at: str
    spec_text: str = ""
    description: str = ""

    @cached_property
    def totals(self) -> Totals:
        cost = sum((r.cost for r in self.records), Cost())
        return Totals(cost.params, cost.macs, cost.flops,
                      sum(r.bytes_read for r in self.records),
                      sum(r.bytes_written for r in self.records), self.peak_activation_bytes)

    def _rollup(self, key_of) -> list[Rollup]:
        groups: dict[str, list[LayerRecord]] = {}
        for r in self.records:
            groups.setdefault(key_of(r), []).append(r)
        return [Rollup(k, len(rs), sum((r.cost for r in rs), Cost()),
                       sum(r.bytes_read for r in rs), sum(r.bytes_written for r in rs))
                for k, rs in groups.items()]

    def by_block(self) -> list[Rollup]:
        return self._rollup(lambda r: r.block)

    def by_category(self) -> list[Rollup]:
        """Rolled up by op category (``conv 1x1``, ``conv dw 3x3``, ``fully connected`` ...)."""
        return self._rollup(lambda r: r.category)

    def to_frame(self):
        """One row per op as a pandas DataFrame (pandas imported here, lazily)."""
        import pandas as pd

        return pd.DataFrame([{
            "name": r.name, "block": r.block, "op": r.op, "category": r.category,
            "in_shape": str(r.in_shape), "out_shape": str(r.out_shape),
            "params": r.params, "macs": r.macs, "flops": r.flops,
            "bytes_read": r.bytes_read, "bytes_written": r.bytes_written,
        } for r in self.records])


def analyze_network(net: Network, dtype: str = "fp32", batch: int = 1,
                    memory: str = "unfused", spec_text: str = "",
                    description: str = "") -> Analysis:
    """Cost every op of ``net`` for ``batch`` samples in ``dtype`` under a traffic policy
    (validated by :class:`archcalc.Options`)."""
    width = DTYPE_BYTES[dtype]
    moved = traffic(net, memory, batch)
    records = []
    for node, (read, written) in zip(net.nodes, moved):
        cost = op_cost(node.op, node.in_shapes, node.out_shape, batch)
        records.append(LayerRecord(
            node.name, node.block, node.op.kind, node.op.category,
            node.in_shapes[0], node.out_shape, cost,
            width * (read + cost.params), width * written))
    peak, at = peak_activations(net, batch)
    return Analysis(net.name, net, tuple(records), dtype, batch, memory, width * peak, at,
                    spec_text, description)
