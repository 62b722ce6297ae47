"""archcalc's own convention, the default: one cost rule per primitive op type.

* params: every learned scalar as ``sum(p.numel())`` counts it (norms: weight and bias when
  affine; layer scale, class token, position embedding, Swin's relative-position bias table).
* MACs: multiply-accumulates of matrix products only: conv ``N·Cout·Hout·Wout·(Cin/groups)·kh·kw``
  (transposed conv: per *input* pixel), linear ``N·positions·in·out``, matmul and attention's
  ``QKᵀ`` and ``AV`` (one head-dim dot product per score).
* FLOPs: ``2·MACs`` plus elementwise work, each rule's docstring saying how much.  Data
  movement and identities cost 0.
* Backward pass (``--mode train``): a matrix product's input gradient and weight gradient
  each cost the forward's MACs (the input gradient only where the input needs one: not for
  a layer that reads only the network input); elementwise, norm and pooling backward work
  per element as each backward rule's docstring says; reductions (bias and weight
  gradients, batch sums) cost 1 add per value summed.  In training, batch norm computes its
  batch statistics, so its forward is counted as layer norm's.

Each rule's ``label`` and ``detail`` (params, MACs) and docstring (FLOPs) are the per-op table
printed in the README, the HTML and XLSX reports and ``archcalc conventions``.
"""

from __future__ import annotations

from ..cost.record import Cost
from ..num import adaptive_extent
from ..ops import (Activation, AdaptivePool2d, Add, Arith, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GradientSum, GroupNorm, Identity, LayerNorm, Unused, LayerScale, Linear, MatMul, PatchMerge,
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


ARCHCALC.training_rule(BatchNorm2d)(_norm)  # batch statistics in training: as layer norm

backward = ARCHCALC.backward_rule
_MOVEMENT = (Concat, ChannelSplit, ChannelShuffle, Permute, WindowShift, PatchMerge, TokenSelect,
             Identity, Unused, Add)


@backward(Conv2d, ConvTranspose2d, Linear, label="conv, transposed conv, linear",
          detail=("2 × the forward's: input and weight gradients (the forward's alone where the "
                  "input needs no gradient: a first layer)",))
def _dense_backward(op, ins, out: Shape, grads) -> Cost:
    """2 per backward MAC (+1 per output element for the bias gradient)"""
    m = macs(op, ins, out) * (1 + grads[0])
    return Cost(macs=m, flops=2 * m + (out.numel if op.bias else 0))


@backward(MatMul, AttnValues, label="matmul, attention output AV",
          detail=("the forward's per input that needs a gradient",))
def _matmul_backward(op, ins, out: Shape, grads) -> Cost:
    """2 per backward MAC"""
    m = macs(op, ins, out) * (grads[0] + grads[1])
    return Cost(macs=m, flops=2 * m)


@backward(AttnScores, label="attention scores QKᵀ/√d",
          detail=("2 × the forward's: query and key gradients",))
def _attn_scores_backward(op: AttnScores, ins, out: Shape, grads) -> Cost:
    """2 per backward MAC + 1 per query element (scale) + 1 per score for the bias table's
    gradient"""
    m = 2 * macs(op, ins, out) * grads[0]
    return Cost(macs=m, flops=2 * m + grads[0] * (ins[0].numel // 3)
                + (out.numel if op.rel_bias else 0))


@backward(BatchNorm2d, LayerNorm, GroupNorm, label="batch norm, layer norm, group norm",
          detail=("0",))
def _norm_backward(op, ins, out: Shape, grads) -> Cost:
    """10 per element: normalised input recomputed (2), the sums of the gradient and of its
    product with the normalised input (3), the input gradient (5); 5 where the input needs no
    gradient"""
    return Cost(flops=(5 + 5 * grads[0]) * out.numel)


@backward(Activation, label="activation", detail=("0",))
def _activation_backward(op, ins, out: Shape, grads) -> Cost:
    """2 per element: the derivative (1, as the forward counts the function) and its product
    with the incoming gradient"""
    return Cost(flops=2 * out.numel)


@backward(Softmax, label="softmax", detail=("0",))
def _softmax_backward(op, ins, out: Shape, grads) -> Cost:
    """4 per element: y·g, its sum per row, the difference, the product with y"""
    return Cost(flops=4 * out.numel)


@backward(Scale, label="squeeze-excite scale (mul)", detail=("0",))
def _scale_backward(op, ins, out: Shape, grads) -> Cost:
    """per output element: 1 for the input's gradient (its product with the gate), 2 for the
    gate's (the product with the input, summed over the positions the gate covers)"""
    return Cost(flops=(grads[0] + 2 * grads[1]) * out.numel)


@backward(LayerScale, label="layer scale", detail=("0",))
def _layer_scale_backward(op, ins, out: Shape, grads) -> Cost:
    """per element: 1 for the input's gradient, 2 for the scale's (product, sum)"""
    return Cost(flops=(grads[0] + 2) * out.numel)


@backward(PosEmbed, label="position embedding", detail=("0",))
def _pos_embed_backward(op, ins, out: Shape, grads) -> Cost:
    """1 per element (the embedding's gradient summed over the batch)"""
    return Cost(flops=out.numel)


@backward(ClassToken, label="class token", detail=("0",))
def _class_token_backward(op: ClassToken, ins, out: Shape, grads) -> Cost:
    """1 per token feature (its gradient summed over the batch)"""
    return Cost(flops=op.d)


@backward(Arith, label="arithmetic with a constant", detail=("0",))
def _arith_backward(op: Arith, ins, out: Shape, grads) -> Cost:
    """+, −: 0; reversed −, ×, ÷: 1 per element; power: 3 (x^(p−1), ·p, ·gradient)"""
    return Cost(flops={"add": 0, "sub": 0, "pow": 3}.get(op.fn, 1) * out.numel)


@backward(Pool2d, label="pool kh×kw", detail=("0",))
def _pool_backward(op: Pool2d, ins, out: Shape, grads) -> Cost:
    """max: 1 per output element (added at its maximum); average: kh·kw per output element
    (its share added to every input of the window)"""
    kh, kw = pair(op.k)
    return Cost(flops=(1 if op.mode == "max" else kh * kw) * out.numel)


@backward(AdaptivePool2d, label="adaptive pool", detail=("0",))
def _adaptive_pool_backward(op: AdaptivePool2d, ins, out: Shape, grads) -> Cost:
    """max: 1 per output element; average: 1 per input read, as the forward"""
    return Cost(flops=out.numel if op.mode == "max" else _adaptive_pool(op, ins, out).flops)


@backward(Upsample, label="upsample nearest / bilinear", detail=("0",))
def _upsample_backward(op: Upsample, ins, out: Shape, grads) -> Cost:
    """nearest: 1 per output element (the copies' gradients summed); bilinear: 8 (4 weights,
    each a product and an add)"""
    return Cost(flops=(8 if op.mode == "bilinear" else 1) * out.numel)


@backward(*_MOVEMENT, label="residual add, concat, split, shuffle, permute, window shift, "
          "patch merge, token select, dropout, unused parameters", detail=("0",))
def _movement_backward(op, ins, out: Shape, grads) -> Cost:
    """0 (the gradient is passed on, split or moved)"""
    return Cost()


@backward(GradientSum, label="gradient sum (a tensor read by k layers)", detail=("0",))
def _gradient_sum(op: GradientSum, ins, out: Shape, grads) -> Cost:
    """k − 1 adds per element"""
    return Cost(flops=(op.readers - 1) * out.numel)


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


def backward_table() -> list[tuple[str, str, str]]:
    """``(op, backward MACs, backward FLOPs)`` per backward rule, in registration order."""
    return [(r.label, *r.detail, r.says) for _, r in ARCHCALC.unique_rules(ARCHCALC.backward)]
CONVENTION = ARCHCALC
