"""One formula, three number types: the same blocks and networks built on Python ints, NumPy
arrays and SymPy symbols give the same graph and the same numbers (arrays elementwise,
symbols substituted), through the one analysis driver."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from archcalc.analysis import TOTAL_FIELDS, analyze_network
from archcalc.build import build
from archcalc.num import assuming_generic, make_divisible
from archcalc.spec import load_spec

R = sp.Symbol("R", positive=True, integer=True)
SIDES = (224, 160, 96)


def _graph(net):
    return [(n.name, n.op.kind) for n in net.nodes]


def _at(spec, side):
    return replace(spec, input=(side, side, spec.input[2]))


@pytest.mark.parametrize("ref", ["zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:resnet50",
                                 "zoo:mobilenet_v3_large", "zoo:shufflenet_v2_x1_0",
                                 "ir(t=6,out=24,se=0.25)", "bottleneck(out=256,s=2)"])
def test_ints_arrays_and_symbols_agree(ref):
    spec = load_spec(ref, (56, 56, 24))
    ints = [analyze_network(build(_at(spec, s))) for s in SIDES]
    sides = np.array(SIDES)
    arrays = analyze_network(build(_at(spec, sides)))
    with assuming_generic() as assumed:
        symbols = analyze_network(build(_at(spec, R)))
    assert not assumed  # the resolution decides no structure
    assert _graph(arrays.network) == _graph(symbols.network) == _graph(ints[0].network)
    for key in TOTAL_FIELDS:
        vector = np.broadcast_to(getattr(arrays.totals, key), sides.shape)
        for i, side in enumerate(SIDES):
            exact = getattr(ints[i].totals, key)
            assert vector[i] == exact, (key, side)
            assert sp.sympify(getattr(symbols.totals, key)).subs(R, side) == exact, (key, side)


def test_a_numpy_channel_count_keeps_the_residual_add():
    """``in == out`` decided on an array: all equal -> the add is there (the old code compared
    with ``isinstance(int)`` and silently dropped it)."""
    spec = load_spec("ir(t=6,out=24)", (56, 56, 24))
    net = build(replace(spec, input=(56, 56, np.array([24, 24]))))
    assert _graph(net) == _graph(build(spec)) and net.nodes[-1].op.kind == "add"


def test_make_divisible_is_elementwise():
    values = np.array([3.5, 8.0, 17.4, 31.9, 100.0, 0.9 * 72])
    assert make_divisible(values, 8).tolist() == [make_divisible(float(v), 8) for v in values]

