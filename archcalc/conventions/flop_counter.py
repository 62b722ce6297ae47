"""PyTorch's ``torch.utils.flop_counter.FlopCounterMode`` (torch 2.13.0): 2 FLOPs per
multiply-accumulate of convolutions and matrix products (mm, addmm, bmm: linear, matmul,
attention's QKᵀ and AV), no bias, nothing else.  Sources are ``torch/utils/flop_counter.py``
at that version.
"""

from __future__ import annotations

from ..ops import AttnScores, AttnValues, Conv2d, ConvTranspose2d, Linear, MatMul
from .archcalc import macs
from .base import Measured, ToolConvention

V = "torch 2.13.0 torch/utils/flop_counter.py"
CONVENTION = FLOP_COUNTER = ToolConvention(
    "torch", "PyTorch FlopCounterMode", "torch 2.13.0",
    "2 per MAC of convolutions and matrix products; nothing else", unit="FLOPs", per_mac=2,
    params_note="not reported by the tool: sum(p.numel()) of the module")


@FLOP_COUNTER.rule(Conv2d, ConvTranspose2d, source=f"{V}:131 conv_flop_count "
                   "(registered at :169 for aten.convolution)")
def _conv(op, ins, out):
    """2 per MAC; the bias is not counted"""
    return 2 * macs(op, ins, out)


@FLOP_COUNTER.rule(Linear, MatMul, AttnScores, AttnValues, source=f"{V}:75 mm_flop, :87 "
                   "addmm_flop, :92 bmm_flop")
def _matmul(op, ins, out):
    """2 per MAC of the matrix product; the bias, scaling and adds are not counted"""
    return 2 * macs(op, ins, out)


@FLOP_COUNTER.fallback_rule(source=f"{V}:729 flop_registry has no "
                             "formula for any other aten op")
def _not_counted(op, ins, out):
    """not counted"""
    return 0


@FLOP_COUNTER.measured_by
def _measure(model, x) -> Measured:
    """FLOPs under ``FlopCounterMode`` for one forward pass, per module path."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as mode:
        model(x)
    counts = mode.get_flop_counts()
    root = type(model).__name__
    by_module = {("" if k == root else k.removeprefix(root + ".")
                  if k.startswith(root + ".") else k): int(sum(v.values()))
                 for k, v in counts.items() if k != "Global"}
    return Measured(None, int(sum(counts.get("Global", {}).values())), by_module)
