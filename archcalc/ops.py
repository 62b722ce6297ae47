"""Primitive operations and their shape inference.

Shapes are per sample, channels first: ``Shape(c, h, w)`` (the batch size is applied by the
cost engine).  Every formula here is plain arithmetic, so a ``Shape`` may hold ints, NumPy
arrays or SymPy symbols; validation runs only on concrete ints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .errors import ArchcalcError
from .num import is_concrete

ACTIVATIONS = ("relu", "relu6", "hswish", "hsigmoid", "swish", "sigmoid")


class Shape(NamedTuple):
    """Activation tensor shape of one sample: channels, height, width."""

    c: object
    h: object
    w: object

    @property
    def numel(self):
        return self.c * self.h * self.w

    def __str__(self) -> str:
        return f"{self.h}×{self.w}×{self.c}"


def conv_out_size(size, k, s, p, d):
    """Output side of a convolution or pooling window (PyTorch's floor rule)."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _check_window(x: Shape, k, s, p, d, what: str) -> None:
    if not is_concrete(x.h, x.w, k, s, p, d):
        return
    extent = d * (k - 1) + 1
    for side in (x.h, x.w):
        if extent > side + 2 * p:
            raise ArchcalcError(
                f"{what} kernel {k} (extent {extent}) is larger than the padded input "
                f"{side}+2·{p}={side + 2 * p}", field="k")


@dataclass(frozen=True)
class Conv2d:
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
        if is_concrete(self.cin, self.cout, self.groups) and (
                self.cin % self.groups or self.cout % self.groups):
            raise ArchcalcError(
                f"channels in={self.cin}, out={self.cout} are not divisible by groups={self.groups}",
                field="g")

    def out_shape(self, x: Shape) -> Shape:
        _check_window(x, self.k, self.s, self.p, self.d, "conv")
        return Shape(self.cout, conv_out_size(x.h, self.k, self.s, self.p, self.d),
                     conv_out_size(x.w, self.k, self.s, self.p, self.d))

    @property
    def depthwise(self) -> bool:
        return self.groups != 1 and self.groups == self.cin and self.cin == self.cout

    @property
    def category(self) -> str:
        if self.depthwise:
            return f"conv dw {self.k}x{self.k}"
        return f"conv {self.k}x{self.k}" + (f" g{self.groups}" if self.groups != 1 else "")


@dataclass(frozen=True)
class BatchNorm2d:
    """Batch normalisation in inference form: per channel scale and shift (affine)."""

    kind = "bn"

    c: object
    category = "batch norm"

    def out_shape(self, x: Shape) -> Shape:
        return x


@dataclass(frozen=True)
class Activation:
    """Elementwise nonlinearity: one of :data:`ACTIVATIONS`."""

    kind = "act"

    fn: str

    def out_shape(self, x: Shape) -> Shape:
        return x

    @property
    def category(self) -> str:
        return self.fn


@dataclass(frozen=True)
class Linear:
    """Fully connected layer on the flattened input (``c·h·w`` features); output ``(out, 1, 1)``."""

    kind = "linear"

    fin: object
    fout: object
    bias: bool = True
    category = "fully connected"

    def out_shape(self, x: Shape) -> Shape:
        return Shape(self.fout, 1, 1)


@dataclass(frozen=True)
class Pool2d:
    """Average or max pooling over ``k×k`` windows; ``k=None`` is global average pooling."""

    kind = "pool"

    mode: str = "avg"
    k: object = None
    s: object = None
    p: object = 0

    def out_shape(self, x: Shape) -> Shape:
        if self.k is None:
            return Shape(x.c, 1, 1)
        _check_window(x, self.k, self.stride, self.p, 1, "pool")
        return Shape(x.c, conv_out_size(x.h, self.k, self.stride, self.p, 1),
                     conv_out_size(x.w, self.k, self.stride, self.p, 1))

    @property
    def stride(self):
        return self.k if self.s is None else self.s

    @property
    def category(self) -> str:
        return "global avg pool" if self.k is None else f"{self.mode} pool"


@dataclass(frozen=True)
class Add:
    """Elementwise sum of two equal shapes (the residual connection)."""

    kind = "add"

    category = "add"

    def out_shape(self, a: Shape, b: Shape) -> Shape:
        if is_concrete(*a, *b) and a != b:
            raise ArchcalcError(f"residual add of mismatched shapes {a} and {b}")
        return a


@dataclass(frozen=True)
class Scale:
    """Channel-wise product ``x · gate`` with a ``(c, 1, 1)`` gate (squeeze-excite)."""

    kind = "mul"

    category = "mul"

    def out_shape(self, x: Shape, gate: Shape) -> Shape:
        return x


@dataclass(frozen=True)
class Concat:
    """Channel concatenation of two tensors of equal spatial size."""

    kind = "concat"

    category = "concat"

    def out_shape(self, a: Shape, b: Shape) -> Shape:
        return Shape(a.c + b.c, a.h, a.w)


@dataclass(frozen=True)
class ChannelSplit:
    """Take channel half ``half`` (0 or 1) of the input: a view, no data moves."""

    kind = "split"

    half: int
    category = "split"
    view = True

    def out_shape(self, x: Shape) -> Shape:
        if is_concrete(x.c) and x.c % 2:
            raise ArchcalcError(f"channel split needs an even channel count, got {x.c}")
        return Shape(x.c // 2, x.h, x.w)


@dataclass(frozen=True)
class ChannelShuffle:
    """ShuffleNet's channel shuffle with ``groups`` groups: a copy, no arithmetic."""

    kind = "shuffle"

    groups: int
    category = "shuffle"

    def out_shape(self, x: Shape) -> Shape:
        return x


Op = Conv2d | BatchNorm2d | Activation | Linear | Pool2d | Add | Scale | Concat | ChannelSplit | ChannelShuffle


def is_view(op) -> bool:
    """True for ops that only reinterpret memory (no bytes move)."""
    return getattr(op, "view", False)
