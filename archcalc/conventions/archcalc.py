"""archcalc's own convention, the default: one cost rule per primitive op type.

* params: every learned scalar as ``sum(p.numel())`` counts it (norms: weight and bias when
  affine; layer scale, class token, position embedding, Swin's relative-position bias table).
* MACs: multiply-accumulates of matrix products only: conv ``N·Cout·Hout·Wout·(Cin/groups)·kh·kw``
  (transposed conv: per *input* pixel), linear ``N·positions·in·out``, matmul and attention's
  ``QKᵀ`` and ``AV`` (one head-dim dot product per score).
* FLOPs: ``2·MACs`` plus elementwise work, each rule's docstring saying how much.  Data
  movement and identities cost 0.

Each rule's ``label`` and ``detail`` (params, MACs) and docstring (FLOPs) are the per-op table
printed in the README, the HTML and XLSX reports and ``archcalc conventions``.
"""

from __future__ import annotations

from ..cost.record import Cost
from ..num import adaptive_extent
from ..ops import (Activation, AdaptivePool2d, Add, Arith, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GroupNorm, Identity, LayerNorm, Unused, LayerScale, Linear, MatMul, PatchMerge,
                   Permute, Pool2d, PosEmbed, Scale, Shape, Softmax, TokenSelect, Upsample,
                   WindowShift, attention_macs, pair)
from .base import Convention

SUMMARY = {
    "params": "every learned scalar, as sum(p.numel()) counts it: conv/linear weights and biases, "
              "norm weight and bias when affine (not running statistics), layer scale, class "
              "token, position embedding, relative-position bias tables",
    "macs": "multiply-accumulates of conv, linear and matrix products (squeeze-excite 1x1 convs "
            "and attention's QKᵀ and AV included): N·Cout·Hout·Wout·(Cin/groups)·kh·kw, "
            "N·positions·in·out, one head-dim dot product per attention score",
    "flops": "2 × MACs plus elementwise work (see per_op)",
    "bytes": "per op: input activations read + weights read + output written, times bytes per "
             "element of the dtype; 'fused' keeps a block's intermediates on chip",
    "peak_activation_bytes": "largest sum of tensors alive at once in the sequential schedule "
                             "(op input + output + tensors held for a later add or concat)",
    "batch": "MACs, FLOPs, bytes and activations scale with the batch N; params do not",
}

FOOTER = ("params: learned scalars incl. norm affine · MACs: conv + linear + matmul "
          "multiply-accumulates · FLOPs: 2·MACs + elementwise (BN 2/elt, act/add/mul 1/elt) · "
          "bytes: activations + weights moved")



class OwnConvention(Convention):
    """archcalc's rule set, described by :data:`SUMMARY` and its per-op table."""

    footer = FOOTER

    def as_dict(self) -> dict:
        return {**SUMMARY, "per_op": [dict(zip(("op", "params", "macs", "flops"), row))
                                      for row in per_op_table()]}


ARCHCALC = OwnConvention(
    "archcalc", "archcalc (default)", "archcalc",
    "MACs of matrix products; FLOPs = 2·MACs + every elementwise op at its arithmetic cost")
rule = ARCHCALC.rule


def _with_bias(macs, params, bias, out: Shape) -> Cost:
    """A matrix product with an optional bias: one add per output element."""
    return Cost(params=params + (out.c if bias else 0), macs=macs,
                flops=2 * macs + (out.numel if bias else 0))


@rule(Conv2d, label="conv (kh×kw, any stride, padding, dilation, groups)",
      detail=("Cout·(Cin/g)·kh·kw (+Cout bias)", "N·Cout·Hout·Wout·(Cin/g)·kh·kw"))
def _conv(op: Conv2d, ins, out: Shape) -> Cost:
    """2·MACs (+1 per output for bias)"""
    kh, kw = pair(op.k)
    per_output = (op.cin // op.groups) * kh * kw
    return _with_bias(out.numel * per_output, op.cout * per_output, op.bias, out)


@rule(ConvTranspose2d, label="transposed conv",
      detail=("Cin·(Cout/g)·kh·kw (+Cout bias)", "N·Cin·Hin·Win·(Cout/g)·kh·kw"))
def _conv_transposed(op: ConvTranspose2d, ins, out: Shape) -> Cost:
    """2·MACs (+1 per output for bias)"""
    kh, kw = pair(op.k)
    per_input = (op.cout // op.groups) * kh * kw
    return _with_bias(ins[0].numel * per_input, op.cin * per_input, op.bias, out)


@rule(Linear, label="linear (flattened image, or per token / position)",
      detail=("in·out (+out bias)", "N·positions·in·out"))
def _linear(op: Linear, ins, out: Shape) -> Cost:
    """2·MACs (+1 per output for bias)"""
    return _with_bias(out.h * out.w * op.fin * op.fout, op.fin * op.fout, op.bias, out)


@rule(MatMul, label="matmul, batched matmul (h×k)·(k×c)", detail=("0", "N·batch·h·k·c"))
def _matmul(op, ins, out: Shape) -> Cost:
    """2·MACs"""
    macs = out.numel * ins[0].c
    return Cost(macs=macs, flops=2 * macs)


@rule(AttnScores, label="attention scores QKᵀ/√d (heads, window)",
      detail=("(2·window−1)²·heads for Swin's bias table", "N·heads·groups·T²·(D/heads)"))
def _attn_scores(op: AttnScores, ins, out: Shape) -> Cost:
    """2·MACs + 1 per query element (scale) + 1 per score for the bias table and for the
    shift mask"""
    macs = attention_macs(out, ins[0], op.heads)
    table = (2 * op.window - 1) ** 2 * op.heads if op.rel_bias else 0
    extra = out.numel * ((1 if op.rel_bias else 0) + (1 if op.masked else 0))
    return Cost(params=table, macs=macs, flops=2 * macs + ins[0].numel // 3 + extra)


@rule(AttnValues, label="attention output AV", detail=("0", "N·heads·groups·T²·(D/heads)"))
def _attn_values(op: AttnValues, ins, out: Shape) -> Cost:
    """2·MACs"""
    macs = attention_macs(ins[0], ins[1], op.heads)
    return Cost(macs=macs, flops=2 * macs)


@rule(BatchNorm2d, label="batch norm (affine or not)", detail=("2·C or 0", "0"))
def _batch_norm(op: BatchNorm2d, ins, out: Shape) -> Cost:
    """2 per element (scale, shift)"""
    return Cost(params=2 * op.c if op.affine else 0, flops=2 * out.numel)


@rule(LayerNorm, GroupNorm, label="layer norm, group norm (affine or not)",
      detail=("2·C or 0", "0"))
def _norm(op, ins, out: Shape) -> Cost:
    """5 per element (mean, centre, variance 2, scale) + 2 when affine"""
    return Cost(params=2 * op.c if op.affine else 0,
                flops=(7 if op.affine else 5) * out.numel)


@rule(Activation, label="activation (relu, relu6, hswish, hsigmoid, swish = SiLU, sigmoid, "
      "gelu, gelu_tanh, mish, leaky_relu, hardtanh, tanh)", detail=("0", "0"))
def _activation(op, ins, out: Shape) -> Cost:
    """1 per element"""
    return Cost(flops=out.numel)


@rule(Softmax, label="softmax", detail=("0", "0"))
def _softmax(op, ins, out: Shape) -> Cost:
    """3 per element (exp, sum, divide)"""
    return Cost(flops=3 * out.numel)


@rule(Add, Scale, label="residual add, squeeze-excite scale (mul)", detail=("0", "0"))
def _elementwise(op, ins, out: Shape) -> Cost:
    """1 per output element"""
    return Cost(flops=out.numel)


@rule(Arith, label="arithmetic with a constant (+, −, ×, ÷, power)", detail=("0", "0"))
def _arith(op, ins, out: Shape) -> Cost:
    """1 per element"""
    return Cost(flops=out.numel)


@rule(LayerScale, label="layer scale", detail=("C", "0"))
def _layer_scale(op: LayerScale, ins, out: Shape) -> Cost:
    """1 per element"""
    return Cost(params=op.c, flops=out.numel)


@rule(PosEmbed, label="position embedding", detail=("T·D", "0"))
def _pos_embed(op: PosEmbed, ins, out: Shape) -> Cost:
    """1 per element"""
    return Cost(params=op.t * op.d, flops=out.numel)


@rule(ClassToken, label="class token", detail=("D", "0"))
def _class_token(op: ClassToken, ins, out: Shape) -> Cost:
    """0 (prepended)"""
    return Cost(params=op.d)


@rule(Pool2d, label="pool kh×kw (avg, max; ceil mode)", detail=("0", "0"))
def _pool(op: Pool2d, ins, out: Shape) -> Cost:
    """kh·kw per output element"""
    kh, kw = pair(op.k)
    return Cost(flops=kh * kw * out.numel)


@rule(AdaptivePool2d, label="adaptive pool (avg, max; global avg)", detail=("0", "0"))
def _adaptive_pool(op: AdaptivePool2d, ins, out: Shape) -> Cost:
    """1 per input read (global: 1 per input element)"""
    x = ins[0]
    return Cost(flops=x.c * adaptive_extent(x.h, out.h) * adaptive_extent(x.w, out.w))


@rule(Upsample, label="upsample nearest / bilinear", detail=("0", "0"))
def _upsample(op: Upsample, ins, out: Shape) -> Cost:
    """0 / 7 per output element (4 mul, 3 add)"""
    return Cost(flops=7 * out.numel if op.mode == "bilinear" else 0)


@rule(Concat, ChannelSplit, ChannelShuffle, Permute, WindowShift, PatchMerge, TokenSelect,
      label="concat (any number), channel split, shuffle, permute, window shift, patch merge, "
            "token select", detail=("0", "0"))
def _data_movement(op, ins, out: Shape) -> Cost:
    """0 (data movement only; split and token select are views)"""
    return Cost()


@rule(Unused, label="parameters the forward never uses", detail=("their count", "0"))
def _unused(op: Unused, ins, out: Shape) -> Cost:
    """0 (never run)"""
    return Cost(params=op.params)


@rule(Identity, label="dropout, stochastic depth", detail=("0", "0"))
def _identity(op, ins, out: Shape) -> Cost:
    """0 (identity at inference)"""
    return Cost()


@ARCHCALC.measured_by
def _measure(model, x):
    """archcalc's convention counted on a torch module by the aten ops its forward runs
    (:mod:`archcalc.bridge.aten_counter`): FLOPs per module path."""
    from ..bridge.aten_counter import count
    from .base import Measured

    flops = {k: f for k, (_, f) in count(model, x).counts.items()}
    return Measured(sum(p.numel() for p in model.parameters()), sum(flops.values()), flops)


def macs(op, ins, out: Shape):
    """The multiply-accumulates of ``op`` for one sample: the one MAC formula that every
    convention counting matrix products reads."""
    return ARCHCALC.per_op(op, ins, out).macs


def per_op_table() -> list[tuple[str, str, str, str]]:
    """``(op, params, MACs, FLOPs)`` per rule, in registration order."""
    return [(r.label, *r.detail, r.says) for _, r in ARCHCALC.unique_rules()]
CONVENTION = ARCHCALC
