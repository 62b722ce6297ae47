"""Closed forms, computed by SymPy from the production block expansions and cost rules.

The symbols follow MobileNetV1 §3.1: a ``Df×Df×M`` input, ``N`` output channels, a
``Dk×Dk`` kernel (odd, stride 1, "same" padding), expansion ratio ``t``; weights only
(``norm: none``), so the forms are the papers'.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .blocks import Context, DepthwiseSeparable, InvertedResidual, StandardConv
from .cost import Cost, op_cost
from .ir import INPUT, GraphBuilder
from .ops import Shape

M = sp.Symbol("M", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
Dk = sp.Symbol("D_k", odd=True, positive=True)
Df = sp.Symbol("D_f", integer=True, positive=True)
t = sp.Symbol("t", integer=True, positive=True)

SYMBOLS = {
    "M": "input channels", "N": "output channels", "D_k": "kernel side (odd)",
    "D_f": "feature map side (stride 1, so input = output)", "t": "expansion ratio",
}


@dataclass(frozen=True)
class ClosedForm:
    name: str
    params: sp.Expr
    macs: sp.Expr
    macs_ratio: sp.Expr


def block_cost(block) -> Cost:
    """Symbolic cost of one block on a ``Df×Df×M`` input, summed over its ops."""
    g = GraphBuilder(Shape(M, Df, Df))
    block.expand(g, INPUT, block.kind, Context(norm="none", act="none"))
    net = g.network(block.kind)
    total = sum((op_cost(n.op, n.in_shapes, n.out_shape) for n in net.nodes), Cost())
    return Cost(*(sp.factor(sp.simplify(v)) for v in (total.params, total.macs, total.flops)))


def closed_forms() -> list[ClosedForm]:
    """Standard conv, depthwise-separable and inverted residual, with MAC ratios to standard."""
    blocks = (StandardConv(out=N, k=Dk), DepthwiseSeparable(out=N, k=Dk),
              InvertedResidual(out=N, t=t, k=Dk))
    costs = [block_cost(b) for b in blocks]
    base = costs[0].macs
    return [ClosedForm(b.kind, c.params, c.macs, sp.expand(sp.simplify(c.macs / base)))
            for b, c in zip(blocks, costs)]
