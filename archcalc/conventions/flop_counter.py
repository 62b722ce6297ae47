"""PyTorch's ``torch.utils.flop_counter.FlopCounterMode`` (torch 2.13.0): 2 FLOPs per
multiply-accumulate of convolutions and matrix products (mm, addmm, bmm: linear, matmul,
attention's QKᵀ and AV), no bias, nothing else.  Sources are ``torch/utils/flop_counter.py``
at that version.

Around ``loss.backward()`` it counts the gradients of the same products: ``mm``/``bmm`` per
operand that needs a gradient, and ``convolution_backward``, whose weight-gradient formula
reads the channels of the input and of the output gradient but not ``groups``: a grouped
convolution's weight gradient is counted ``groups`` times (a depthwise convolution's, once per
channel), which this convention reproduces.
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


@FLOP_COUNTER.backward_rule(Conv2d, ConvTranspose2d, source=f"{V}:181 conv_backward_flop: "
                            "input gradient at :272, weight gradient at :278/:281 as "
                            "conv_flop_count(t(x), t(grad_out)), which has no groups")
def _conv_backward(op, ins, out, grads):
    """2 per MAC for the input gradient (none for a first layer) + 2·groups per MAC for the
    weight gradient (groups ignored: a depthwise conv's counted once per channel)"""
    return 2 * macs(op, ins, out) * (grads[0] + op.groups)


@FLOP_COUNTER.backward_rule(Linear, source=f"{V}:75 mm_flop (addmm's gradients are mm)")
def _linear_backward(op, ins, out, grads):
    """2 per MAC for the weight gradient + 2 per MAC for the input gradient (none for a first
    layer); the bias gradient is a sum, not counted"""
    return 2 * macs(op, ins, out) * (grads[0] + 1)


@FLOP_COUNTER.backward_rule(MatMul, AttnValues, source=f"{V}:92 bmm_flop (bmm's gradients are "
                            "bmm)")
def _matmul_backward(op, ins, out, grads):
    """2 per MAC for each operand that needs a gradient"""
    return 2 * macs(op, ins, out) * (grads[0] + grads[1])


@FLOP_COUNTER.backward_rule(AttnScores, source=f"{V}:92 bmm_flop (the query and key gradients "
                            "are bmm)")
def _attn_scores_backward(op, ins, out, grads):
    """4 per MAC: the query and the key gradients (both from the qkv input)"""
    return 4 * macs(op, ins, out) * grads[0]


@FLOP_COUNTER.backward_fallback_rule(source=f"{V}:729 flop_registry has no formula for the "
                                     "backward of any other op")
def _backward_not_counted(op, ins, out, grads):
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
