"""Primitive operations and their shape inference.

Shapes are per sample (the batch size is applied by the cost engine).  A :class:`Shape` has a
feature dimension ``c`` and positions ``h × w``, read by its ``layout``:

* ``chw``: an image, channels first (torch ``N, C, H, W``), printed ``H×W×C``;
* ``hwc``: an image, channels last (``N, H, W, C``: ConvNeXt's MLP, Swin), printed ``H×W×C``;
* ``tokens``: a token sequence, ``h`` tokens of ``c`` features, ``w = 1`` (``N, T, D``),
  printed ``T×D``;
* ``heads``: ``w`` independent matrices of ``h × c`` (attention scores per head and window,
  ``N, w, h, c``), printed ``w×h×c``.

Every formula here is plain arithmetic, so a ``Shape`` may hold ints, NumPy arrays or SymPy
symbols; validation runs only on concrete ints.  Kernels, strides and dilations are an int or
an ``(h, w)`` pair; padding an int, ``(h, w)`` or ``(top, bottom, left, right)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .errors import ArchcalcError
from .limits import MAX_INT
from .num import ge, violated

ACTIVATIONS = ("relu", "relu6", "hswish", "hsigmoid", "swish", "sigmoid", "gelu", "gelu_tanh",
               "mish", "leaky_relu", "hardtanh", "tanh")


class Shape(NamedTuple):
    """Activation tensor of one sample: features ``c`` at ``h × w`` positions, in ``layout``."""

    c: object
    h: object
    w: object
    layout: str = "chw"

    @classmethod
    def tokens(cls, t, d) -> "Shape":
        return cls(d, t, 1, "tokens")

    @property
    def numel(self):
        return self.c * self.h * self.w

    @property
    def dims(self) -> tuple:
        """The dims in spec order: ``(H, W, C)`` for images, ``(T, D)`` for tokens."""
        layout = self.layout
        if layout == "tokens":
            return (self.h, self.c)
        return (self.w, self.h, self.c) if layout == "heads" else (self.h, self.w, self.c)

    @property
    def torch_dims(self) -> tuple:
        """The per-sample dims of the torch tensor, in memory order."""
        return (self.c, self.h, self.w) if self.layout == "chw" else self.dims

    def __str__(self) -> str:
        return "×".join(map(str, self.dims))


def _require(x: Shape, layouts: str, what: str) -> None:
    if x.layout not in layouts.split():
        raise ArchcalcError(f"{what} needs a {' or '.join(layouts.split())} tensor, got "
                            f"{x.layout} {x}")


def pair(v) -> tuple:
    """``(h, w)`` of an int or a pair."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def pads(p) -> tuple:
    """``(top, bottom, left, right)`` of an int, an ``(h, w)`` pair or a 4-tuple."""
    if not isinstance(p, (tuple, list)):
        return (p, p, p, p)
    return (p[0], p[0], p[1], p[1]) if len(p) == 2 else tuple(p)


def size_text(v) -> str:
    """``3x3``-style text of a kernel size."""
    h, w = pair(v)
    return f"{h}x{w}"


def conv_out_size(size, k, s, p0, p1, d, ceil=False):
    """Output side of a convolution or pooling window: PyTorch's floor rule, or its ceil mode
    (a last window that starts inside the end padding is dropped)."""
    span = size + p0 + p1 - d * (k - 1) - 1
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    return out - ge((out - 1) * s, size + p0)


@dataclass(frozen=True, slots=True)
class _Windowed:
    """Shared geometry of convolution and pooling windows."""

    def out_hw(self, x: Shape, ceil=False) -> tuple:
        (kh, kw), (sh, sw), (dh, dw) = pair(self.k), pair(self.stride), pair(self.d)
        top, bottom, left, right = pads(self.p)
        for side, k, d, p0, p1 in ((x.h, kh, dh, top, bottom), (x.w, kw, dw, left, right)):
            if violated(lambda: d * (k - 1) + 1 > side + p0 + p1, side, k, d, p0, p1):
                raise ArchcalcError(
                    f"{self.kind} kernel {size_text(self.k)} (extent {d * (k - 1) + 1}) is "
                    f"larger than the padded input {side}+{p0}+{p1}={side + p0 + p1}",
                    field="k")
        return (conv_out_size(x.h, kh, sh, top, bottom, dh, ceil),
                conv_out_size(x.w, kw, sw, left, right, dw, ceil))


def _check_channels(cin, cout, groups) -> None:
    """At least one channel in and out (torch has no empty convolution), divisible by groups."""
    if violated(lambda: (cin > MAX_INT) | (cout > MAX_INT), cin, cout):
        raise ArchcalcError(f"a convolution of in={cin}, out={cout} channels: at most "
                            f"{MAX_INT:,} (a documented limit)")
    if violated(lambda: (cin < 1) | (cout < 1), cin, cout):
        raise ArchcalcError(f"a convolution needs at least one channel in and out, got in={cin}, "
                            f"out={cout}")
    if violated(lambda: (cin % groups != 0) | (cout % groups != 0), cin, cout, groups):
        raise ArchcalcError(f"channels in={cin}, out={cout} are not divisible by groups={groups}",
                            field="g")


@dataclass(frozen=True, slots=True)
class Conv2d(_Windowed):
    """2-D convolution; ``groups == cin == cout`` is a depthwise convolution."""

    kind = "conv"

    cin: object
    cout: object
    k: object
    s: object = 1
    p: object = 0
    d: object = 1
    groups: object = 1
    bias: bool = False

    def __post_init__(self):
        _check_channels(self.cin, self.cout, self.groups)

    @property
    def stride(self):
        return self.s

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "conv")
        return Shape(self.cout, *self.out_hw(x))

    @property
    def depthwise(self) -> bool:
        return self.groups != 1 and self.groups == self.cin and self.cin == self.cout

    @property
    def category(self) -> str:
        if self.depthwise:
            return f"conv dw {size_text(self.k)}"
        return f"conv {size_text(self.k)}" + (f" g{self.groups}" if self.groups != 1 else "")


@dataclass(frozen=True, slots=True)
class ConvTranspose2d:
    """Transposed 2-D convolution: each input pixel scatters a ``k×k`` kernel into the
    output, ``out = (in − 1)·s − 2p + d·(k − 1) + output_padding + 1``."""

    kind = "conv_t"

    cin: object
    cout: object
    k: object
    s: object = 1
    p: object = 0
    out_pad: object = 0
    d: object = 1
    groups: object = 1
    bias: bool = False

    def __post_init__(self):
        _check_channels(self.cin, self.cout, self.groups)

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "transposed conv")
        (kh, kw), (sh, sw), (ph, pw), (oh, ow), (dh, dw) = map(
            pair, (self.k, self.s, self.p, self.out_pad, self.d))
        for o, s, d in ((oh, sh, dh), (ow, sw, dw)):
            if violated(lambda: (o >= s) & (o >= d), o, s, d):
                raise ArchcalcError(f"output padding {o} must be smaller than the stride {s} or "
                                    f"the dilation {d}", field="out_pad")
        out = Shape(self.cout, (x.h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1,
                    (x.w - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1)
        if violated(lambda: (out.h < 1) | (out.w < 1), out.h, out.w):
            raise ArchcalcError(f"transposed conv gives a non-positive output {out.h}×{out.w} "
                                f"(padding {self.p} too large)", field="p")
        return out

    @property
    def category(self) -> str:
        return f"conv transposed {size_text(self.k)}"


@dataclass(frozen=True, slots=True)
class BatchNorm2d:
    """Batch normalisation in inference form: per channel scale and shift; learned (affine)
    or not."""

    kind = "bn"

    c: object
    affine: bool = True
    category = "batch norm"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "batch norm")
        return x


@dataclass(frozen=True, slots=True)
class LayerNorm:
    """Layer normalisation over the feature dim ``c`` at each position, in any layout (on a
    ``chw`` image this is ConvNeXt's LayerNorm2d)."""

    kind = "ln"

    c: object
    affine: bool = True
    category = "layer norm"

    def out_shape(self, x: Shape) -> Shape:
        return x


@dataclass(frozen=True, slots=True)
class GroupNorm:
    """Group normalisation of a ``chw`` image: statistics per group of ``c/groups`` channels."""

    kind = "gn"

    groups: object
    c: object
    affine: bool = True
    category = "group norm"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "group norm")
        if violated(lambda: x.c % self.groups != 0, x.c, self.groups):
            raise ArchcalcError(f"{x.c} channels are not divisible by {self.groups} groups",
                                field="g")
        return x


@dataclass(frozen=True, slots=True)
class Activation:
    """Elementwise nonlinearity: one of :data:`ACTIVATIONS`."""

    kind = "act"

    fn: str

    def out_shape(self, x: Shape) -> Shape:
        return x

    @property
    def category(self) -> str:
        return self.fn


@dataclass(frozen=True, slots=True)
class Softmax:
    """Softmax over the feature dim ``c`` (the last dim: keys, for attention scores)."""

    kind = "softmax"

    category = "softmax"

    def out_shape(self, x: Shape) -> Shape:
        return x


@dataclass(frozen=True, slots=True)
class Linear:
    """Fully connected layer.  On a ``chw`` image it reads the flattened input (``c·h·w``
    features) and gives ``(out, 1, 1)``; on tokens and channels-last images it maps the
    feature dim at every position."""

    kind = "linear"

    fin: object
    fout: object
    bias: bool = True
    category = "fully connected"

    def out_shape(self, x: Shape) -> Shape:
        features = x.numel if x.layout == "chw" else x.c
        if violated(lambda: self.fin != features, self.fin, features):
            raise ArchcalcError(f"linear in_features {self.fin} do not match the input's "
                                f"{features} features ({x})", field="in_features")
        if x.layout == "chw":
            return Shape(self.fout, 1, 1)
        return Shape(self.fout, x.h, x.w, x.layout)


@dataclass(frozen=True, slots=True)
class MatMul:
    """Matrix product ``a @ b`` of token or per-head matrices (``h × c``; batched over ``w``)."""

    kind = "matmul"

    category = "matmul"

    def out_shape(self, a: Shape, b: Shape) -> Shape:
        _require(a, "tokens heads", "matmul")
        _require(b, "tokens heads", "matmul")
        if violated(lambda: (a.c != b.h) | (a.w != b.w), a.c, b.h, a.w, b.w):
            raise ArchcalcError(f"matmul of incompatible shapes {a} and {b}")
        return Shape(b.c, a.h, a.w, a.layout)


def _attention_groups(x: Shape, heads, window):
    """(tokens per attention group, matrices) of multi-head attention on ``x``: all tokens
    (global attention, ``window=None``) or ``window×window`` windows of a channels-last image."""
    if violated(lambda: (x.c % 3 != 0) | (x.c // 3 % heads != 0), x.c, heads):
        raise ArchcalcError(f"qkv features {x.c} are not 3 × a multiple of {heads} heads",
                            field="heads")
    if window is None:
        _require(x, "tokens hwc", "attention")
        return x.h * x.w, heads
    _require(x, "hwc", "window attention")
    if violated(lambda: (x.h % window != 0) | (x.w % window != 0), x.h, x.w, window):
        raise ArchcalcError(f"{x} is not a whole number of {window}×{window} windows")
    return window * window, heads * (x.h // window) * (x.w // window)


def attention_macs(scores: Shape, qkv: Shape, heads):
    """QKᵀ or AV multiply-accumulates: one head-dim dot product per score."""
    return scores.numel * (qkv.c // 3 // heads)


@dataclass(frozen=True, slots=True)
class AttnScores:
    """Multi-head attention scores ``QKᵀ/√d`` from a fused ``qkv`` tensor (``3·D``
    features): global over the tokens, or in ``window×window`` windows (Swin) with a learned
    relative-position bias table (``rel_bias``) and the shifted-window mask (``masked``)."""

    kind = "attn_scores"

    heads: object
    window: object = None
    rel_bias: bool = False
    masked: bool = False

    def __post_init__(self):
        if self.rel_bias and self.window is None:
            raise ArchcalcError("a relative-position bias needs a window", field="rel_bias")

    def out_shape(self, qkv: Shape) -> Shape:
        t, groups = _attention_groups(qkv, self.heads, self.window)
        return Shape(t, t, groups, "heads")

    @property
    def category(self) -> str:
        return "attention QKᵀ" + ("" if self.window is None else f" {self.window}x{self.window} window")


@dataclass(frozen=True, slots=True)
class AttnValues:
    """Attention output ``softmax(scores) @ V`` (V from the fused ``qkv`` tensor), heads
    merged back into ``D`` features in ``qkv``'s layout."""

    kind = "attn_values"

    heads: object
    window: object = None

    def out_shape(self, probs: Shape, qkv: Shape) -> Shape:
        t, groups = _attention_groups(qkv, self.heads, self.window)
        if violated(lambda: (probs.c != t) | (probs.w != groups), probs.c, probs.w, t, groups):
            raise ArchcalcError(f"attention probabilities {probs} do not match {qkv}")
        return qkv._replace(c=qkv.c // 3)

    @property
    def category(self) -> str:
        return "attention AV" + ("" if self.window is None else f" {self.window}x{self.window} window")


@dataclass(frozen=True, slots=True)
class WindowShift:
    """Swin's window preparation on a channels-last image: zero-pad ``h×w`` up to whole
    ``window×window`` windows and roll by ``−shift``; with ``crop`` set to the original
    ``(h, w)``, the reverse: roll by ``+shift`` and crop.  Data movement only."""

    kind = "window_shift"

    window: object
    shift: object = 0
    crop: tuple | None = None
    category = "window shift"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "hwc", "window shift")
        if self.crop is not None:
            return x._replace(h=self.crop[0], w=self.crop[1])
        return x._replace(h=-(-x.h // self.window) * self.window,
                          w=-(-x.w // self.window) * self.window)


@dataclass(frozen=True, slots=True)
class Pool2d(_Windowed):
    """Average or max pooling over ``k×k`` windows (stride defaults to ``k``); ``ceil`` is
    PyTorch's ``ceil_mode``.  As in PyTorch, padding is at most half the kernel per side.
    Ceil mode with asymmetric padding is refused: PyTorch has no such pooling (its ceil rule
    reads a symmetric padding), so no module could confirm either reading of it."""

    kind = "pool"

    mode: str = "avg"
    k: object = 2
    s: object = None
    p: object = 0
    ceil: bool = False
    d = 1

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "pooling")
        top, bottom, left, right = pads(self.p)
        kh, kw = pair(self.k)
        sides = (kh, kw, top, bottom, left, right)
        if violated(lambda: (top > kh // 2) | (bottom > kh // 2) | (left > kw // 2)
                    | (right > kw // 2), *sides):
            raise ArchcalcError(f"pooling padding {self.p} exceeds half the kernel "
                                f"{size_text(self.k)}", field="p")
        if self.ceil and violated(lambda: (top != bottom) | (left != right), *sides):
            raise ArchcalcError(f"ceil mode needs symmetric padding, got {self.p}",
                                field="ceil")
        return Shape(x.c, *self.out_hw(x, self.ceil))

    @property
    def stride(self):
        return self.k if self.s is None else self.s

    @property
    def category(self) -> str:
        return f"{self.mode} pool"


@dataclass(frozen=True, slots=True)
class AdaptivePool2d:
    """Adaptive average or max pooling to an ``out`` (int or ``(h, w)``) grid; ``avg`` to 1 is
    global average pooling.  Output cell ``i`` of ``n`` reads input rows
    ``⌊i·H/n⌋ … ⌈(i+1)·H/n⌉``.  ``mean``: global average pooling written ``x.mean((2, 3))``
    (the same arithmetic; some counters see only the pooling form)."""

    kind = "pool"

    mode: str = "avg"
    out: object = 1
    mean: bool = False

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "adaptive pooling")
        if self.mean and (self.mode != "avg" or pair(self.out) != (1, 1)):
            raise ArchcalcError("mean is global average pooling: type avg, out 1", field="mean")
        return Shape(x.c, *pair(self.out))

    @property
    def category(self) -> str:
        if self.mode == "avg" and pair(self.out) == (1, 1):
            return "global avg pool"
        return f"adaptive {self.mode} pool"


@dataclass(frozen=True, slots=True)
class Upsample:
    """Upsampling by an integer ``scale``: ``nearest`` (copies) or ``bilinear``."""

    kind = "upsample"

    scale: object = 2
    mode: str = "nearest"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "upsampling")
        return Shape(x.c, x.h * self.scale, x.w * self.scale)

    @property
    def category(self) -> str:
        return f"upsample {self.mode}"


@dataclass(frozen=True, slots=True)
class Add:
    """Elementwise sum of two equal shapes (the residual connection)."""

    kind = "add"

    category = "add"

    def out_shape(self, a: Shape, b: Shape) -> Shape:
        if a.layout != b.layout or violated(
                lambda: (a.c != b.c) | (a.h != b.h) | (a.w != b.w), *a[:3], *b[:3]):
            raise ArchcalcError(f"residual add of mismatched shapes {a} and {b}")
        return a


@dataclass(frozen=True, slots=True)
class Scale:
    """Channel-wise product ``x · gate`` with a ``(c, 1, 1)`` gate (squeeze-excite)."""

    kind = "mul"

    category = "mul"

    def out_shape(self, x: Shape, gate: Shape) -> Shape:
        _require(x, "chw", "channel scaling")
        _require(gate, "chw", "a channel-scaling gate")
        if violated(lambda: (gate.c != x.c) | (((gate.h != x.h) | (gate.w != x.w))
                                              & ((gate.h != 1) | (gate.w != 1))),
                    *x[:3], *gate[:3]):
            raise ArchcalcError(f"the gate {gate} scaling {x} must be 1×1×{x.c} or {x}",
                                field="other")
        return x


@dataclass(frozen=True, slots=True)
class Unused:
    """Parameters a model holds but its forward pass never uses (``params`` scalars): kept so
    the params total is ``sum(p.numel())``; an identity on its input, costing nothing."""

    kind = "unused"

    params: object
    category = "unused parameters"

    def out_shape(self, x: Shape) -> Shape:
        return x


ARITH = ("add", "sub", "rsub", "mul", "div", "pow")


@dataclass(frozen=True, slots=True)
class Arith:
    """Elementwise arithmetic with a constant: ``x + value`` (``add``), ``x − value``,
    ``value − x`` (``rsub``), ``x · value``, ``x / value``, ``x ** value``; the hand-written
    hard-swish ``x · relu6(x + 3) / 6`` is two of them and a product."""

    kind = "arith"

    fn: str
    value: float = 1.0

    def out_shape(self, x: Shape) -> Shape:
        return x

    @property
    def category(self) -> str:
        return f"{self.fn} constant"


@dataclass(frozen=True, slots=True)
class LayerScale:
    """A learned per-channel multiplier (ConvNeXt's layer scale): ``c`` parameters."""

    kind = "layer_scale"

    c: object
    category = "layer scale"

    def out_shape(self, x: Shape) -> Shape:
        return x


@dataclass(frozen=True, slots=True)
class Concat:
    """Concatenation of any number of tensors along the feature dim ``c`` (channels)."""

    kind = "concat"

    category = "concat"

    def out_shape(self, *xs: Shape) -> Shape:
        first = xs[0]
        for x in xs[1:]:
            if x.layout != first.layout or violated(
                    lambda: (x.h != first.h) | (x.w != first.w), x.h, x.w, first.h, first.w):
                raise ArchcalcError(f"concat of mismatched shapes {first} and {x}")
        return first._replace(c=sum(x.c for x in xs[1:]) + first.c)


@dataclass(frozen=True, slots=True)
class ChannelSplit:
    """Take channel half ``half`` (0 or 1) of the input: a view, no data moves."""

    kind = "split"

    half: int
    category = "split"
    view = True

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "channel split")
        if violated(lambda: x.c % 2 != 0, x.c):
            raise ArchcalcError(f"channel split needs an even channel count, got {x.c}")
        return Shape(x.c // 2, x.h, x.w)


@dataclass(frozen=True, slots=True)
class ChannelShuffle:
    """ShuffleNet's channel shuffle with ``groups`` groups: a copy, no arithmetic."""

    kind = "shuffle"

    groups: int
    category = "shuffle"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "chw", "channel shuffle")
        return x


@dataclass(frozen=True, slots=True)
class Permute:
    """Layout change, a copy: ``hwc`` (channels last) and ``chw`` both ways, or ``tokens``
    from a ``chw`` image (ViT's flatten of the patch grid)."""

    kind = "permute"

    to: str

    def out_shape(self, x: Shape) -> Shape:
        source = {"hwc": "chw", "chw": "hwc", "tokens": "chw"}[self.to]
        _require(x, source, f"permute to {self.to}")
        if self.to == "tokens":
            return Shape.tokens(x.h * x.w, x.c)
        return x._replace(layout=self.to)

    @property
    def category(self) -> str:
        return f"permute to {self.to}"


@dataclass(frozen=True, slots=True)
class PatchMerge:
    """Swin's patch merging on a channels-last image: each 2×2 neighbourhood (zero-padded to
    even sides) concatenated into ``4·c`` features.  Data movement only."""

    kind = "patch_merge"

    category = "patch merge"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "hwc", "patch merging")
        return Shape(4 * x.c, -(-x.h // 2), -(-x.w // 2), "hwc")


@dataclass(frozen=True, slots=True)
class ClassToken:
    """A learned class token (``d`` parameters) prepended to the token sequence."""

    kind = "cls_token"

    d: object
    category = "class token"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "tokens", "class token")
        return Shape.tokens(x.h + 1, x.c)


@dataclass(frozen=True, slots=True)
class PosEmbed:
    """A learned position embedding (``t·d`` parameters) added to the tokens."""

    kind = "pos_embed"

    t: object
    d: object
    category = "position embedding"

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "tokens", "position embedding")
        return x


@dataclass(frozen=True, slots=True)
class TokenSelect:
    """Token ``index`` of the sequence (ViT's class token read-out): a view."""

    kind = "token"

    index: int = 0
    category = "token select"
    view = True

    def out_shape(self, x: Shape) -> Shape:
        _require(x, "tokens", "token select")
        if violated(lambda: self.index >= x.h, self.index, x.h):
            raise ArchcalcError(f"token index {self.index} is out of range for {x.h} tokens",
                                field="index")
        return Shape.tokens(1, x.c)


@dataclass(frozen=True, slots=True)
class Identity:
    """Dropout or stochastic depth: the identity at inference (a view, zero cost)."""

    kind = "identity"

    what: str = "dropout"
    view = True

    def out_shape(self, x: Shape) -> Shape:
        return x

    @property
    def category(self) -> str:
        return self.what


@dataclass(frozen=True, slots=True)
class GradientSum:
    """Not a layer: in the backward pass, the sum of the gradients a tensor read by
    ``readers`` layers receives (autograd adds them before the tensor's producer runs its
    backward).  Costed only by the conventions' backward rules."""

    kind = "grad_sum"

    readers: object
    category = "gradient sum"


OPS = (Conv2d, ConvTranspose2d, BatchNorm2d, LayerNorm, GroupNorm, Activation, Softmax, Linear,
       MatMul, AttnScores, AttnValues, WindowShift, Pool2d, AdaptivePool2d, Upsample, Add, Scale,
       Arith, Unused, LayerScale, Concat, ChannelSplit, ChannelShuffle, Permute, PatchMerge, ClassToken,
       PosEmbed, TokenSelect, Identity)


def is_view(op) -> bool:
    """True for ops that only reinterpret memory (no bytes move)."""
    return getattr(op, "view", False)
