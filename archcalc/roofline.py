"""Roofline latency on a hardware profile (:mod:`archcalc.hardware`).

Per layer: compute time ``FLOPs / peak`` (the dtype's peak FLOP/s) and memory time
``bytes / bandwidth`` (bytes under the analysis's traffic policy); the layer is ``compute``- or
``memory``-bound by the larger, and takes

    ``latency = overhead + max(compute, memory) / efficiency[rate class]``

where a datasheet profile has no overhead and efficiency 1 (the pure roofline) and a profile
written by ``archcalc calibrate`` carries a measured per-layer overhead (seconds) and a fitted
efficiency per :func:`rate_class`.  Its attainable FLOP/s is ``min(peak, intensity ×
bandwidth) × efficiency``.  The network's predicted latency is the sum over the sequential
schedule (no overlap between layers).  Times are in seconds.  The same arithmetic runs on
ints and on NumPy arrays (sweeps).
"""

from __future__ import annotations

from dataclasses import dataclass

from .num import maximum, same
from .ops import (AdaptivePool2d, AttnScores, AttnValues, Conv2d, ConvTranspose2d, Linear,
                  MatMul, Pool2d, pair)

REPEATS = 7  # timed passes (or samples) per measurement by default; the median is reported
RATE_CLASSES = ("gemm", "pointwise", "grouped", "depthwise", "pool", "elementwise")
_GEMM = (ConvTranspose2d, Linear, MatMul, AttnScores, AttnValues)
_POOL = (Pool2d, AdaptivePool2d)


def rate_class(op) -> str:
    """How a layer runs on real hardware: ``gemm`` (a dense k×k conv, k > 1, or a matrix
    product), ``pointwise`` (a dense 1×1 conv), ``grouped`` (a grouped conv), ``depthwise`` (one group per channel), ``pool`` (windowed
    and adaptive pooling), else ``elementwise`` (norms, activations, adds, data movement)."""
    if isinstance(op, Conv2d):  # decided by num.same: a sweep's arrays split where it differs
        if same(op.groups, 1, "a dense conv"):
            kh, kw = pair(op.k)
            one = same(kh, 1, "a 1×1 conv") and same(kw, 1, "a 1×1 conv")
            return "pointwise" if one else "gemm"
        depthwise = same(op.groups, op.cin, "one group per channel") and \
            same(op.cin, op.cout, "one group per channel")
        return "depthwise" if depthwise else "grouped"
    if isinstance(op, _POOL):
        return "pool"
    return "gemm" if isinstance(op, _GEMM) else "elementwise"


@dataclass(frozen=True)
class LayerTime:
    latency_s: float
    bound: str | None  # "compute", "memory", or None for a layer that does nothing
    attainable_flops: float | None


@dataclass(frozen=True)
class Measured:
    """Measured seconds (:mod:`archcalc.bridge.timing`): the network's forward pass and each
    layer's (``None`` for a layer that does not run), how they were measured."""

    network_s: float
    layer_s: tuple
    threads: int
    device: str
    dtype: str
    repeats: int

    def describe(self) -> str:
        return (f"measured on {self.device}, {self.threads} thread"
                f"{'s' if self.threads != 1 else ''}, {self.dtype}, median of {self.repeats}")


def error(predicted, measured):
    """The relative prediction error ``predicted / measured − 1`` (``None`` where either is
    missing or nothing was measured)."""
    return None if predicted is None or not measured else predicted / measured - 1


def efficiency_of(efficiency: dict, rate_class: str) -> float:
    """The fraction of the roofline rate layers of ``rate_class`` attain: 1 unless given."""
    return efficiency.get(rate_class, 1.0)


def seconds(roof, efficiency: float, overhead: float):
    """A layer's time from its roofline time ``roof`` (the larger of compute and memory
    seconds): the one formula of the calibrated model, for every number type."""
    return overhead + roof / efficiency


def _busy(flops, moved, peak: float, bandwidth: float):
    """``(compute seconds, memory seconds, roofline seconds)`` of one layer, for every number
    type."""
    compute, memory = flops / peak, moved / bandwidth
    return compute, memory, maximum(compute, memory)


def layer_time(flops, moved, peak: float, bandwidth: float, efficiency: float = 1.0,
               overhead: float = 0.0) -> LayerTime:
    """The time of one layer doing ``flops`` and moving ``moved`` bytes (ints)."""
    compute, memory, roof = _busy(flops, moved, peak, bandwidth)
    if not flops and not moved:
        return LayerTime(overhead, None, None)
    attainable = (min(peak, flops / moved * bandwidth) if moved else peak) * efficiency
    return LayerTime(seconds(roof, efficiency, overhead),
                     "compute" if compute >= memory else "memory", attainable)


def layer_times(records, classes, profile, dtype: str) -> tuple[LayerTime, ...]:
    """Per-layer times of ``records`` (each with ``flops`` and ``bytes``, ints) of the rate
    ``classes`` given in the same order (``None``: a layer that does not run) on
    ``profile``."""
    peak, bw = profile.peak(dtype), profile.bandwidth
    return tuple(LayerTime(0.0, None, None) if c is None else
                 layer_time(r.flops, r.bytes, peak, bw, profile.efficiency_of(c),
                            profile.overhead_s) for r, c in zip(records, classes))


def network_latency(flops, moved, classes, profile, dtype: str) -> tuple:
    """``(latency_s, seconds in memory-bound layers)`` of the whole network, from per-layer
    columns of any number type (NumPy arrays in a sweep: one value per configuration);
    ``classes`` as for :func:`layer_times`."""
    peak, bw, over = profile.peak(dtype), profile.bandwidth, profile.overhead_s
    total = memory = 0.0
    for f, m, c in zip(flops, moved, classes):
        if c is None:
            continue
        compute, mem, roof = _busy(f, m, peak, bw)
        spent = seconds(roof, profile.efficiency_of(c), over)
        total = total + spent
        memory = memory + (mem > compute) * spent
    return total, memory
