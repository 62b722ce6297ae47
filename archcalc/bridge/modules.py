"""Build a ``torch.nn.Module`` from the IR, one leaf module per IR node.

Module paths equal node names (``ir3.expand.conv``), so each archcalc layer maps to exactly
one module; blocks become plain container modules.  One builder per op type (``BUILDERS``)
gives the leaf module; tensors follow the op's layout (``chw``: N,C,H,W; ``hwc``: N,H,W,C;
``tokens``: N,T,D; ``heads``: N,w,h,c).  The model is returned in eval mode.
"""

from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ArchcalcError
from ..ir import INPUT, Network
from ..ops import (Activation, AdaptivePool2d, Add, Arith, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GroupNorm, Identity, LayerNorm, Unused, LayerScale, Linear, MatMul, PatchMerge,
                   Permute, Pool2d, PosEmbed, Scale, Softmax, TokenSelect, Upsample, WindowShift,
                   pads, pair)
from ..registry import Registry

BUILDERS = Registry("torch builder")
builder = BUILDERS.register

ACTIVATION_MODULES = {
    "relu": nn.ReLU, "relu6": nn.ReLU6, "hswish": nn.Hardswish, "hsigmoid": nn.Hardsigmoid,
    "swish": nn.SiLU, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"), "mish": nn.Mish,
    "leaky_relu": nn.LeakyReLU, "hardtanh": nn.Hardtanh, "tanh": nn.Tanh}


def dense(fin: int, fout: int, bias: bool) -> nn.Sequential:
    """``nn.Linear`` on the flattened image, output kept 4-D as ``(N, out, 1, 1)``: standard
    modules only, so counters that match module types exactly (thop, ptflops) see the
    ``nn.Linear`` as they do in torchvision's classifiers."""
    return nn.Sequential(nn.Flatten(1), nn.Linear(fin, fout, bias), nn.Unflatten(1, (fout, 1, 1)))


class PaddedConv2d(nn.Conv2d):
    """``nn.Conv2d`` after asymmetric zero padding ``(top, bottom, left, right)``."""

    def __init__(self, *args, sides, **kwargs):
        super().__init__(*args, padding=0, **kwargs)
        self.sides = sides

    def forward(self, x):
        top, bottom, left, right = self.sides
        return super().forward(F.pad(x, (left, right, top, bottom)))


class PaddedPool2d(nn.Module):
    """Max or average pooling after asymmetric padding (``-inf`` for max, zeros for avg)."""

    def __init__(self, pool: nn.Module, sides, fill: float):
        super().__init__()
        self.pool, self.sides, self.fill = pool, sides, fill

    def forward(self, x):
        top, bottom, left, right = self.sides
        return self.pool(F.pad(x, (left, right, top, bottom), value=self.fill))


class Binary(nn.Module):
    """Residual add and squeeze-excite scaling as models write them (``a + b``, ``a * b``),
    and ``torch.matmul``."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, a, b):
        return self.fn(a, b)


class ScalarArith(nn.Module):
    """``x`` with a constant, written as models write it (``x + 3.``, ``x / 6.``)."""

    FORMS = {"add": lambda x, v: x + v, "sub": lambda x, v: x - v, "rsub": lambda x, v: v - x,
             "mul": lambda x, v: x * v, "div": lambda x, v: x / v, "pow": lambda x, v: x ** v}

    def __init__(self, fn: str, value: float):
        super().__init__()
        self.fn, self.value = fn, value

    def forward(self, x):
        return self.FORMS[self.fn](x, self.value)


class UnusedParameters(nn.Module):
    """Parameters the forward never uses; an identity."""

    def __init__(self, n: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n))

    def forward(self, x):
        return x


class GlobalMean(nn.Module):
    """Global average pooling as models often write it: ``x.mean((2, 3), keepdim=True)``."""

    def forward(self, x):
        return x.mean((2, 3), keepdim=True)


class ConcatFeatures(nn.Module):
    """Concatenation along the feature dim (1 for ``chw``, the last otherwise)."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, *xs):
        return torch.cat(xs, dim=self.dim)


class SplitChannels(nn.Module):
    """Half ``half`` of the channels (a view)."""

    def __init__(self, half: int):
        super().__init__()
        self.half = half

    def forward(self, x):
        return x.chunk(2, dim=1)[self.half]


class ShuffleChannels(nn.Module):
    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class LayerNorm2d(nn.LayerNorm):
    """Layer norm over the channels of an ``N, C, H, W`` image (ConvNeXt's)."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class LayerScaleModule(nn.Module):
    """Learned per-channel multiplier on the feature dim ``dim``."""

    def __init__(self, c: int, chw: bool):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones((c, 1, 1) if chw else (c,)))

    def forward(self, x):
        return x * self.gamma


class PermuteLayout(nn.Module):
    def __init__(self, to: str):
        super().__init__()
        self.to = to

    def forward(self, x):
        if self.to == "tokens":
            return x.flatten(2).transpose(1, 2).contiguous()
        return x.permute(*((0, 2, 3, 1) if self.to == "hwc" else (0, 3, 1, 2))).contiguous()


class MergePatches(nn.Module):
    """2×2 neighbourhoods of ``N, H, W, C`` (zero-padded to even sides) into ``4·C``."""

    def forward(self, x):
        h, w = x.shape[1:3]
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        return torch.cat([x[:, i::2, j::2] for j in (0, 1) for i in (0, 1)], -1)


class ClassTokenModule(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, d))

    def forward(self, x):
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=1)


class PosEmbedModule(nn.Module):
    def __init__(self, t: int, d: int):
        super().__init__()
        self.embedding = nn.Parameter(torch.zeros(1, t, d))

    def forward(self, x):
        return x + self.embedding


class SelectToken(nn.Module):
    def __init__(self, index: int):
        super().__init__()
        self.index = index

    def forward(self, x):
        return x[:, self.index:self.index + 1]


class ShiftWindows(nn.Module):
    """Swin's pad-and-roll (or, with ``crop``, roll back and crop) of ``N, H, W, C``."""

    def __init__(self, window: int, shift, crop):
        super().__init__()
        self.window, self.shift, self.crop = window, tuple(shift), crop

    def forward(self, x):
        if self.crop is not None:
            return torch.roll(x, self.shift, (1, 2))[:, :self.crop[0], :self.crop[1]].contiguous()
        h, w = x.shape[1:3]
        x = F.pad(x, (0, 0, 0, -w % self.window, 0, -h % self.window))
        return torch.roll(x, (-self.shift[0], -self.shift[1]), (1, 2))


def _heads(qkv, part: int, heads: int, window):
    """Query, key or value of a fused qkv tensor as ``(N·windows, heads, tokens, head_dim)``."""
    if window is not None:
        n, h, w, c = qkv.shape
        qkv = qkv.view(n, h // window, window, w // window, window, c).permute(0, 1, 3, 2, 4, 5)
        qkv = qkv.reshape(-1, window * window, c)
    n, t, c = qkv.shape
    return qkv.view(n, t, 3, heads, c // 3 // heads)[:, :, part].transpose(1, 2)


class AttentionScores(nn.Module):
    """``q·kᵀ`` with ``q`` scaled by ``1/√d``, plus the relative-position bias (a learned table
    of ``(2·window − 1)²·heads``) and the shifted-window mask (zeros here: its values change
    no count)."""

    def __init__(self, heads: int, window, rel_bias: bool, masked: bool, head_dim: int):
        super().__init__()
        self.heads, self.window, self.masked = heads, window, masked
        self.scale = head_dim ** -0.5
        self.table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads)) if rel_bias else None
        if rel_bias:
            coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window),
                                                indexing="ij")).flatten(1)
            rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + window - 1
            self.register_buffer("index", rel[..., 0] * (2 * window - 1) + rel[..., 1])

    def forward(self, qkv):
        q = _heads(qkv, 0, self.heads, self.window)
        q = q * self.scale
        scores = q.matmul(_heads(qkv, 1, self.heads, self.window).transpose(-2, -1))
        if self.table is not None:
            scores = scores + self.table[self.index].permute(2, 0, 1)
        if self.masked:
            scores = scores + torch.zeros_like(scores[:1])
        return scores.reshape(qkv.shape[0], -1, *scores.shape[-2:])


class AttentionValues(nn.Module):
    """``probabilities @ v``, heads merged back and windows reversed into ``qkv``'s layout."""

    def __init__(self, heads: int, window):
        super().__init__()
        self.heads, self.window = heads, window

    def forward(self, probs, qkv):
        v = _heads(qkv, 2, self.heads, self.window)
        out = probs.reshape(v.shape[0], self.heads, *probs.shape[-2:]).matmul(v)
        out = out.transpose(1, 2).flatten(2)
        if self.window is None:
            return out
        n, h, w = qkv.shape[:3]
        win = self.window
        out = out.view(n, h // win, w // win, win, win, -1).permute(0, 1, 3, 2, 4, 5)
        return out.reshape(n, h, w, -1)


def _feature_dim(layout: str) -> int:
    return 1 if layout == "chw" else -1


@builder(Conv2d)
def _conv(op: Conv2d, node):
    sides = pads(op.p)
    if (sides[0], sides[2]) != (sides[1], sides[3]):
        return PaddedConv2d(op.cin, op.cout, pair(op.k), pair(op.s), dilation=pair(op.d),
                            groups=op.groups, bias=op.bias, sides=sides)
    return nn.Conv2d(op.cin, op.cout, pair(op.k), pair(op.s), (sides[0], sides[2]),
                     pair(op.d), op.groups, op.bias)


@builder(ConvTranspose2d)
def _conv_t(op: ConvTranspose2d, node):
    return nn.ConvTranspose2d(op.cin, op.cout, pair(op.k), pair(op.s), pair(op.p),
                              pair(op.out_pad), op.groups, op.bias, pair(op.d))


@builder(BatchNorm2d)
def _bn(op: BatchNorm2d, node):
    return nn.BatchNorm2d(op.c, affine=op.affine)


@builder(LayerNorm)
def _ln(op: LayerNorm, node):
    cls = LayerNorm2d if node.out_shape.layout == "chw" else nn.LayerNorm
    return cls(op.c, elementwise_affine=op.affine)


@builder(GroupNorm)
def _gn(op: GroupNorm, node):
    return nn.GroupNorm(op.groups, op.c, affine=op.affine)


@builder(Activation)
def _act(op: Activation, node):
    return ACTIVATION_MODULES[op.fn]()


@builder(Softmax)
def _softmax(op, node):
    return nn.Softmax(dim=_feature_dim(node.out_shape.layout))


@builder(Linear)
def _linear(op: Linear, node):
    return (dense if node.in_shapes[0].layout == "chw" else nn.Linear)(op.fin, op.fout, op.bias)


@builder(Pool2d)
def _pool(op: Pool2d, node):
    sides = pads(op.p)
    cls = nn.MaxPool2d if op.mode == "max" else nn.AvgPool2d
    if (sides[0], sides[2]) == (sides[1], sides[3]):
        return cls(pair(op.k), pair(op.stride), (sides[0], sides[2]), ceil_mode=op.ceil)
    return PaddedPool2d(cls(pair(op.k), pair(op.stride), ceil_mode=op.ceil), sides,
                        float("-inf") if op.mode == "max" else 0.0)


@builder(AdaptivePool2d)
def _adaptive_pool(op: AdaptivePool2d, node):
    if op.mean:
        return GlobalMean()
    cls = nn.AdaptiveMaxPool2d if op.mode == "max" else nn.AdaptiveAvgPool2d
    return cls(pair(op.out))


@builder(Upsample)
def _upsample(op: Upsample, node):
    return nn.Upsample(scale_factor=op.scale, mode=op.mode)


@builder(Add, Scale, MatMul)
def _binary(op, node):
    return Binary({Add: operator.add, Scale: operator.mul, MatMul: torch.matmul}[type(op)])


@builder(Arith)
def _arith(op: Arith, node):
    return ScalarArith(op.fn, op.value)


@builder(Unused)
def _unused(op: Unused, node):
    return UnusedParameters(op.params)


@builder(Concat)
def _concat(op, node):
    return ConcatFeatures(_feature_dim(node.out_shape.layout))


@builder(AttnScores)
def _scores(op: AttnScores, node):
    return AttentionScores(op.heads, op.window, op.rel_bias, op.masked,
                           node.in_shapes[0].c // 3 // op.heads)


@builder(AttnValues)
def _values(op: AttnValues, node):
    return AttentionValues(op.heads, op.window)


@builder(WindowShift)
def _window_shift(op: WindowShift, node):
    return ShiftWindows(op.window, pair(op.shift), op.crop)


@builder(LayerScale)
def _layer_scale(op: LayerScale, node):
    return LayerScaleModule(op.c, node.out_shape.layout == "chw")


@builder(ChannelSplit)
def _split(op: ChannelSplit, node):
    return SplitChannels(op.half)


@builder(ChannelShuffle)
def _shuffle(op: ChannelShuffle, node):
    return ShuffleChannels(op.groups)


@builder(Permute)
def _permute(op: Permute, node):
    return PermuteLayout(op.to)


@builder(PatchMerge)
def _merge(op, node):
    return MergePatches()


@builder(ClassToken)
def _cls(op: ClassToken, node):
    return ClassTokenModule(op.d)


@builder(PosEmbed)
def _pos(op: PosEmbed, node):
    return PosEmbedModule(op.t, op.d)


@builder(TokenSelect)
def _token(op: TokenSelect, node):
    return SelectToken(op.index)


@builder(Identity)
def _identity(op, node):
    return nn.Identity()


def one_line(exc: Exception) -> str:
    """``Type: first line of the message`` of a torch exception."""
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"


class SpecModule(nn.Module):
    """Runs the IR's nodes in order; ``self.<block>.<...>.<leaf>`` holds each node's module.
    Training-only nodes (an auxiliary classifier) hold their parameters but run only in
    training mode, as torchvision's Inception3 runs its ``AuxLogits``."""

    def __init__(self, net: Network):
        super().__init__()
        self.wiring: list[tuple[str, tuple[str, ...], bool]] = []
        for node in net.nodes:
            parent = self
            *path, leaf = node.name.split(".")
            for part in path:
                if not hasattr(parent, part):
                    parent.add_module(part, nn.Module())
                parent = getattr(parent, part)
            try:
                module = BUILDERS(node.op, node)
            except Exception as exc:  # noqa: BLE001 - torch may raise anything; say it in one line
                raise ArchcalcError(f"torch cannot build layer {node.name}: "
                                    f"{one_line(exc)}") from None
            parent.add_module(leaf, module)
            self.wiring.append((node.name, node.inputs, node.train_only))
        read = {t for n in net.nodes if not n.train_only for t in n.inputs}
        sinks = [n.name for n in net.nodes if not n.train_only and n.name not in read]
        self.output_names = tuple(sinks) if len(sinks) > 1 else (net.output,)

    def forward(self, x):
        """The network's output; a tuple of every unread output where it has several (a
        feature pyramid), so that no branch is dead code to a tracer."""
        env = {INPUT: x}
        for name, inputs, train_only in self.wiring:
            if self.training or not train_only:
                env[name] = self.get_submodule(name)(*(env[t] for t in inputs))
        outs = tuple(env[n] for n in self.output_names)
        return outs if len(outs) > 1 else outs[0]


def build_module(net: Network, device=None) -> nn.Module:
    """An eval-mode ``nn.Module`` mirroring ``net`` one node to one module (``device="meta"``
    allocates no weights: enough for parameter counts and FlopCounterMode)."""
    with torch.device(device or "cpu"):
        return SpecModule(net).eval()


def zero_input(net: Network, batch: int = 1, device=None):
    return torch.zeros(batch, *net.input_shape.torch_dims, device=device)
