"""Roofline latency on a hardware profile (:mod:`archcalc.hardware`).

Per layer: compute time ``FLOPs / peak`` (the dtype's peak FLOP/s) and memory time
``bytes / bandwidth`` (bytes under the analysis's traffic policy); the layer takes the larger,
and is ``compute``- or ``memory``-bound accordingly; its attainable FLOP/s is
``min(peak, intensity × bandwidth)``.  The network's predicted latency is the sum over the
sequential schedule (no overlap between layers).  Times are in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerTime:
    latency_s: float
    bound: str | None  # "compute", "memory", or None for a layer that does nothing
    attainable_flops: float | None


def layer_time(flops, moved, peak: float, bandwidth: float) -> LayerTime:
    """The roofline time of one layer doing ``flops`` and moving ``moved`` bytes."""
    compute, memory = flops / peak, moved / bandwidth
    if not flops and not moved:
        return LayerTime(0.0, None, None)
    attainable = min(peak, flops / moved * bandwidth) if moved else peak
    return LayerTime(max(compute, memory), "compute" if compute >= memory else "memory",
                     attainable)


@dataclass(frozen=True)
class Roofline:
    """Per-layer times and the network's: ``latency_s`` (their sum) and the share of it
    spent in memory-bound layers."""

    layers: tuple[LayerTime, ...]
    latency_s: float
    memory_bound_share: float | None


def roofline(records, peak: float, bandwidth: float) -> Roofline:
    times = tuple(layer_time(r.flops, r.bytes, peak, bandwidth) for r in records)
    total = sum(t.latency_s for t in times)
    memory = sum(t.latency_s for t in times if t.bound == "memory")
    return Roofline(times, total, memory / total if total else None)
