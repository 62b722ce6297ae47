"""ptflops 0.7.5 ``get_model_complexity_info`` with ``backend='aten'``, which prints MACs (1 per
multiply-accumulate) of the aten ops it sees under a ``TorchDispatchMode``: convolutions (plus
1 per output for the bias), ``mm``, ``bmm`` and ``addmm`` (plus 1 per output for the bias),
for the whole batch.  Nothing else: norms, activations, pools, adds and softmax count 0.  The
module types do not matter (a padded ``nn.Conv2d`` subclass counts), but how torch lowers
``F.linear`` does: ``addmm`` (bias counted) for a 2-D or a contiguous input, ``matmul`` then
``add_`` (bias not counted) otherwise: the class token sliced out of ``N > 1`` samples is not
contiguous, so ViT's head bias counts at batch 1 only.  Sources are files of the ptflops
package, ``ptflops/...`` at 0.7.5.
"""

from __future__ import annotations

from ..ops import AttnScores, AttnValues, Conv2d, ConvTranspose2d, Linear, MatMul
from .archcalc import macs
from .base import Measured, ToolConvention
from .ptflops import run_tool

V = "ptflops 0.7.5"
ATEN = f"{V} ptflops/aten_ops.py"

CONVENTION = PTFLOPS_ATEN = ToolConvention(
    "ptflops_aten", "ptflops get_model_complexity_info, backend='aten'", V,
    "MACs of aten convolution, mm, bmm, addmm (conv and addmm bias included), for the whole "
    "batch; nothing else", unit="MACs", params_note="sum(p.numel()) of parameters that require "
    "grad")


@PTFLOPS_ATEN.rule(Conv2d, ConvTranspose2d, source=f"{ATEN}:98 conv_flop, :71 conv_flop_count "
                   "(aten.convolution at :114)")
def _conv(op, ins, out):
    """MACs + 1 per output for the bias"""
    return macs(op, ins, out) + (out.numel if op.bias else 0)


@PTFLOPS_ATEN.rule(Linear, source=f"{ATEN}:36 addmm_flop (aten.addmm at :112): torch 2.13 "
                   "lowers F.linear with a bias on a 2-D or contiguous input to addmm")
def _linear(op, ins, out):
    """MACs + 1 per output for the bias (addmm; the bias is missed on a non-contiguous input)"""
    return macs(op, ins, out) + (out.numel if op.bias else 0)


@PTFLOPS_ATEN.rule(MatMul, AttnScores, AttnValues, source=f"{ATEN}:57 bmm_flop, :23 matmul_flop "
                   "(aten.bmm, aten.mm at :110-113)")
def _matmul(op, ins, out):
    """MACs of the matrix product; scaling and bias adds not counted"""
    return macs(op, ins, out)


@PTFLOPS_ATEN.fallback_rule(source=f"{ATEN}:109 ATEN_OPS_MAPPING has no other op; "
                            f"{V} ptflops/aten_engine.py:96 any other op is a zero-op")
def _not_counted(op, ins, out):
    """not counted"""
    return 0


@PTFLOPS_ATEN.measured_by
def _measure(model, x) -> Measured:
    """The printed MACs and params."""
    count, params = run_tool(model, x, "aten")
    return Measured(params, count)
