"""The block library: each block expands into primitive ops on a :class:`GraphBuilder`.

A block is a frozen dataclass whose fields are its spec parameters (the spec parser reads
their types and metadata to validate input), registered under a short name and aliases.
Conventions shared by all blocks: conv → BN → activation (BN dropped with ``norm: none``,
folded into a conv bias with ``fold_bn``), "same"-style padding ``d·((k−1)//2)``, activation
``None`` meaning the spec's default.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields, replace

from .errors import ArchcalcError
from .ir import GraphBuilder
from .num import (is_concrete, make_divisible, nonzero, requires_equal, round_half_even, same,
                  scale_channels, violated)
from .ops import (ACTIVATIONS, ARITH, Activation, Arith, Unused, AdaptivePool2d, Add, AttnScores, AttnValues,
                  BatchNorm2d, ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d,
                  ConvTranspose2d, GroupNorm, Identity, LayerNorm, LayerScale, Linear, MatMul,
                  PatchMerge, Permute, Pool2d, PosEmbed, Scale, Softmax, TokenSelect, Upsample,
                  WindowShift, pair)

# Spec field types beyond int/float/str/bool, validated by the spec loader: a kernel, stride
# or dilation (an int or [h, w]), a padding (an int, [h, w] or [top, bottom, left, right]) and
# references to earlier layers (a name or a list of names).
Size = Pad = Refs = object

NORMS = ("bn", "none")
ACT_CHOICES = ACTIVATIONS + ("none",)


@dataclass(frozen=True)
class Context:
    """Network-wide build settings: default norm and activation, BN folding."""

    norm: str = "bn"
    act: str = "relu"
    fold_bn: bool = False


def param(default=None, *, channels: bool = False, minimum: int | None = 1, choices=None):
    """A block parameter: ``channels`` fields scale with the width multiplier; ``minimum``
    bounds numbers (``None``: unbounded); ``choices`` restricts strings."""
    return field(default=default, metadata={"channels": channels, "minimum": minimum,
                                            "choices": choices})


REQUIRED = object()
BLOCKS: dict[str, type] = {}
ALIASES: dict[str, str] = {}


def block(name: str, *aliases: str):
    def register(cls):
        cls.kind = name
        BLOCKS[name] = cls
        for alias in aliases:
            ALIASES[alias] = name
        return cls

    return register


def same_pad(k, d=1):
    """"Same"-style padding ``d·((k−1)//2)`` per side (a pair for a non-square kernel)."""
    (kh, kw), (dh, dw) = pair(k), pair(d)
    ph, pw = dh * ((kh - 1) // 2), dw * ((kw - 1) // 2)
    return ph if isinstance(k, int) and isinstance(d, int) else (ph, pw)


def repeat_of(blk, r: int):
    """Block ``blk`` as its ``r``-th repeat: the stride applies to the first repeat only, and a
    block may define ``repeat(r)`` for more (Swin alternates shifted windows)."""
    if hasattr(blk, "repeat"):
        return blk.repeat(r)
    return replace(blk, s=1) if r and "s" in blk.__dataclass_fields__ else blk


def conv_unit(g: GraphBuilder, x: str, name: str, ctx: Context, cout, k, s=1, d=1, groups=1,
              act="none", p=None, bias=False) -> str:
    """conv → BN → activation, the unit every block is built from."""
    pad = same_pad(k, d) if p is None else p
    folded = ctx.norm == "bn" and ctx.fold_bn
    y = g.add(f"{name}.conv", Conv2d(g.shape(x).c, cout, k, s, pad, d, groups, bias or folded), x)
    if ctx.norm == "bn" and not ctx.fold_bn:
        y = g.add(f"{name}.bn", BatchNorm2d(cout), y)
    if act != "none":
        y = g.add(f"{name}.act", Activation(act), y)
    return y


def squeeze_excite(g: GraphBuilder, x: str, name: str, squeeze, act: str, gate: str) -> str:
    """pool → 1×1 conv (bias) → act → 1×1 conv (bias) → gate → channel scaling."""
    c = g.shape(x).c
    y = g.add(f"{name}.pool", AdaptivePool2d(), x)
    y = g.add(f"{name}.fc1", Conv2d(c, squeeze, 1, bias=True), y)
    y = g.add(f"{name}.act", Activation(act), y)
    y = g.add(f"{name}.fc2", Conv2d(squeeze, c, 1, bias=True), y)
    y = g.add(f"{name}.gate", Activation(gate), y)
    return g.add(f"{name}.scale", Scale(), x, y)


def residual(g: GraphBuilder, x: str, y: str, name: str) -> str:
    return g.add(f"{name}.add", Add(), x, y)


@block("conv", "standard", "convolution")
@dataclass(frozen=True)
class StandardConv:
    """k×k convolution (optionally grouped) + BN + activation."""

    out: int = param(REQUIRED, channels=True)
    k: Size = param(3)
    s: Size = param(1)
    d: Size = param(1)
    g: int = param(1)
    p: Pad | None = param(None, minimum=0)
    bias: bool = param(False)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        return conv_unit(g, x, name, ctx, self.out, self.k, self.s, self.d, self.g,
                         self.act or ctx.act, self.p, self.bias)


@block("dw", "depthwise")
@dataclass(frozen=True)
class Depthwise:
    """k×k depthwise convolution (groups = channels) + BN + activation."""

    k: Size = param(3)
    s: Size = param(1)
    d: Size = param(1)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        c = g.shape(x).c
        return conv_unit(g, x, name, ctx, c, self.k, self.s, self.d, c, self.act or ctx.act)


@block("pw", "pointwise")
@dataclass(frozen=True)
class Pointwise:
    """1×1 convolution + BN + activation."""

    out: int = param(REQUIRED, channels=True)
    g: int = param(1)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        return conv_unit(g, x, name, ctx, self.out, 1, groups=self.g, act=self.act or ctx.act)


@block("dwsep", "separable", "depthwise_separable")
@dataclass(frozen=True)
class DepthwiseSeparable:
    """MobileNetV1's unit: depthwise k×k + BN + act, then pointwise 1×1 + BN + act."""

    out: int = param(REQUIRED, channels=True)
    k: Size = param(3)
    s: Size = param(1)
    d: Size = param(1)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        c = g.shape(x).c
        y = conv_unit(g, x, f"{name}.dw", ctx, c, self.k, self.s, self.d, c, act)
        return conv_unit(g, y, f"{name}.pw", ctx, self.out, 1, act=act)


@block("ir", "inverted_residual", "mbconv", "bneck")
@dataclass(frozen=True)
class InvertedResidual:
    """MobileNetV2/V3 inverted residual with a linear bottleneck.

    1×1 expansion to ``exp`` channels (default ``round(t·in)``; skipped when it equals the
    input channels, as for t = 1) + act; depthwise k×k with stride + act; optional
    squeeze-excite of ratio ``se`` (squeeze = ``se·base`` rounded to ``se_divisor``, base the
    expanded or the input channels); linear 1×1 projection; residual add iff stride 1 and
    in == out channels.
    """

    out: int = param(REQUIRED, channels=True)
    t: float = param(6)
    exp: int | None = param(None, channels=True)
    k: int = param(3)
    s: int = param(1)
    d: int = param(1)
    se: float = param(0.0, minimum=0)
    act: str | None = param(None, choices=ACT_CHOICES)
    se_act: str = param("relu", choices=ACTIVATIONS)
    se_gate: str = param("hsigmoid", choices=ACTIVATIONS)
    se_divisor: int = param(8)
    se_of: str = param("expanded", choices=("expanded", "input"))

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        cin = g.shape(x).c
        hidden = self.exp if self.exp is not None else _expanded(cin, self.t)
        y = x
        if not same(hidden, cin, "expansion conv skipped when exp = in"):
            y = conv_unit(g, y, f"{name}.expand", ctx, hidden, 1, act=act)
        y = conv_unit(g, y, f"{name}.dw", ctx, hidden, self.k, self.s, self.d, hidden, act)
        if nonzero(self.se, "squeeze-excite present"):
            base = hidden if self.se_of == "expanded" else cin
            squeeze = scale_channels(base, self.se, self.se_divisor)
            y = squeeze_excite(g, y, f"{name}.se", squeeze, self.se_act, self.se_gate)
        y = conv_unit(g, y, f"{name}.project", ctx, self.out, 1)
        if _residual(self.s, cin, self.out):
            y = residual(g, x, y, name)
        return y


def _residual(s, cin, out) -> bool:
    """Whether a block adds its input back: stride 1 and as many channels out as in."""
    return same(s, 1, "residual add iff stride 1") and same(cin, out, "residual add iff in = out")


def _expanded(cin, t):
    """Expanded channels ``round(t·in)`` (half to even, as Python rounds); exact products of
    integers and symbols stay as they are."""
    return round_half_even(cin * t)


@block("se", "squeeze_excite")
@dataclass(frozen=True)
class SqueezeExcite:
    """Squeeze-and-excite on the current tensor: squeeze = ``r·C`` rounded to ``divisor``."""

    r: float = param(0.25, minimum=0)
    act: str = param("relu", choices=ACTIVATIONS)
    gate: str = param("hsigmoid", choices=ACTIVATIONS)
    divisor: int = param(8)

    def expand(self, g, x, name, ctx):
        squeeze = scale_channels(g.shape(x).c, self.r, self.divisor)
        return squeeze_excite(g, x, name, squeeze, self.act, self.gate)


def _downsample(g, x, name, ctx, out, s):
    if _residual(s, g.shape(x).c, out):
        return x
    return conv_unit(g, x, f"{name}.downsample", ctx, out, 1, s)


@block("basic", "basic_block")
@dataclass(frozen=True)
class BasicBlock:
    """ResNet basic block: 3×3 (stride) + BN + act, 3×3 + BN, shortcut (1×1 + BN when the
    shape changes), add, act."""

    out: int = param(REQUIRED, channels=True)
    s: int = param(1)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        y = conv_unit(g, x, f"{name}.conv1", ctx, self.out, 3, self.s, act=act)
        y = conv_unit(g, y, f"{name}.conv2", ctx, self.out, 3)
        y = residual(g, _downsample(g, x, name, ctx, self.out, self.s), y, name)
        return g.add(f"{name}.act", Activation(act), y)


@block("bottleneck")
@dataclass(frozen=True)
class Bottleneck:
    """ResNet bottleneck: 1×1 to ``mid``, 3×3 in ``cardinality`` groups, 1×1 to ``out``;
    each + BN, act after the first two; shortcut, add, act.  ``mid`` defaults to
    ``(out/4)·width_per_group/64·cardinality`` (torchvision's rule: out/4 for ResNet; ResNeXt
    "32×4d" is cardinality 32, width_per_group 4; Wide ResNet-50-2 is width_per_group 128).
    The stride is on the 3×3 (``v1.5``, torchvision's) or on the first 1×1 (``v1``, the
    paper's)."""

    out: int = param(REQUIRED, channels=True)
    mid: int | None = param(None, channels=True)
    s: int = param(1)
    cardinality: int = param(1)
    width_per_group: int = param(64)
    act: str | None = param(None, choices=ACT_CHOICES)
    version: str = param("v1.5", choices=("v1", "v1.5"))

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        mid = self.mid
        if mid is None:
            mid = self.out // 4 * self.width_per_group // 64 * self.cardinality
        s1, s3 = (self.s, 1) if self.version == "v1" else (1, self.s)
        y = conv_unit(g, x, f"{name}.conv1", ctx, mid, 1, s1, act=act)
        y = conv_unit(g, y, f"{name}.conv2", ctx, mid, 3, s3, groups=self.cardinality, act=act)
        y = conv_unit(g, y, f"{name}.conv3", ctx, self.out, 1)
        y = residual(g, _downsample(g, x, name, ctx, self.out, self.s), y, name)
        return g.add(f"{name}.act", Activation(act), y)


@block("shuffle", "shufflenet")
@dataclass(frozen=True)
class ShuffleUnit:
    """ShuffleNetV2 unit.  Stride 1: split channels in half, branch on one half (1×1 + act,
    depthwise 3×3, 1×1 + act), concat, shuffle.  Stride > 1: both branches see the input
    (left: depthwise 3×3 + 1×1 + act), concat, shuffle."""

    out: int = param(REQUIRED, channels=True)
    s: int = param(1)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        cin = g.shape(x).c
        if violated(lambda: self.out % 2 != 0, self.out):
            raise ArchcalcError(f"a shuffle unit's output is two equal halves: out must be "
                                f"even, got {self.out}", field="out")
        half = self.out // 2
        if same(self.s, 1, "stride-1 unit splits its input"):
            if not requires_equal(cin, self.out, "a stride-1 unit keeps its channels"):
                raise ArchcalcError(f"a stride-1 shuffle unit needs in == out channels, "
                                    f"got {cin} and {self.out}", field="out")
            left = g.add(f"{name}.split0", ChannelSplit(0), x)
            right = g.add(f"{name}.split1", ChannelSplit(1), x)
        else:
            left = conv_unit(g, x, f"{name}.branch1.dw", ctx, cin, 3, self.s, groups=cin)
            left = conv_unit(g, left, f"{name}.branch1.pw", ctx, half, 1, act=act)
            right = x
        right = conv_unit(g, right, f"{name}.branch2.pw1", ctx, half, 1, act=act)
        right = conv_unit(g, right, f"{name}.branch2.dw", ctx, half, 3, self.s, groups=half)
        right = conv_unit(g, right, f"{name}.branch2.pw2", ctx, half, 1, act=act)
        y = g.add(f"{name}.concat", Concat(), left, right)
        return g.add(f"{name}.shuffle", ChannelShuffle(2), y)


@block("shuffle_v1", "shufflenet_v1", "shufflev1")
@dataclass(frozen=True)
class ShuffleV1Unit:
    """ShuffleNet (v1) unit, Zhang et al. 2017, Figure 2(b, c): 1×1 conv in ``g`` groups to
    the bottleneck ``out // 4`` + act, channel shuffle (``g`` groups; none when g = 1),
    depthwise 3×3 with the stride, 1×1 conv in ``g`` groups; each conv + BN.  Stride 1: add
    the input, act.  Stride > 1: the conv branch makes ``out − in`` channels, concatenated
    after a 3×3 average pool of the input (same stride), act.  (The authors' code applies
    that act to the conv branch only: the same values, as the pooled input is already
    non-negative, but ``in·H·W`` fewer activation FLOPs.)  ``group_first: false`` leaves the
    first 1×1 ungrouped (stage 2's first unit, whose input "is relatively small", §3.3); like
    the stride, it applies to a stage's first repeat only."""

    out: int = param(REQUIRED, channels=True)
    s: int = param(1)
    g: int = param(3)
    group_first: bool = param(True)
    act: str | None = param(None, choices=ACT_CHOICES)

    def repeat(self, r: int):
        return replace(self, s=1, group_first=True) if r else self

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        cin = g.shape(x).c
        mid = self.out // 4
        strided = not same(self.s, 1, "stride-1 unit adds its input")
        if strided and violated(lambda: self.out <= cin, self.out, cin):
            raise ArchcalcError(f"a strided ShuffleNet v1 unit concatenates its input: out "
                                f"must exceed in, got {self.out} and {cin}", field="out")
        if not strided and not requires_equal(cin, self.out, "a stride-1 unit keeps its channels"):
            raise ArchcalcError(f"a stride-1 ShuffleNet v1 unit adds its input: it needs in == "
                                f"out channels, got {cin} and {self.out}", field="out")
        branch = self.out - cin if strided else self.out
        y = conv_unit(g, x, f"{name}.pw1", ctx, mid, 1, groups=self.g if self.group_first else 1,
                      act=act)
        if not same(self.g, 1, "channel shuffle iff g > 1"):
            y = g.add(f"{name}.shuffle", ChannelShuffle(self.g), y)
        y = conv_unit(g, y, f"{name}.dw", ctx, mid, 3, self.s, groups=mid)
        y = conv_unit(g, y, f"{name}.pw2", ctx, branch, 1, groups=self.g)
        if strided:
            shortcut = g.add(f"{name}.pool", Pool2d("avg", 3, self.s, 1), x)
            y = g.add(f"{name}.concat", Concat(), shortcut, y)
        else:
            y = residual(g, x, y, name)
        return g.add(f"{name}.act", Activation(act), y)


@block("linear", "fc")
@dataclass(frozen=True)
class FullyConnected:
    """Fully connected layer (on the flattened input of an image; per token otherwise),
    optional activation (default none)."""

    out: int = param(REQUIRED, channels=True)
    bias: bool = param(True)
    act: str = param("none", choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        s = g.shape(x)
        fin = s.c * s.h * s.w if s.layout == "chw" else s.c
        y = g.add(f"{name}.fc", Linear(fin, self.out, self.bias), x)
        return y if self.act == "none" else g.add(f"{name}.act", Activation(self.act), y)


@block("pool")
@dataclass(frozen=True)
class Pool:
    """Pooling: ``global`` average (default), or ``avg``/``max`` over k×k windows (stride
    defaults to k; ``ceil``: PyTorch's ceil_mode)."""

    type: str = param("global", choices=("global", "avg", "max"))
    k: Size | None = param(None)
    s: Size | None = param(None)
    p: Pad = param(0, minimum=0)
    ceil: bool = param(False)

    def expand(self, g, x, name, ctx):
        if self.type == "global":
            return g.add(f"{name}.pool", AdaptivePool2d(), x)
        if self.k is None:
            raise ArchcalcError(f"{self.type} pooling needs a kernel size k", field="k")
        return g.add(f"{name}.pool", Pool2d(self.type, self.k, self.s, self.p, self.ceil), x)


@block("adaptive_pool")
@dataclass(frozen=True)
class AdaptivePool:
    """Adaptive average or max pooling to an ``out`` grid (an int or [h, w])."""

    type: str = param("avg", choices=("avg", "max"))
    out: Size = param(1)
    mean: bool = param(False)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.pool", AdaptivePool2d(self.type, self.out, self.mean), x)


@block("conv_t", "conv_transpose", "deconv")
@dataclass(frozen=True)
class TransposedConv:
    """Transposed convolution (no BN or activation: compose them with ``bn``, ``act``)."""

    out: int = param(REQUIRED, channels=True)
    k: Size = param(2)
    s: Size = param(2)
    p: Size = param(0, minimum=0)
    out_pad: Size = param(0, minimum=0)
    d: Size = param(1)
    g: int = param(1)
    bias: bool = param(True)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.conv", ConvTranspose2d(g.shape(x).c, self.out, self.k, self.s,
                                                     self.p, self.out_pad, self.d, self.g,
                                                     self.bias), x)


@block("upsample", "interpolate")
@dataclass(frozen=True)
class UpsampleLayer:
    """Upsampling by an integer ``factor``, ``nearest`` or ``bilinear``."""

    factor: int = param(2)
    mode: str = param("nearest", choices=("nearest", "bilinear"))

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.up", Upsample(self.factor, self.mode), x)


@block("bn", "batch_norm")
@dataclass(frozen=True)
class BatchNorm:
    """A lone batch norm, learned scale and shift (``affine``) or not."""

    affine: bool = param(True)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.bn", BatchNorm2d(g.shape(x).c, self.affine), x)


@block("ln", "layer_norm")
@dataclass(frozen=True)
class LayerNormLayer:
    """Layer norm over the features at each position (LayerNorm2d on an image)."""

    affine: bool = param(True)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.ln", LayerNorm(g.shape(x).c, self.affine), x)


@block("gn", "group_norm")
@dataclass(frozen=True)
class GroupNormLayer:
    """Group norm with ``g`` groups."""

    g: int = param(32)
    affine: bool = param(True)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.gn", GroupNorm(self.g, g.shape(x).c, self.affine), x)


@block("act", "activation")
@dataclass(frozen=True)
class Act:
    """A lone activation."""

    fn: str = param(REQUIRED, choices=ACTIVATIONS)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.act", Activation(self.fn), x)


@block("unused")
@dataclass(frozen=True)
class UnusedLayer:
    """``params`` parameters the model holds but never uses (an imported model's stray
    parameters): counted in params, costing nothing."""

    params: int = param(REQUIRED)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.params", Unused(self.params), x)


@block("arith")
@dataclass(frozen=True)
class ArithLayer:
    """Elementwise arithmetic with a constant: ``fn`` of add, sub, rsub (value − x), mul,
    div, pow and the constant ``value``."""

    fn: str = param(REQUIRED, choices=ARITH)
    value: float = param(1.0, minimum=None)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.{self.fn}", Arith(self.fn, float(self.value)), x)


@block("softmax")
@dataclass(frozen=True)
class SoftmaxLayer:
    """Softmax over the features (the last dim)."""

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.softmax", Softmax(), x)


@dataclass(frozen=True)
class _Binary:
    """An op on an earlier layer's output (``other``, or ``input``) and this layer's input."""

    other: str = param(REQUIRED)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.{self.suffix}", self.op(), g.ref(self.other), x)


@block("add")
@dataclass(frozen=True)
class AddLayer(_Binary):
    """Residual add of the layer named ``other`` and this layer's input."""

    op, suffix = Add, "add"


@block("mul", "scale")
@dataclass(frozen=True)
class MulLayer(_Binary):
    """Channel scaling of the layer named ``other`` by this layer's ``(C, 1, 1)`` input."""

    op, suffix = Scale, "scale"


@block("matmul", "bmm")
@dataclass(frozen=True)
class MatMulLayer(_Binary):
    """Matrix product ``other @ input`` (batched over heads)."""

    op, suffix = MatMul, "matmul"


@block("concat")
@dataclass(frozen=True)
class ConcatLayer:
    """Concatenation along the features: the layers named in ``other`` (a name or a list),
    in order, then this layer's input."""

    other: Refs = param(REQUIRED)

    def expand(self, g, x, name, ctx):
        refs = (self.other,) if isinstance(self.other, str) else self.other
        return g.add(f"{name}.concat", Concat(), *(g.ref(r) for r in refs), x)


@block("attn_scores")
@dataclass(frozen=True)
class AttnScoresLayer:
    """Attention scores QKᵀ/√d from a fused qkv input (global, or in windows)."""

    heads: int = param(REQUIRED)
    window: int | None = param(None)
    rel_bias: bool = param(False)
    masked: bool = param(False)

    def expand(self, g, x, name, ctx):
        op = AttnScores(self.heads, self.window, self.rel_bias, self.masked)
        return g.add(f"{name}.scores", op, x)


@block("attn_values")
@dataclass(frozen=True)
class AttnValuesLayer(_Binary):
    """Attention output: probabilities (the layer named ``other``) @ V of this qkv input."""

    heads: int = param(REQUIRED)
    window: int | None = param(None)
    suffix = "values"

    def op(self):
        return AttnValues(self.heads, self.window)


@block("window_shift")
@dataclass(frozen=True)
class WindowShiftLayer:
    """Pad to whole windows and roll by −shift; with ``crop`` [h, w], roll back and crop."""

    window: int = param(REQUIRED)
    shift: Size = param(0, minimum=0)
    crop: Size | None = param(None)

    def expand(self, g, x, name, ctx):
        crop = None if self.crop is None else pair(self.crop)
        return g.add(f"{name}.shift", WindowShift(self.window, pair(self.shift), crop), x)


@block("layer_scale")
@dataclass(frozen=True)
class LayerScaleLayer:
    """Learned per-channel multiplier."""

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.scale", LayerScale(g.shape(x).c), x)


@block("permute")
@dataclass(frozen=True)
class PermuteLayer:
    """Layout change: ``hwc`` (channels last), ``chw``, or ``tokens`` from an image."""

    to: str = param(REQUIRED, choices=("hwc", "chw", "tokens"))

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.permute", Permute(self.to), x)


@block("merge2x2")
@dataclass(frozen=True)
class Merge2x2:
    """Each 2×2 neighbourhood of a channels-last image into 4·C features."""

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.merge", PatchMerge(), x)


@block("cls_token", "class_token")
@dataclass(frozen=True)
class ClassTokenLayer:
    """Prepend a learned class token."""

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.cls", ClassToken(g.shape(x).c), x)


@block("pos_embed", "position_embedding")
@dataclass(frozen=True)
class PosEmbedLayer:
    """Add a learned position embedding (one vector per token)."""

    def expand(self, g, x, name, ctx):
        s = g.shape(x)
        return g.add(f"{name}.pos", PosEmbed(s.h, s.c), x)


@block("token")
@dataclass(frozen=True)
class TokenLayer:
    """Token ``index`` of the sequence (0: the class token)."""

    index: int = param(0, minimum=0)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.token", TokenSelect(self.index), x)


@block("dropout")
@dataclass(frozen=True)
class Dropout:
    """Dropout: the identity at inference."""

    p: float = param(0.0, minimum=0)
    what = "dropout"

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.drop", Identity(self.what), x)


@block("drop_path", "stochastic_depth")
@dataclass(frozen=True)
class DropPath(Dropout):
    """Stochastic depth: the identity at inference."""

    what = "stochastic depth"


@block("channel_split")
@dataclass(frozen=True)
class SplitLayer:
    """Half ``half`` (0 or 1) of the input channels, a view."""

    half: int = param(0, minimum=0, choices=(0, 1))

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.split", ChannelSplit(self.half), x)


@block("channel_shuffle")
@dataclass(frozen=True)
class ShuffleLayer:
    """Channel shuffle with ``g`` groups."""

    g: int = param(2)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.shuffle", ChannelShuffle(self.g), x)


# ---- modern blocks, matching torchvision's reference implementations layer for layer ----

def mlp(g, x, name: str, hidden, act: str = "gelu") -> str:
    """Transformer MLP: linear to ``hidden`` → act → linear back (dropouts are identities)."""
    c = g.shape(x).c
    y = g.add(f"{name}.fc1", Linear(c, hidden), x)
    y = g.add(f"{name}.act", Activation(act), y)
    return g.add(f"{name}.fc2", Linear(hidden, c), y)


def attention(g, x, name: str, heads, window=None, shift=(0, 0)) -> str:
    """Multi-head self-attention as primitive ops: qkv projection, scores QKᵀ/√d, softmax,
    weighted sum AV, output projection.  With a ``window``: Swin's shifted-window attention
    (pad and roll, relative-position bias, mask when shifted, roll back and crop)."""
    s = g.shape(x)
    y = x
    if window is not None:
        y = g.add(f"{name}.shift", WindowShift(window, shift), x)
    qkv = g.add(f"{name}.qkv", Linear(s.c, 3 * s.c), y)
    masked = window is not None and any(shift)
    y = g.add(f"{name}.scores", AttnScores(heads, window, window is not None, masked), qkv)
    y = g.add(f"{name}.softmax", Softmax(), y)
    y = g.add(f"{name}.values", AttnValues(heads, window), y, qkv)
    y = g.add(f"{name}.proj", Linear(s.c, s.c), y)
    if window is not None:
        y = g.add(f"{name}.unshift", WindowShift(window, shift, (s.h, s.w)), y)
    return y


@block("patch_embed")
@dataclass(frozen=True)
class PatchEmbed:
    """Patchify stem: ``patch×patch`` conv with stride ``patch`` and a bias, then the layout
    ``to`` (``tokens``: ViT; ``hwc``: Swin; ``chw``: ConvNeXt) and an optional layer norm."""

    out: int = param(REQUIRED, channels=True)
    patch: int = param(16)
    to: str = param("tokens", choices=("tokens", "hwc", "chw"))
    norm: bool = param(False)

    def expand(self, g, x, name, ctx):
        c = g.shape(x).c
        y = g.add(f"{name}.conv", Conv2d(c, self.out, self.patch, self.patch, bias=True), x)
        if self.to != "chw":
            y = g.add(f"{name}.permute", Permute(self.to), y)
        return g.add(f"{name}.ln", LayerNorm(self.out), y) if self.norm else y


@block("vit", "encoder")
@dataclass(frozen=True)
class ViTBlock:
    """Pre-norm transformer encoder block (ViT): x + attention(LN(x)), then x + MLP(LN(x))
    with a GELU MLP of ``mlp`` hidden features."""

    heads: int = param(REQUIRED)
    mlp: int = param(REQUIRED, channels=True)

    def expand(self, g, x, name, ctx):
        y = g.add(f"{name}.ln1", LayerNorm(g.shape(x).c), x)
        x = g.add(f"{name}.add1", Add(), x, attention(g, y, f"{name}.attn", self.heads))
        y = g.add(f"{name}.ln2", LayerNorm(g.shape(x).c), x)
        return g.add(f"{name}.add2", Add(), x, mlp(g, y, f"{name}.mlp", self.mlp))


@block("swin")
@dataclass(frozen=True)
class SwinBlock:
    """Swin transformer block on a channels-last image: x + W-MSA(LN(x)), x + MLP(LN(x)).
    ``shift`` unset alternates 0 and window/2 over the repeats; no shift along a side whose
    padded length fits one window (torchvision's rule)."""

    heads: int = param(REQUIRED)
    window: int = param(7)
    shift: int | None = param(None, minimum=0)
    mlp_ratio: float = param(4.0)

    def repeat(self, r: int) -> "SwinBlock":
        return self if self.shift is not None else replace(self, shift=self.window // 2 * (r % 2))

    def expand(self, g, x, name, ctx):
        s = g.shape(x)
        win = self.window
        if not is_concrete(s.h, s.w, win):
            raise ArchcalcError("swin needs concrete sizes (whether a side shifts depends on them)")
        shift = tuple(0 if -(-side // win) == 1 else self.shift or 0 for side in (s.h, s.w))
        y = g.add(f"{name}.ln1", LayerNorm(s.c), x)
        x = g.add(f"{name}.add1", Add(), x, attention(g, y, f"{name}.attn", self.heads, win, shift))
        y = g.add(f"{name}.ln2", LayerNorm(s.c), x)
        hidden = _expanded(s.c, self.mlp_ratio)
        return g.add(f"{name}.add2", Add(), x, mlp(g, y, f"{name}.mlp", hidden))


@block("patch_merge")
@dataclass(frozen=True)
class PatchMerging:
    """Swin's patch merging: 2×2 neighbourhoods into 4·C features, layer norm, linear to
    ``out`` (default 2·C) without bias."""

    out: int | None = param(None, channels=True)

    def expand(self, g, x, name, ctx):
        c = g.shape(x).c
        y = g.add(f"{name}.merge", PatchMerge(), x)
        y = g.add(f"{name}.ln", LayerNorm(4 * c), y)
        out = 2 * c if self.out is None else self.out
        return g.add(f"{name}.reduction", Linear(4 * c, out, bias=False), y)


@block("convnext", "cnblock")
@dataclass(frozen=True)
class ConvNeXtBlock:
    """ConvNeXt block: 7×7 depthwise conv (bias), permute to channels last, layer norm, linear
    to ``ratio``·C, GELU, linear back, permute back, layer scale, residual add."""

    k: int = param(7)
    ratio: int = param(4)
    layer_scale: bool = param(True)

    def expand(self, g, x, name, ctx):
        c = g.shape(x).c
        y = g.add(f"{name}.dw", Conv2d(c, c, self.k, 1, same_pad(self.k), 1, c, True), x)
        y = g.add(f"{name}.permute1", Permute("hwc"), y)
        y = g.add(f"{name}.ln", LayerNorm(c), y)
        y = mlp(g, y, f"{name}.mlp", self.ratio * c)
        y = g.add(f"{name}.permute2", Permute("chw"), y)
        if self.layer_scale:
            y = g.add(f"{name}.layer_scale", LayerScale(c), y)
        return residual(g, x, y, name)


@block("fused_ir", "fused_mbconv")
@dataclass(frozen=True)
class FusedInvertedResidual:
    """EfficientNetV2's Fused-MBConv: k×k conv with the stride to ``t``·in channels + act,
    then a linear 1×1 projection (with t = 1: the k×k conv straight to ``out`` + act);
    residual add iff stride 1 and in == out."""

    out: int = param(REQUIRED, channels=True)
    t: float = param(4)
    k: int = param(3)
    s: int = param(1)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        cin = g.shape(x).c
        hidden = _expanded(cin, self.t)
        if same(hidden, cin, "projection skipped when t·in = in"):
            y = conv_unit(g, x, f"{name}.fused", ctx, self.out, self.k, self.s, act=act)
        else:
            y = conv_unit(g, x, f"{name}.fused", ctx, hidden, self.k, self.s, act=act)
            y = conv_unit(g, y, f"{name}.project", ctx, self.out, 1)
        if _residual(self.s, cin, self.out):
            y = residual(g, x, y, name)
        return y


@block("regnet")
@dataclass(frozen=True)
class RegNetBlock:
    """RegNet X/Y residual bottleneck: 1×1 to ``b``·out (bottleneck ratio), 3×3 group conv
    (groups of ``gw`` channels) with the stride, squeeze-excite of ``se``·in (RegNetY; ReLU,
    sigmoid gate), 1×1 to ``out``; each + BN, act after the first two; shortcut, add, act."""

    out: int = param(REQUIRED, channels=True)
    s: int = param(1)
    gw: int = param(REQUIRED)
    b: float = param(1.0)
    se: float = param(0.0, minimum=0)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        cin = g.shape(x).c
        mid = _expanded(self.out, self.b)
        if violated(lambda: mid % self.gw != 0, mid, self.gw):
            raise ArchcalcError(f"group width {self.gw} must divide the bottleneck width {mid}",
                                field="gw")
        y = conv_unit(g, x, f"{name}.a", ctx, mid, 1, act=act)
        y = conv_unit(g, y, f"{name}.b", ctx, mid, 3, self.s, groups=mid // self.gw, act=act)
        if nonzero(self.se, "squeeze-excite present"):
            y = squeeze_excite(g, y, f"{name}.se", _expanded(cin, self.se), "relu", "sigmoid")
        y = conv_unit(g, y, f"{name}.c", ctx, self.out, 1)
        y = residual(g, _downsample(g, x, name, ctx, self.out, self.s), y, name)
        return g.add(f"{name}.act", Activation(act), y)


def regnet_stages(depth: int, w0: int, wa: float, wm: float, gw: int, b: float = 1.0,
                  quantum: int = 8) -> list[tuple[int, int, int]]:
    """RegNet's quantized linear rule (Radosavovic et al. 2020, §3.3, eqs. 2–4) as torchvision
    evaluates it: block j < d gets the width u_j = w0 + wa·j, its exponent
    s_j = round(log(u_j/w0) / log wm) and the quantized width round(w0·wm^s_j / 8)·8; runs of
    equal widths are the stages.  Each stage's width is then made compatible with its group
    width (the bottleneck width int(w·b) rounded to a multiple of min(gw, int(w·b))).
    Returns ``(width, depth, group width)`` per stage."""
    if wm <= 1:
        raise ArchcalcError(f"the width multiplier wm must be greater than 1, got {wm}",
                            field="wm")
    widths = [round(w0 * wm ** round(math.log((w0 + wa * j) / w0) / math.log(wm)) / quantum)
              * quantum for j in range(depth)]
    stages = []
    for width, run in itertools.groupby(widths):
        inner = int(width * b)
        group = min(gw, inner)
        stages.append((int(make_divisible(inner, group) / b), len(list(run)), group))
    return stages


@block("regnet_stages")
@dataclass(frozen=True)
class RegNetStages:
    """A RegNet design-space point as the stages it generates (the paper's parameters: depth
    ``depth``, initial width ``w0``, slope ``wa``, multiplier ``wm``, group width ``gw``,
    bottleneck ratio ``b``, SE ratio ``se``): stage i is ``regnet`` blocks of the generated
    width and group width, stride 2 on its first block, named ``{name}{i}_``."""

    depth: int = param(REQUIRED)
    w0: int = param(REQUIRED)
    wa: float = param(REQUIRED, minimum=0)
    wm: float = param(REQUIRED)
    gw: int = param(REQUIRED)
    b: float = param(1.0)
    se: float = param(0.0, minimum=0)

    def stages(self):
        """``(block kind, params, repeats)`` per stage."""
        return [("regnet", {"out": width, "s": 2, "gw": group, "b": self.b, "se": self.se}, n)
                for width, n, group in regnet_stages(self.depth, self.w0, self.wa, self.wm,
                                                     self.gw, self.b)]


def norm_act_conv(g, x, name: str, ctx: Context, cout, k, act: str) -> str:
    """Pre-activation unit (DenseNet): BN → act → conv without bias."""
    y = x
    if ctx.norm == "bn":
        y = g.add(f"{name}.bn", BatchNorm2d(g.shape(x).c), y)
    y = g.add(f"{name}.act", Activation(act), y)
    return g.add(f"{name}.conv", Conv2d(g.shape(x).c, cout, k, 1, same_pad(k)), y)


@block("dense", "dense_layer")
@dataclass(frozen=True)
class DenseLayer:
    """DenseNet layer: BN-act-1×1 conv to ``bn_size``·``growth``, BN-act-3×3 conv to
    ``growth``, concatenated after the input."""

    growth: int = param(32, channels=True)
    bn_size: int = param(4)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        y = norm_act_conv(g, x, f"{name}.unit1", ctx, self.bn_size * self.growth, 1, act)
        y = norm_act_conv(g, y, f"{name}.unit2", ctx, self.growth, 3, act)
        return g.add(f"{name}.concat", Concat(), x, y)


@block("transition")
@dataclass(frozen=True)
class Transition:
    """DenseNet transition: BN-act-1×1 conv to ``out`` (default in/2), 2×2 average pool."""

    out: int | None = param(None, channels=True)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        out = g.shape(x).c // 2 if self.out is None else self.out
        y = norm_act_conv(g, x, f"{name}.unit", ctx, out, 1, self.act or ctx.act)
        return g.add(f"{name}.pool", Pool2d("avg", 2), y)


@block("fire")
@dataclass(frozen=True)
class Fire:
    """SqueezeNet fire module (the paper's names): 1×1 squeeze to ``s1x1`` + act, then 1×1
    and 3×3 expand convs to ``e1x1`` and ``e3x3`` channels + act, concatenated; conv biases."""

    s1x1: int = param(REQUIRED, channels=True)
    e1x1: int = param(REQUIRED, channels=True)
    e3x3: int = param(REQUIRED, channels=True)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        y = conv_unit(g, x, f"{name}.squeeze", ctx, self.s1x1, 1, act=act, bias=True)
        e1 = conv_unit(g, y, f"{name}.expand1x1", ctx, self.e1x1, 1, act=act, bias=True)
        e3 = conv_unit(g, y, f"{name}.expand3x3", ctx, self.e3x3, 3, act=act, bias=True)
        return g.add(f"{name}.concat", Concat(), e1, e3)


def block_fields(kind: str):
    """The parameter fields of block ``kind`` (canonical name), in declaration order."""
    return fields(BLOCKS[kind])


@block("inception", "inception_v1")
@dataclass(frozen=True)
class Inception:
    """GoogLeNet inception module (the paper's Table 1 columns): 1×1; 1×1 reduce → 3×3;
    1×1 reduce → ``k5``×``k5`` (5 in the paper, 3 in torchvision's port); 3×3 stride-1 max
    pool (ceil mode) → 1×1 pool projection; each conv + BN + act; the four concatenated."""

    c1x1: int = param(REQUIRED, channels=True)
    c3x3_reduce: int = param(REQUIRED, channels=True)
    c3x3: int = param(REQUIRED, channels=True)
    c5x5_reduce: int = param(REQUIRED, channels=True)
    c5x5: int = param(REQUIRED, channels=True)
    pool_proj: int = param(REQUIRED, channels=True)
    k5: int = param(5)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        b1 = conv_unit(g, x, f"{name}.branch1", ctx, self.c1x1, 1, act=act)
        b2 = conv_unit(g, x, f"{name}.branch2.reduce", ctx, self.c3x3_reduce, 1, act=act)
        b2 = conv_unit(g, b2, f"{name}.branch2.conv", ctx, self.c3x3, 3, act=act)
        b3 = conv_unit(g, x, f"{name}.branch3.reduce", ctx, self.c5x5_reduce, 1, act=act)
        b3 = conv_unit(g, b3, f"{name}.branch3.conv", ctx, self.c5x5, self.k5, act=act)
        b4 = g.add(f"{name}.branch4.pool", Pool2d("max", 3, 1, 1, ceil=True), x)
        b4 = conv_unit(g, b4, f"{name}.branch4.proj", ctx, self.pool_proj, 1, act=act)
        return g.add(f"{name}.concat", Concat(), b1, b2, b3, b4)


# ---- Inception v3 (Szegedy et al. 2016, Table 1 and Figures 5, 6, 7, 10), every conv without
# bias + BN + act ("BasicConv2d"), widths as torchvision builds them ----

def _chain(g, x, name: str, ctx: Context, act: str, *convs) -> str:
    """Convs in sequence, each ``(suffix, out, k, s, p)`` (``p`` None: "same" padding)."""
    for suffix, out, k, s, p in convs:
        x = conv_unit(g, x, f"{name}.{suffix}", ctx, out, k, s, act=act, p=p)
    return x


def _pool_branch(g, x, name: str, ctx: Context, act: str, out) -> str:
    """3×3 stride-1 average pool → 1×1 projection."""
    y = g.add(f"{name}.branch_pool.pool", Pool2d("avg", 3, 1, 1), x)
    return conv_unit(g, y, f"{name}.branch_pool", ctx, out, 1, act=act)


@block("inception_a")
@dataclass(frozen=True)
class InceptionA:
    """Inception v3 module of Figure 5 (35×35 grid): 1×1 (64); 1×1 (48) → 5×5 (64); 1×1 (64)
    → 3×3 (96) → 3×3 (96); 3×3 average pool → 1×1 (``pool``); concatenated.  (torchvision
    keeps a 5×5 where the paper's Figure 5 factorises it into two 3×3.)"""

    pool: int = param(REQUIRED)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        b1 = _chain(g, x, name, ctx, act, ("branch1x1", 64, 1, 1, None))
        b2 = _chain(g, x, name, ctx, act, ("branch5x5_1", 48, 1, 1, None),
                    ("branch5x5_2", 64, 5, 1, None))
        b3 = _chain(g, x, name, ctx, act, ("branch3x3dbl_1", 64, 1, 1, None),
                    ("branch3x3dbl_2", 96, 3, 1, None), ("branch3x3dbl_3", 96, 3, 1, None))
        b4 = _pool_branch(g, x, name, ctx, act, self.pool)
        return g.add(f"{name}.concat", Concat(), b1, b2, b3, b4)


@block("inception_b")
@dataclass(frozen=True)
class InceptionB:
    """Inception v3 grid reduction 35×35 → 17×17 (Figure 10): 3×3/2 (384); 1×1 (64) → 3×3
    (96) → 3×3/2 (96); 3×3/2 max pool; concatenated."""

    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        b1 = _chain(g, x, name, ctx, act, ("branch3x3", 384, 3, 2, 0))
        b2 = _chain(g, x, name, ctx, act, ("branch3x3dbl_1", 64, 1, 1, None),
                    ("branch3x3dbl_2", 96, 3, 1, None), ("branch3x3dbl_3", 96, 3, 2, 0))
        b3 = g.add(f"{name}.branch_pool", Pool2d("max", 3, 2), x)
        return g.add(f"{name}.concat", Concat(), b1, b2, b3)


@block("inception_c")
@dataclass(frozen=True)
class InceptionC:
    """Inception v3 module of Figure 6 (17×17 grid, n = 7): 1×1 (192); 1×1 (``c7``) → 1×7 →
    7×1 (192); 1×1 (``c7``) → 7×1 → 1×7 → 7×1 → 1×7 (192); 3×3 average pool → 1×1 (192);
    concatenated."""

    c7: int = param(REQUIRED)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act, c7 = self.act or ctx.act, self.c7
        b1 = _chain(g, x, name, ctx, act, ("branch1x1", 192, 1, 1, None))
        b2 = _chain(g, x, name, ctx, act, ("branch7x7_1", c7, 1, 1, None),
                    ("branch7x7_2", c7, (1, 7), 1, None), ("branch7x7_3", 192, (7, 1), 1, None))
        b3 = _chain(g, x, name, ctx, act, ("branch7x7dbl_1", c7, 1, 1, None),
                    ("branch7x7dbl_2", c7, (7, 1), 1, None), ("branch7x7dbl_3", c7, (1, 7), 1, None),
                    ("branch7x7dbl_4", c7, (7, 1), 1, None), ("branch7x7dbl_5", 192, (1, 7), 1, None))
        b4 = _pool_branch(g, x, name, ctx, act, 192)
        return g.add(f"{name}.concat", Concat(), b1, b2, b3, b4)


@block("inception_d")
@dataclass(frozen=True)
class InceptionD:
    """Inception v3 grid reduction 17×17 → 8×8 (Figure 10): 1×1 (192) → 3×3/2 (320); 1×1
    (192) → 1×7 → 7×1 → 3×3/2 (192); 3×3/2 max pool; concatenated."""

    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        b1 = _chain(g, x, name, ctx, act, ("branch3x3_1", 192, 1, 1, None),
                    ("branch3x3_2", 320, 3, 2, 0))
        b2 = _chain(g, x, name, ctx, act, ("branch7x7x3_1", 192, 1, 1, None),
                    ("branch7x7x3_2", 192, (1, 7), 1, None), ("branch7x7x3_3", 192, (7, 1), 1, None),
                    ("branch7x7x3_4", 192, 3, 2, 0))
        b3 = g.add(f"{name}.branch_pool", Pool2d("max", 3, 2), x)
        return g.add(f"{name}.concat", Concat(), b1, b2, b3)


@block("inception_e")
@dataclass(frozen=True)
class InceptionE:
    """Inception v3 module of Figure 7 (8×8 grid, expanded filter banks): 1×1 (320); 1×1
    (384) → [1×3, 3×1] (384 each); 1×1 (448) → 3×3 (384) → [1×3, 3×1] (384 each); 3×3 average
    pool → 1×1 (192); concatenated (2048 channels)."""

    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        b1 = _chain(g, x, name, ctx, act, ("branch1x1", 320, 1, 1, None))
        y = _chain(g, x, name, ctx, act, ("branch3x3_1", 384, 1, 1, None))
        b2 = [_chain(g, y, name, ctx, act, (f"branch3x3_2{s}", 384, k, 1, None))
              for s, k in (("a", (1, 3)), ("b", (3, 1)))]
        y = _chain(g, x, name, ctx, act, ("branch3x3dbl_1", 448, 1, 1, None),
                   ("branch3x3dbl_2", 384, 3, 1, None))
        b3 = [_chain(g, y, name, ctx, act, (f"branch3x3dbl_3{s}", 384, k, 1, None))
              for s, k in (("a", (1, 3)), ("b", (3, 1)))]
        b4 = _pool_branch(g, x, name, ctx, act, 192)
        return g.add(f"{name}.concat", Concat(), b1, *b2, *b3, b4)


@block("inception_aux")
@dataclass(frozen=True)
class InceptionAux:
    """Inception v3's auxiliary classifier on the 17×17 grid (§4, Figure 8): 5×5/3 average
    pool, 1×1 conv (128), 5×5 conv (768), global pool, linear to ``classes``.  It runs in
    training only: give its layer ``train_only: true``."""

    classes: int = param(1000)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        y = g.add(f"{name}.pool", Pool2d("avg", 5, 3), x)
        y = _chain(g, y, name, ctx, act, ("conv0", 128, 1, 1, None), ("conv1", 768, 5, 1, 0))
        y = g.add(f"{name}.avgpool", AdaptivePool2d(), y)
        return g.add(f"{name}.fc", Linear(g.shape(y).c, self.classes), y)
