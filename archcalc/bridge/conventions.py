"""How archcalc's records map onto each tool's counting convention (DESIGN.md).

* fvcore (``FlopCountAnalysis``): conv and linear report MACs (bias not counted); eval-mode
  batch norm 2 per element; ``adaptive_avg_pool2d`` 1 per input element; every other op is
  skipped (no handle) or ignored.
* PyTorch ``FlopCounterMode``: 2 × MACs for convolution and matmul/addmm (bias not counted);
  nothing else.
* params: ``sum(p.numel())`` of the module, which archcalc's params equal by definition.
"""

from __future__ import annotations

from ..analysis import LayerRecord

def fvcore_expected(r: LayerRecord):
    """What fvcore must report for this layer, or ``None`` where it counts nothing."""
    if r.op in ("conv", "linear"):
        return r.macs
    if r.op == "bn" or r.category == "global avg pool":
        return r.flops
    return None


def fvcore_note(r: LayerRecord) -> str:
    """Why fvcore's number is what it is, in a few words."""
    if r.op in ("conv", "linear"):
        bias = r.flops - 2 * r.macs
        return f"MACs (archcalc FLOPs add {bias:,} for bias)" if bias else "MACs"
    if fvcore_expected(r) is not None:
        return "2 per element" if r.op == "bn" else "1 per input element"
    return f"not counted by fvcore; archcalc: {r.flops:,} FLOPs"


def torch_expected(r: LayerRecord):
    """What FlopCounterMode must report: 2 × MACs for conv and linear, else 0."""
    return 2 * r.macs if r.op in ("conv", "linear") else 0
