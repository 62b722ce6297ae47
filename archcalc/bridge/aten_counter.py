"""archcalc's own convention measured on a torch module, one aten op at a time.

An independent count for the cross-check: where :mod:`archcalc.conventions.archcalc` costs
the IR, this counter watches the aten ops a forward pass actually runs (a
``TorchDispatchMode``, shapes only, so the meta device works) and prices each by archcalc's
published per-op table: MACs of convolutions and matrix products, FLOPs = 2·MACs + bias adds
+ elementwise work.  Every aten op must be priced or listed as data movement; an op this
table does not know raises, so nothing is skipped silently.  Counts are attributed to the
innermost named module running (its dotted path).
"""

from __future__ import annotations

import math

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from ..errors import ArchcalcError

aten = torch.ops.aten

# Ops that only move, view or create data: 0 MACs, 0 FLOPs.
MOVEMENT = {aten.view, aten._unsafe_view, aten.reshape, aten.permute, aten.transpose, aten.t,
            aten.expand, aten.clone, aten.slice, aten.select, aten.index, aten.roll,
            aten.constant_pad_nd, aten.split, aten.split_with_sizes, aten.unsqueeze,
            aten.squeeze, aten.detach, aten.alias, aten.zeros_like, aten.empty_like,
            aten.fill_, aten.zero_, aten._to_copy, aten.copy_, aten.unbind, aten.as_strided,
            aten.cat, aten.stack, aten.new_zeros, aten.lift_fresh, aten.zeros, aten.empty,
            aten.arange, aten.ones_like, aten.new_empty, aten.unflatten, aten.flatten,
            aten.as_strided_, aten.resize_,
            # comparisons and scalar reads decide control flow; they produce no activation
            aten.gt, aten.lt, aten.ge, aten.le, aten.eq, aten.ne, aten._local_scalar_dense,
            aten.is_nonzero, aten.isinf, aten.isnan, aten.any, aten.all}
# One FLOP per output element.
ELEMENTWISE = {aten.relu, aten.hardtanh, aten.hardswish, aten.hardsigmoid, aten.silu,
               aten.sigmoid, aten.gelu, aten.mish, aten.leaky_relu, aten.tanh, aten.add,
               aten.mul, aten.sub, aten.rsub, aten.div, aten.pow,
               # in-place forms (nn.ReLU(inplace=True), x += y, x.relu_())
               aten.relu_, aten.hardtanh_, aten.hardswish_, aten.hardsigmoid_, aten.silu_,
               aten.sigmoid_, aten.leaky_relu_, aten.tanh_, aten.mish_, aten.add_, aten.mul_,
               aten.sub_, aten.div_}


def _numel(t) -> int:
    return math.prod(t.shape)


def _adaptive_reads(size: int, out: int) -> int:
    """Input rows read by adaptive pooling of ``size`` into ``out`` cells: cell ``i`` reads
    ``floor(i·size/out)`` up to ``ceil((i+1)·size/out)``."""
    return sum(-(-(i + 1) * size // out) - i * size // out for i in range(out))


def _conv(args, out):
    x, w, bias, transposed = args[0], args[1], args[2], args[6]
    macs = (_numel(x) if transposed else _numel(out)) * math.prod(w.shape[1:])
    return macs, 2 * macs + (_numel(out) if bias is not None else 0)


def _addmm(args, out):
    macs = args[1].shape[0] * args[1].shape[1] * args[2].shape[1]
    return macs, 2 * macs + _numel(out)


def _mm(args, out):
    macs = args[0].shape[0] * args[0].shape[1] * args[1].shape[1]
    return macs, 2 * macs


def _bmm(args, out):
    macs = args[0].shape[0] * args[0].shape[1] * args[0].shape[2] * args[1].shape[2]
    return macs, 2 * macs


def _norm(args, out, weight_at: int):
    """5 per element to normalise, 2 more when there is an affine weight."""
    affine = len(args) > weight_at and args[weight_at] is not None
    return 0, (7 if affine else 5) * _numel(args[0])


def _pool(args, out):
    kh, kw = (list(args[1]) * 2)[:2]
    return 0, kh * kw * _numel(out)


def _adaptive(args, out):
    x = args[0]
    return 0, (_numel(x) // (x.shape[-1] * x.shape[-2]) * _adaptive_reads(x.shape[-2], out.shape[-2])
               * _adaptive_reads(x.shape[-1], out.shape[-1]))


PRICED = {
    aten.convolution: _conv,
    aten.addmm: _addmm,
    aten.mm: _mm,
    aten.bmm: _bmm,
    aten._native_batch_norm_legit_no_training: lambda a, o: (0, 2 * _numel(a[0])),
    aten.native_batch_norm: lambda a, o: (0, 2 * _numel(a[0])),  # eval: training=False
    aten.native_layer_norm: lambda a, o: _norm(a, o, 2),
    aten.native_group_norm: lambda a, o: _norm(a, o, 1),
    aten._softmax: lambda a, o: (0, 3 * _numel(o)),
    aten.max_pool2d_with_indices: _pool,
    aten.avg_pool2d: _pool,
    aten._adaptive_avg_pool2d: _adaptive,
    aten.adaptive_max_pool2d: _adaptive,
    aten.mean: lambda a, o: (0, _numel(a[0])),  # adaptive average pooling to 1×1
    aten.upsample_nearest2d: lambda a, o: (0, 0),
    aten.upsample_bilinear2d: lambda a, o: (0, 7 * _numel(o)),
}


class Tally(TorchDispatchMode):
    """Counts ``[MACs, FLOPs]`` per key while active, the key being ``running[-1]`` when each
    aten op runs; an op with no price is raised, or, with ``strict=False``, listed in
    ``unpriced[key]``."""

    def __init__(self, running: list, strict: bool = True):
        super().__init__()
        self.running, self.strict = running, strict
        self.counts: dict[str, list[int]] = {}
        self.unpriced: dict[str, list[str]] = {}
        self.ops: dict[str, list[str]] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        packet = func.overloadpacket
        if packet in MOVEMENT:
            return out
        key = self.running[-1]
        first = out[0] if isinstance(out, (tuple, list)) else out
        if packet in ELEMENTWISE:
            macs, flops = 0, _numel(first)
        elif packet in PRICED:
            macs, flops = PRICED[packet](args, first)
        elif self.strict:
            raise ArchcalcError(f"aten op {func} has no archcalc price (module "
                                f"{key or 'model'})")
        else:
            self.unpriced.setdefault(key, []).append(str(packet).removeprefix("aten."))
            return out
        self.ops.setdefault(key, []).append(str(packet).removeprefix("aten."))
        total = self.counts.setdefault(key, [0, 0])
        total[0] += macs
        total[1] += flops
        return out


# TorchDispatchMode wraps a subclass's __torch_dispatch__ so that torch.compile skips it,
# importing torch._dynamo (0.7 s) on the first op; archcalc never runs under torch.compile,
# so the wrapper is told its work is done.
_dispatch = Tally.__torch_dispatch__
setattr(getattr(_dispatch, "__wrapped__", _dispatch), "__dynamo_disable",
        getattr(_dispatch, "__wrapped__", _dispatch))


def count(model, x, strict: bool = True) -> Tally:
    """One forward pass of ``model`` on ``x``, each aten op's ``(MACs, FLOPs)`` attributed to
    the innermost named module running (``""``: the model itself): ``Tally.counts``."""
    running = [""]

    def enter(name):
        def pre(module, args) -> None:
            running.append(name)
        return pre

    def leave(module, args, out) -> None:
        running.pop()

    handles = []
    for name, module in model.named_modules():
        if name:
            handles += [module.register_forward_pre_hook(enter(name)),
                        module.register_forward_hook(leave)]
    try:
        with torch.no_grad(), Tally(running, strict) as tally:
            model(x)
    finally:
        for h in handles:
            h.remove()
    return tally
