"""One cost function per primitive op, registered by op type.

Conventions (also printed in every report footer, see :mod:`archcalc.conventions`):

* params: every learned scalar as ``sum(p.numel())`` counts it (norms: weight and bias when
  affine; layer scale, class token, position embedding, Swin's relative-position bias table).
* MACs: multiply-accumulates of matrix products only: conv ``N·Cout·Hout·Wout·(Cin/groups)·kh·kw``
  (transposed conv: per *input* pixel), linear ``N·positions·in·out``, matmul and attention's
  ``QKᵀ`` and ``AV`` (one head-dim dot product per score).
* FLOPs: ``2·MACs`` plus elementwise work, one FLOP per output element for a bias add, an
  activation, a residual add, a channel or layer scale and a position-embedding add; batch
  norm 2 per element (scale and shift); layer and group norm 5 per element to normalise (mean,
  centre, variance 2, scale) plus 2 when affine; softmax 3 per element (exp, sum, divide);
  attention scores add one per query element for the ``1/√d`` scaling and one per score for a
  relative-position bias and for the shifted-window mask; pooling ``kh·kw`` per output
  element (adaptive: one per input read); bilinear upsampling 7 per output element (4
  multiplies, 3 adds).  Data movement (concat, split, shuffle, permute, window shift, patch
  merge, class token, nearest upsampling) and identities (dropout, stochastic depth) cost 0.
"""

from __future__ import annotations

from ..num import adaptive_extent
from ..ops import (Activation, AdaptivePool2d, Add, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GroupNorm, Identity, LayerNorm, LayerScale, Linear, MatMul, PatchMerge,
                   Permute, Pool2d, PosEmbed, Scale, Shape, Softmax, TokenSelect, Upsample,
                   WindowShift, attention_macs, pair)
from ..registry import Registry
from .record import Cost

RULES = Registry("cost rule")
rule = RULES.register


def op_cost(op, in_shapes: tuple[Shape, ...], out: Shape, batch=1) -> Cost:
    """Exact cost of ``op`` for ``batch`` samples."""
    base = RULES(op, in_shapes, out)
    return base if batch == 1 else Cost(base.params, batch * base.macs, batch * base.flops)


def _with_bias(macs, params, bias, out: Shape) -> Cost:
    """A matrix product with an optional bias: one add per output element."""
    return Cost(params=params + (out.c if bias else 0), macs=macs,
                flops=2 * macs + (out.numel if bias else 0))


@rule(Conv2d)
def _conv(op: Conv2d, ins, out: Shape) -> Cost:
    kh, kw = pair(op.k)
    per_output = (op.cin // op.groups) * kh * kw
    return _with_bias(out.numel * per_output, op.cout * per_output, op.bias, out)


@rule(ConvTranspose2d)
def _conv_transposed(op: ConvTranspose2d, ins, out: Shape) -> Cost:
    kh, kw = pair(op.k)
    per_input = (op.cout // op.groups) * kh * kw
    return _with_bias(ins[0].numel * per_input, op.cin * per_input, op.bias, out)


@rule(Linear)
def _linear(op: Linear, ins, out: Shape) -> Cost:
    return _with_bias(out.h * out.w * op.fin * op.fout, op.fin * op.fout, op.bias, out)


@rule(MatMul)
def _matmul(op, ins, out: Shape) -> Cost:
    macs = out.numel * ins[0].c
    return Cost(macs=macs, flops=2 * macs)


@rule(AttnScores)
def _attn_scores(op: AttnScores, ins, out: Shape) -> Cost:
    macs = attention_macs(out, ins[0], op.heads)
    table = (2 * op.window - 1) ** 2 * op.heads if op.rel_bias else 0
    extra = out.numel * ((1 if op.rel_bias else 0) + (1 if op.masked else 0))
    return Cost(params=table, macs=macs, flops=2 * macs + ins[0].numel // 3 + extra)


@rule(AttnValues)
def _attn_values(op: AttnValues, ins, out: Shape) -> Cost:
    macs = attention_macs(ins[0], ins[1], op.heads)
    return Cost(macs=macs, flops=2 * macs)


@rule(BatchNorm2d)
def _batch_norm(op: BatchNorm2d, ins, out: Shape) -> Cost:
    return Cost(params=2 * op.c if op.affine else 0, flops=2 * out.numel)


@rule(LayerNorm, GroupNorm)
def _norm(op, ins, out: Shape) -> Cost:
    return Cost(params=2 * op.c if op.affine else 0,
                flops=(7 if op.affine else 5) * out.numel)


@rule(Activation, Add, Scale)
def _elementwise(op, ins, out: Shape) -> Cost:
    return Cost(flops=out.numel)


@rule(LayerScale)
def _layer_scale(op: LayerScale, ins, out: Shape) -> Cost:
    return Cost(params=op.c, flops=out.numel)


@rule(PosEmbed)
def _pos_embed(op: PosEmbed, ins, out: Shape) -> Cost:
    return Cost(params=op.t * op.d, flops=out.numel)


@rule(Softmax)
def _softmax(op, ins, out: Shape) -> Cost:
    return Cost(flops=3 * out.numel)


@rule(Pool2d)
def _pool(op: Pool2d, ins, out: Shape) -> Cost:
    kh, kw = pair(op.k)
    return Cost(flops=kh * kw * out.numel)


@rule(AdaptivePool2d)
def _adaptive_pool(op: AdaptivePool2d, ins, out: Shape) -> Cost:
    x = ins[0]
    return Cost(flops=x.c * adaptive_extent(x.h, out.h) * adaptive_extent(x.w, out.w))


@rule(Upsample)
def _upsample(op: Upsample, ins, out: Shape) -> Cost:
    return Cost(flops=7 * out.numel if op.mode == "bilinear" else 0)


@rule(ClassToken)
def _class_token(op: ClassToken, ins, out: Shape) -> Cost:
    return Cost(params=op.d)


@rule(Concat, ChannelSplit, ChannelShuffle, Permute, WindowShift, PatchMerge, TokenSelect,
      Identity)
def _data_movement(op, ins, out: Shape) -> Cost:
    return Cost()
