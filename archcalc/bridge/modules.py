"""Build a ``torch.nn.Module`` from the IR, one leaf module per IR node.

Module paths equal node names (``ir3.expand.conv``), so each archcalc layer maps to exactly
one module; blocks become plain container modules.  The model is returned in eval mode.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ArchcalcError
from ..ir import INPUT, Network
from ..ops import (Activation, Add, BatchNorm2d, ChannelShuffle, ChannelSplit, Concat, Conv2d,
                   Linear, Pool2d, Scale)

ACTIVATION_MODULES = {"relu": nn.ReLU, "relu6": nn.ReLU6, "hswish": nn.Hardswish,
                      "hsigmoid": nn.Hardsigmoid, "swish": nn.SiLU, "sigmoid": nn.Sigmoid}


class Dense(nn.Linear):
    """``nn.Linear`` on the flattened input, output kept 4-D as ``(N, out, 1, 1)``."""

    def forward(self, x):
        return super().forward(x.flatten(1))[:, :, None, None]


class AddTensors(nn.Module):
    """Residual add."""

    def forward(self, a, b):
        return a + b


class ScaleChannels(nn.Module):
    """Squeeze-excite scaling ``x · gate``."""

    def forward(self, x, gate):
        return x * gate


class ConcatChannels(nn.Module):
    def forward(self, a, b):
        return torch.cat((a, b), dim=1)


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


def leaf_module(op) -> nn.Module:
    """The torch module computing one primitive op."""
    if isinstance(op, Conv2d):
        return nn.Conv2d(op.cin, op.cout, op.k, op.s, op.p, op.d, op.groups, op.bias)
    if isinstance(op, BatchNorm2d):
        return nn.BatchNorm2d(op.c)
    if isinstance(op, Activation):
        return ACTIVATION_MODULES[op.fn]()
    if isinstance(op, Linear):
        return Dense(op.fin, op.fout, op.bias)
    if isinstance(op, Pool2d):
        if op.k is None:
            return nn.AdaptiveAvgPool2d(1)
        pool = nn.MaxPool2d if op.mode == "max" else nn.AvgPool2d
        return pool(op.k, op.stride, op.p)
    simple = {Add: AddTensors, Scale: ScaleChannels, Concat: ConcatChannels}
    if type(op) in simple:
        return simple[type(op)]()
    if isinstance(op, ChannelSplit):
        return SplitChannels(op.half)
    if isinstance(op, ChannelShuffle):
        return ShuffleChannels(op.groups)
    raise ArchcalcError(f"no torch module for op {type(op).__name__}")


class SpecModule(nn.Module):
    """Runs the IR's nodes in order; ``self.<block>.<...>.<leaf>`` holds each node's module."""

    def __init__(self, net: Network):
        super().__init__()
        self.wiring: list[tuple[str, tuple[str, ...]]] = []
        for node in net.nodes:
            parent = self
            *path, leaf = node.name.split(".")
            for part in path:
                if not hasattr(parent, part):
                    parent.add_module(part, nn.Module())
                parent = getattr(parent, part)
            parent.add_module(leaf, leaf_module(node.op))
            self.wiring.append((node.name, node.inputs))
        self.output_name = net.output

    def forward(self, x):
        env = {INPUT: x}
        for name, inputs in self.wiring:
            env[name] = self.get_submodule(name)(*(env[t] for t in inputs))
        return env[self.output_name]


def build_module(net: Network) -> nn.Module:
    """An eval-mode ``nn.Module`` mirroring ``net`` one node to one module."""
    return SpecModule(net).eval()


def zero_input(net: Network, batch: int = 1):
    s = net.input_shape
    return torch.zeros(batch, s.c, s.h, s.w)
