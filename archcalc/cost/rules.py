"""One cost function per primitive op, registered by op type.

Conventions (also printed in every report footer, see :mod:`archcalc.conventions`):

* params: every learned scalar as ``sum(p.numel())`` counts it (BN: weight and bias).
* MACs: conv ``N·Cout·Hout·Wout·(Cin/groups)·k²``; linear ``N·in·out``; nothing else.
* FLOPs: ``2·MACs`` plus elementwise work, one FLOP per output element for a bias add, an
  activation, a residual add and the squeeze-excite scaling; two per element for batch norm
  (scale and shift); ``k²`` per output element for pooling (global average: one per input
  element).
"""

from __future__ import annotations

from typing import Callable

from ..ops import (Activation, Add, BatchNorm2d, ChannelShuffle, ChannelSplit, Concat, Conv2d,
                   Linear, Pool2d, Scale, Shape)
from .record import Cost

Rule = Callable[..., Cost]
_RULES: dict[type, Rule] = {}


def rule(op_type: type) -> Callable[[Rule], Rule]:
    """Register the cost function of one op type; a second registration is a bug."""

    def register(fn: Rule) -> Rule:
        if op_type in _RULES:
            raise RuntimeError(f"cost rule for {op_type.__name__} registered twice")
        _RULES[op_type] = fn
        return fn

    return register


def op_cost(op, in_shapes: tuple[Shape, ...], out: Shape, batch=1) -> Cost:
    """Exact cost of ``op`` for ``batch`` samples."""
    base = _RULES[type(op)](op, in_shapes, out)
    return Cost(base.params, batch * base.macs, batch * base.flops)


@rule(Conv2d)
def _conv(op: Conv2d, ins, out: Shape) -> Cost:
    weights = op.cout * (op.cin // op.groups) * op.k * op.k
    macs = out.numel * (op.cin // op.groups) * op.k * op.k
    bias = op.cout if op.bias else 0
    return Cost(params=weights + bias, macs=macs,
                flops=2 * macs + (out.numel if op.bias else 0))


@rule(Linear)
def _linear(op: Linear, ins, out: Shape) -> Cost:
    macs = op.fin * op.fout
    return Cost(params=macs + (op.fout if op.bias else 0), macs=macs,
                flops=2 * macs + (op.fout if op.bias else 0))


@rule(BatchNorm2d)
def _batch_norm(op: BatchNorm2d, ins, out: Shape) -> Cost:
    return Cost(params=2 * op.c, flops=2 * out.numel)


@rule(Activation)
def _activation(op, ins, out: Shape) -> Cost:
    return Cost(flops=out.numel)


@rule(Add)
def _add(op, ins, out: Shape) -> Cost:
    return Cost(flops=out.numel)


@rule(Scale)
def _scale(op, ins, out: Shape) -> Cost:
    return Cost(flops=out.numel)


@rule(Pool2d)
def _pool(op: Pool2d, ins, out: Shape) -> Cost:
    if op.k is None:
        return Cost(flops=ins[0].numel)
    return Cost(flops=op.k * op.k * out.numel)


def _data_movement(op, ins, out: Shape) -> Cost:
    return Cost()


for _op_type in (Concat, ChannelSplit, ChannelShuffle):
    rule(_op_type)(_data_movement)
