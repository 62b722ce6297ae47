"""torchprofile's ``profile_macs`` (torchprofile 0.1.0): it traces the model with torch.jit and
counts MACs per aten op from a handler table: convolutions and matrix products (no bias),
every ``aten::mul`` (1 per output element), affine norms, average pooling and bilinear
upsampling (1 and 4 per output element) and leaky ReLU (1 per element); adds, other
activations, softmax, max pooling and data movement count 0; a transposed convolution is
counted per output pixel (stride² × its MACs).  Ops with no handler (hardswish,
hardsigmoid, mish, pad, roll) are skipped with a warning.  Its count follows
how the model is written, not what it computes: ``x * s`` counts where ``x / s`` does not,
so the bridge's ``a * b`` (squeeze-excite), ``x * gamma`` (layer scale) and ``q * scale``
(attention) are counted.  It reports no parameters and no per-module split (its trace has
no module scopes at torch 2.13), and fails on the meta device: :func:`_measure` runs it on
CPU.  Sources are files of the torchprofile package, ``torchprofile/...`` at that version.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter

from ..ops import (Arith, Activation, AdaptivePool2d, AttnScores, AttnValues, BatchNorm2d, Conv2d,
                   ConvTranspose2d, GroupNorm, LayerNorm, LayerScale, Linear, MatMul, Pool2d,
                   Scale, Upsample, pair)
from .archcalc import macs
from .base import Measured, ToolConvention

V = "torchprofile 0.1.0 torchprofile/handlers.py"
CONVENTION = TORCHPROFILE = ToolConvention(
    "torchprofile", "torchprofile profile_macs", "torchprofile 0.1.0",
    "MACs of conv/linear/matmul (no bias) + 1 per element of every mul, affine norm, "
    "leaky ReLU and average-pool output, 4 per bilinear-upsample output; adds and other "
    "activations 0", unit="MACs",
    params_note="not reported by the tool: sum(p.numel()) of the module")


@TORCHPROFILE.rule(Conv2d, source=f"{V}:77 _convolution (HANDLER_MAP :193 aten::_convolution)")
def _conv(op, ins, out):
    """MACs (output elements × Cin/groups × kh·kw); the bias is not counted"""
    return macs(op, ins, out)


@TORCHPROFILE.rule(ConvTranspose2d, source=f"{V}:80-84 _convolution reads the weight "
                   "(Cin, Cout/g, kh, kw) as a conv's when Cout == Cin, else takes Cin")
def _conv_transposed(op: ConvTranspose2d, ins, out):
    """output elements × kh·kw × (Cout/groups if Cout == Cin, else Cin): per output, not per
    input pixel (stride² × the MACs); the bias is not counted"""
    kh, kw = pair(op.k)
    return out.numel * kh * kw * (op.cout // op.groups if op.cout == op.cin else op.cin)


@TORCHPROFILE.rule(Linear, MatMul, AttnValues, source=f"{V}:39 _matmul (HANDLER_MAP :189-190 "
                   "aten::linear, aten::matmul)")
def _matmul(op, ins, out):
    """MACs of the matrix product; the bias is not counted"""
    return macs(op, ins, out)


@TORCHPROFILE.rule(AttnScores, source=f"{V}:39 _matmul for q.matmul(kᵀ), :73 _mul for "
                   "q * scale (aten::mul); the bias-table and mask adds are aten::add (:214, 0)")
def _attn_scores(op, ins, out):
    """MACs of QKᵀ + 1 per query element for the scaling (counted because the bridge
    multiplies ``q * scale``; a division would count 0)"""
    return macs(op, ins, out) + ins[0].numel // 3


@TORCHPROFILE.rule(Arith, source=f"{V}:73 _mul for aten::mul (HANDLER_MAP :191); aten::add and "
                   "aten::div are zero-cost (:214, :227), aten::sub, rsub and pow have no "
                   "handler (:265-294 list them as unhandled)")
def _arith(op, ins, out):
    """a product with a constant: 1 per element; +, −, ÷, power: 0"""
    return out.numel if op.fn == "mul" else 0


@TORCHPROFILE.rule(Scale, LayerScale, source=f"{V}:73 _mul (HANDLER_MAP :191 aten::mul)")
def _mul(op, ins, out):
    """1 per output element (written ``a * b``)"""
    return out.numel


@TORCHPROFILE.rule(BatchNorm2d, LayerNorm, GroupNorm, source=f"{V}:87 _norm (HANDLER_MAP "
                   ":194-197 aten::batch_norm, layer_norm, group_norm)")
def _norm(op, ins, out):
    """1 per element when affine; 0 without affine"""
    return out.numel if op.affine else 0


@TORCHPROFILE.rule(Activation, source=f"{V}:101 _leaky_relu; relu, hardtanh (ReLU6), sigmoid, "
                   "silu, gelu, tanh are 0 (_ZERO_COST_OPS :209); hardswish, hardsigmoid, "
                   "mish have no handler (torchprofile/profile.py:48 'No handlers found', "
                   "skipped)")
def _activation(op: Activation, ins, out):
    """leaky ReLU: 1 per element; every other activation: 0"""
    return out.numel if op.fn == "leaky_relu" else 0


@TORCHPROFILE.rule(Pool2d, AdaptivePool2d, source=f"{V}:97 _avg_pool_or_mean (HANDLER_MAP "
                   ":199 aten::adaptive_avg_pool2d, :202 avg_pool2d); max pooling is 0 "
                   "(:212, :255)")
def _pool(op, ins, out):
    """average: 1 per output element (not per window read); max: 0"""
    return out.numel if op.mode == "avg" else 0


@TORCHPROFILE.rule(Upsample, source=f"{V}:105 _upsample_bilinear2d; aten::upsample_nearest2d "
                   "is 0 (:304)")
def _upsample(op: Upsample, ins, out):
    """bilinear: 4 per output element; nearest: 0"""
    return 4 * out.numel if op.mode == "bilinear" else 0


@TORCHPROFILE.fallback_rule(source=f"{V}:209 _ZERO_COST_OPS (aten::add, softmax, cat, view, "
                            "permute, slice, expand ...); aten::pad, roll have no handler")
def _not_counted(op, ins, out):
    """0 (adds, softmax, data movement)"""
    return 0


_SKIPPED = re.compile(r'No handlers found: "(.+)"')


def _on_cpu(model, x):
    """``model`` and ``x`` on CPU: a module on the meta device is copied there with its
    storage allocated and zeroed (torchprofile needs shapes only, but Swin's index buffer must
    hold valid indices), a meta input replaced by zeros."""
    import copy

    import torch

    if any(t.is_meta for t in (*model.parameters(), *model.buffers())):
        model = copy.deepcopy(model).to_empty(device="cpu")
        with torch.no_grad():
            for t in (*model.parameters(), *model.buffers()):
                t.zero_()
    return model, (torch.zeros(x.shape, dtype=x.dtype) if x.is_meta else x)


@TORCHPROFILE.measured_by
def _measure(model, x) -> Measured:
    """``profile_macs(model, x)`` (on CPU: a meta-device module is materialised there first);
    ``unsupported`` the aten ops it skipped with a 'No handlers found' warning.  Run as a
    user calls it, grad mode as the caller has it (under ``torch.no_grad()`` an eval-mode
    ``nn.MultiheadAttention`` takes its fused path, which the tool fails to trace)."""
    from torchprofile import profile_macs

    model, x = _on_cpu(model, x)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        count = profile_macs(model, x)
    skipped = Counter(m.group(1) for w in seen if (m := _SKIPPED.search(str(w.message))))
    return Measured(None, int(count), None, tuple(sorted(skipped.items())))
