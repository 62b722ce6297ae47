"""fvcore's ``FlopCountAnalysis`` (fvcore 0.1.5.post20221221), which "counts one fused
multiply-add as one flop": MACs of convolutions and matrix products (no bias), eval-mode batch
norm and layer/group norm per element, adaptive average pooling and upsampling; it skips
every other op (activations, adds, multiplies, pooling, softmax) as unsupported or ignored.
Sources are files of the fvcore package, ``fvcore/nn/...`` at that version.
"""

from __future__ import annotations

import warnings

from ..ops import (AdaptivePool2d, AttnScores, AttnValues, BatchNorm2d, Conv2d,
                   ConvTranspose2d, GroupNorm, LayerNorm, Linear, MatMul, Upsample)
from .archcalc import macs
from .base import Measured, ToolConvention

CONVENTION = FVCORE = ToolConvention(
    "fvcore", "fvcore FlopCountAnalysis", "fvcore 0.1.5.post20221221",
    "MACs of conv/linear/matmul (no bias) + norms + adaptive avg pool + upsampling; "
    "elementwise ops skipped", unit="flops (1 per MAC)")
V = "fvcore 0.1.5.post20221221"


@FVCORE.rule(Conv2d, ConvTranspose2d, source=f"{V} fvcore/nn/jit_handles.py:127 conv_flop_count "
             "(via flop_count.py:29 aten::_convolution)")
def _conv(op, ins, out):
    """MACs; the bias is not counted"""
    return macs(op, ins, out)


@FVCORE.rule(Linear, source=f"{V} fvcore/nn/jit_handles.py:99 linear_flop_jit "
             "(flop_count.py:33 aten::linear)")
def _linear(op, ins, out):
    """MACs (input elements × out features); the bias is not counted"""
    return macs(op, ins, out)


@FVCORE.rule(MatMul, AttnScores, AttnValues, source=f"{V} fvcore/nn/jit_handles.py:217 "
             "matmul_flop_jit (flop_count.py:31 aten::matmul); the scaling, bias-table and "
             "mask adds are aten::mul/add, unsupported")
def _matmul(op, ins, out):
    """MACs of the matrix product only"""
    return macs(op, ins, out)


@FVCORE.rule(BatchNorm2d, source=f"{V} fvcore/nn/jit_handles.py:251 batchnorm_flop_jit")
def _batch_norm(op: BatchNorm2d, ins, out):
    """2 per element in eval mode (1 without affine)"""
    return (2 if op.affine else 1) * out.numel


@FVCORE.rule(LayerNorm, GroupNorm, source=f"{V} fvcore/nn/jit_handles.py:230 "
             "norm_flop_counter (flop_count.py:37-38)")
def _norm(op, ins, out):
    """5 per element (4 without affine)"""
    return (5 if op.affine else 4) * out.numel


@FVCORE.rule(AdaptivePool2d, source=f"{V} fvcore/nn/flop_count.py:42 "
             "elementwise_flop_counter(1, 0) for aten::adaptive_avg_pool2d")
def _adaptive_pool(op: AdaptivePool2d, ins, out):
    """average: 1 per input element; max, and a mean written x.mean (no aten::mean handle):
    not counted"""
    return ins[0].numel if op.mode == "avg" and not op.mean else 0


@FVCORE.rule(Upsample, source=f"{V} fvcore/nn/flop_count.py:40-41 "
             "elementwise_flop_counter(0, 1) and (0, 4)")
def _upsample(op: Upsample, ins, out):
    """nearest: 1 per output element; bilinear: 4"""
    return (4 if op.mode == "bilinear" else 1) * out.numel


@FVCORE.fallback_rule(source=f"{V} fvcore/nn/jit_analysis.py:28 _IGNORED_OPS, and no handle "
                      "for aten::add, mul, hardswish, softmax, max_pool2d, avg_pool2d ...")
def _skipped(op, ins, out):
    """not counted (ignored or unsupported op)"""
    return 0


@FVCORE.measured_by
def _measure(model, x) -> Measured:
    """``FlopCountAnalysis(model, x)``: its total and per-module counts; params by
    ``parameter_count``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fvcore traces with torch.jit
        from fvcore.nn import FlopCountAnalysis, parameter_count

        fv = FlopCountAnalysis(model, x)
        fv.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
        return Measured(int(parameter_count(model)[""]), int(fv.total()),
                        {k: int(v) for k, v in fv.by_module().items()},
                        tuple(sorted(fv.unsupported_ops().items())))
