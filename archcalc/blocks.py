"""The block library: each block expands into primitive ops on a :class:`GraphBuilder`.

A block is a frozen dataclass whose fields are its spec parameters (the spec parser reads
their types and metadata to validate input), registered under a short name and aliases.
Conventions shared by all blocks: conv → BN → activation (BN dropped with ``norm: none``,
folded into a conv bias with ``fold_bn``), "same"-style padding ``d·((k−1)//2)``, activation
``None`` meaning the spec's default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .errors import ArchcalcError
from .ir import GraphBuilder
from .num import is_concrete, scale_channels
from .ops import (ACTIVATIONS, Activation, Add, BatchNorm2d, ChannelShuffle, ChannelSplit, Concat,
                  Conv2d, Linear, Pool2d, Scale)

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


def conv_unit(g: GraphBuilder, x: str, name: str, ctx: Context, cout, k, s=1, d=1, groups=1,
              act="none", p=None, bias=False) -> str:
    """conv → BN → activation, the unit every block is built from."""
    pad = d * ((k - 1) // 2) if p is None else p
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
    y = g.add(f"{name}.pool", Pool2d(), x)
    y = g.add(f"{name}.fc1", Conv2d(c, squeeze, 1, bias=True), y)
    y = g.add(f"{name}.act", Activation(act), y)
    y = g.add(f"{name}.fc2", Conv2d(squeeze, c, 1, bias=True), y)
    y = g.add(f"{name}.gate", Activation(gate), y)
    return g.add(f"{name}.scale", Scale(), x, y)


def residual(g: GraphBuilder, x: str, y: str, name: str) -> str:
    return g.add(f"{name}.add", Add(), x, y)


def _same(a, b) -> bool:
    return is_concrete(a, b) and a == b


@block("conv", "standard", "convolution")
@dataclass(frozen=True)
class StandardConv:
    """k×k convolution (optionally grouped) + BN + activation."""

    out: int = param(REQUIRED, channels=True)
    k: int = param(3)
    s: int = param(1)
    d: int = param(1)
    g: int = param(1)
    p: int | None = param(None, minimum=0)
    bias: bool = param(False)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        return conv_unit(g, x, name, ctx, self.out, self.k, self.s, self.d, self.g,
                         self.act or ctx.act, self.p, self.bias)


@block("dw", "depthwise")
@dataclass(frozen=True)
class Depthwise:
    """k×k depthwise convolution (groups = channels) + BN + activation."""

    k: int = param(3)
    s: int = param(1)
    d: int = param(1)
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
    k: int = param(3)
    s: int = param(1)
    d: int = param(1)
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
        if not _same(hidden, cin):
            y = conv_unit(g, y, f"{name}.expand", ctx, hidden, 1, act=act)
        y = conv_unit(g, y, f"{name}.dw", ctx, hidden, self.k, self.s, self.d, hidden, act)
        if self.se:
            base = hidden if self.se_of == "expanded" else cin
            squeeze = scale_channels(base, self.se, self.se_divisor)
            y = squeeze_excite(g, y, f"{name}.se", squeeze, self.se_act, self.se_gate)
        y = conv_unit(g, y, f"{name}.project", ctx, self.out, 1)
        if _same(self.s, 1) and _same(cin, self.out):
            y = residual(g, x, y, name)
        return y


def _expanded(cin, t):
    """Expanded channels ``round(t·in)``; symbolic and integer ``t`` stay exact."""
    if is_concrete(cin) and not is_concrete(t):
        return int(round(cin * t))
    return cin * t


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
    if _same(s, 1) and _same(g.shape(x).c, out):
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
    """ResNet v1.5 bottleneck: 1×1 to ``mid`` (default out/4), 3×3 with the stride, 1×1 to
    ``out``; each + BN, act after the first two; shortcut, add, act."""

    out: int = param(REQUIRED, channels=True)
    mid: int | None = param(None, channels=True)
    s: int = param(1)
    act: str | None = param(None, choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        act = self.act or ctx.act
        mid = self.out // 4 if self.mid is None else self.mid
        y = conv_unit(g, x, f"{name}.conv1", ctx, mid, 1, act=act)
        y = conv_unit(g, y, f"{name}.conv2", ctx, mid, 3, self.s, act=act)
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
        half = self.out // 2
        if _same(self.s, 1):
            if is_concrete(cin, self.out) and cin != self.out:
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


@block("linear", "fc", "dense")
@dataclass(frozen=True)
class FullyConnected:
    """Fully connected layer on the flattened input, optional activation (default none)."""

    out: int = param(REQUIRED, channels=True)
    bias: bool = param(True)
    act: str = param("none", choices=ACT_CHOICES)

    def expand(self, g, x, name, ctx):
        s = g.shape(x)
        y = g.add(f"{name}.fc", Linear(s.c * s.h * s.w, self.out, self.bias), x)
        return y if self.act == "none" else g.add(f"{name}.act", Activation(self.act), y)


@block("pool")
@dataclass(frozen=True)
class Pool:
    """Pooling: ``global`` average (default), or ``avg``/``max`` over k×k windows."""

    type: str = param("global", choices=("global", "avg", "max"))
    k: int | None = param(None)
    s: int | None = param(None)
    p: int = param(0, minimum=0)

    def expand(self, g, x, name, ctx):
        if self.type == "global":
            return g.add(f"{name}.pool", Pool2d(), x)
        if self.k is None:
            raise ArchcalcError(f"{self.type} pooling needs a kernel size k", field="k")
        return g.add(f"{name}.pool", Pool2d(self.type, self.k, self.s, self.p), x)


@block("bn", "batch_norm")
@dataclass(frozen=True)
class BatchNorm:
    """A lone batch norm (for specs written op by op, e.g. by ``archcalc inspect``)."""

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.bn", BatchNorm2d(g.shape(x).c), x)


@block("act", "activation")
@dataclass(frozen=True)
class Act:
    """A lone activation."""

    fn: str = param(REQUIRED, choices=ACTIVATIONS)

    def expand(self, g, x, name, ctx):
        return g.add(f"{name}.act", Activation(self.fn), x)


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


@block("concat")
@dataclass(frozen=True)
class ConcatLayer(_Binary):
    """Channel concatenation: the layer named ``other`` first, then this layer's input."""

    op, suffix = Concat, "concat"


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


def block_fields(kind: str):
    """The parameter fields of block ``kind`` (canonical name), in declaration order."""
    return fields(BLOCKS[kind])
