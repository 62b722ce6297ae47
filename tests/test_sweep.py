"""`archcalc sweep`: the vectorised path (NumPy arrays through the production formulas, grids
split by structural decisions, invalid configurations refused) gives exactly the integers of
the scalar path, configuration by configuration, for every block kind that stands alone; the
2**53 guard recomputes huge rows exactly; the filters keep what they say."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import archcalc
from archcalc.api import Options, sweep
from archcalc.errors import ArchcalcError
from archcalc.sweep import COUNTS, Axis, parse_axes, parse_values, pareto_mask

# target, {axis: pool of values}, input (H, W, C) or (T, D); each grid takes a random subset.
GRIDS = {
    "conv": ("conv", {"in_ch": (8, 16, 24), "out_ch": (8, 16, 24), "k": (1, 3, 5), "s": (1, 2)}, (14, 14, 16)),
    "conv grouped": ("conv(g=4)", {"in_ch": (8, 12, 16), "out_ch": (8, 16, 20), "res": (7, 9)}, (14, 14, 16)),
    "dw": ("dw", {"in_ch": (8, 16), "k": (3, 5, 7), "s": (1, 2), "res": (7, 12)}, (14, 14, 16)),
    "pw": ("pw", {"in_ch": (8, 16), "out_ch": (16, 32), "res": (7, 14)}, (14, 14, 16)),
    "dwsep": ("dwsep", {"in_ch": (8, 16, 24), "out_ch": (16, 24), "k": (3, 5), "s": (1, 2)}, (14, 14, 16)),
    "ir": ("ir", {"t": (1, 3, 6), "in_ch": (16, 24), "out_ch": (16, 24), "k": (3, 5), "s": (1, 2)}, (14, 14, 16)),
    "ir with SE": ("ir(se=0.25,act=hswish)", {"t": (1, 4, 6), "in_ch": (16, 40), "out_ch": (16, 40), "s": (1, 2)}, (14, 14, 16)),
    "fused_ir": ("fused_ir", {"t": (1, 4), "in_ch": (24, 48), "out_ch": (24, 48), "s": (1, 2)}, (14, 14, 24)),
    "basic": ("basic", {"in_ch": (32, 64), "out_ch": (32, 64), "s": (1, 2)}, (14, 14, 32)),
    "bottleneck": ("bottleneck", {"in_ch": (64, 256), "out_ch": (64, 256), "s": (1, 2), "res": (8, 14)}, (14, 14, 64)),
    "shuffle": ("shuffle", {"in_ch": (48, 96), "out_ch": (48, 96), "s": (1, 2)}, (14, 14, 48)),
    "shuffle_v1": ("shuffle_v1", {"in_ch": (24, 48), "out_ch": (48, 96, 120), "g": (1, 3), "s": (1, 2)}, (14, 14, 24)),
    "se": ("se", {"in_ch": (16, 72, 480), "r": (0.25, 0.5), "res": (7, 14)}, (14, 14, 16)),
    "regnet": ("regnet(gw=8)", {"in_ch": (32, 64), "out_ch": (32, 64), "s": (1, 2), "se": (0.0, 0.25)}, (14, 14, 32)),
    "dense": ("dense", {"in_ch": (64, 96), "growth": (16, 32), "res": (7, 14)}, (14, 14, 64)),
    "fire": ("fire(s1x1=16,e1x1=64,e3x3=64)", {"in_ch": (96, 128), "res": (13, 27)}, (27, 27, 96)),
    "transition": ("transition", {"in_ch": (64, 128), "out_ch": (32, 64), "res": (8, 14)}, (14, 14, 64)),
    "convnext": ("convnext", {"in_ch": (96, 192), "k": (3, 7), "res": (7, 14)}, (14, 14, 96)),
    "conv_t": ("conv_t", {"in_ch": (16, 32), "out_ch": (8, 16), "k": (2, 3, 4), "s": (1, 2)}, (7, 7, 16)),
    "pool": ("pool(type=max)", {"k": (2, 3), "s": (1, 2), "res": (7, 8)}, (8, 8, 16)),
    "upsample": ("upsample(mode=bilinear)", {"factor": (2, 3), "in_ch": (8, 16), "res": (4, 7)}, (7, 7, 16)),
    "gn": ("gn", {"g": (4, 8, 16), "in_ch": (32, 48)}, (7, 7, 32)),
    "vit": ("vit", {"heads": (2, 4, 8), "mlp": (128, 256)}, (17, 64)),
}


def _grid(name):
    target, pools, shape = GRIDS[name]
    rng = np.random.default_rng(len(name) * 7919)
    axes = tuple(Axis(k, tuple(sorted(rng.choice(v, size=min(len(v), 2 + (len(v) > 2)),
                                                 replace=False).tolist())))
                 for k, v in pools.items())
    return target, axes, shape


def _scalar(target, values, shape):
    """The scalar path: the inline block with the values written in, on its own input."""
    params = {("out" if k == "out_ch" else k): v for k, v in values.items()
              if k not in ("in_ch", "res")}
    h = w = values.get("res", shape[0])
    inp = shape if len(shape) == 2 else (h, w, values.get("in_ch", shape[2]))
    text = target if not params else (
        target[:-1] + "," if target.endswith(")") else target + "(") + ",".join(
            f"{k}={v}" for k, v in params.items()) + ")"
    return archcalc.analyze(text, input=inp).totals


@pytest.mark.parametrize("name", GRIDS)
def test_vectorised_equals_scalar_at_every_configuration(name):
    target, axes, shape = _grid(name)
    result = sweep(target, axes, Options(input=shape))
    rows = {tuple(r[a.name] for a in axes): r for r in result.rows()}
    refused = 0
    for point in itertools.product(*(a.values for a in axes)):
        values = dict(zip((a.name for a in axes), point))
        try:
            exact = _scalar(target, values, shape)
        except ArchcalcError:
            refused += 1
            assert point not in rows, f"{values}: refused by the scalar path, not by the sweep"
            continue
        for key in COUNTS:
            got = rows[point][key]
            assert type(got) is int and got == getattr(exact, key), (values, key)
    assert refused == sum(r.count for r in result.refusals)


def test_the_residual_boundary_is_crossed_inside_one_chunk():
    """Half the grid has a residual add (s = 1 and in = out): the chunk is split by that
    decision, and both parts are right (a NumPy comparison never silently drops the add)."""
    axes = (Axis("in_ch", (24, 32)), Axis("out_ch", (24, 32)), Axis("s", (1, 2)))
    rows = sweep("ir", axes, Options(input=(14, 14, 24))).rows()
    with_add = [r for r in rows if r["s"] == 1 and r["in_ch"] == r["out_ch"]]
    assert len(with_add) == 2
    for r in with_add:
        plain = _scalar("ir", {"in_ch": r["in_ch"], "out_ch": r["out_ch"], "s": 1}, (14, 14, 24))
        assert r["flops"] == plain.flops  # includes the add's 14·14·C FLOPs


def test_rows_at_or_beyond_2_to_the_53_are_recomputed_exactly():
    axes = (Axis("in_ch", (8, 2**20)), Axis("out_ch", (8, 2**20)), Axis("res", (8, 4096)))
    result = sweep("conv(k=3)", axes, Options(input=(8, 8, 8)))
    big = [r for r in result.rows() if r["macs"] >= 2**53]
    assert result.exact_rows == len(big) > 0
    top = max(result.rows(), key=lambda r: r["macs"])
    assert top["macs"] == 9 * 2**20 * 2**20 * 4096 * 4096 > 2**63  # beyond int64, exact
    for r in big:
        exact = _scalar("conv(k=3)", {k: r[k] for k in ("in_ch", "out_ch", "res")}, (8, 8, 8))
        assert all(r[k] == getattr(exact, k) for k in COUNTS)


def test_where_top_sort_and_pareto():
    axes = parse_axes("--t 1:6 --k 3,5,7 --out-ch 16:64:16".split())
    everything = sweep("ir", axes, Options(input=(28, 28, 32))).rows()
    kept = sweep("ir", axes, Options(input=(28, 28, 32)), where="macs < 20e6 and k != 5",
                 sort="-params", top=5).rows()
    expected = sorted((r for r in everything if r["macs"] < 20e6 and r["k"] != 5),
                      key=lambda r: -r["params"])[:5]
    assert [r["params"] for r in kept] == [r["params"] for r in expected]
    front = sweep("ir", axes, Options(input=(28, 28, 32)), pareto="macs,params").rows()
    for r in front:  # nothing beats a front row on both
        assert not any(o["macs"] <= r["macs"] and o["params"] <= r["params"]
                       and (o["macs"], o["params"]) != (r["macs"], r["params"]) for o in everything)
    assert pareto_mask(np.array([1, 2, 3]), np.array([3, 2, 1])).all()


def test_network_sweep_is_exact_per_configuration():
    axes = parse_axes("--width-mult 0.5,1.0 --resolution 160:224:64".split())
    rows = sweep("zoo:mobilenet_v2", axes).rows()
    assert len(rows) == 4
    for r in rows:
        exact = archcalc.analyze("zoo:mobilenet_v2", width=r["width_mult"],
                                 resolution=r["resolution"]).totals
        assert all(r[k] == getattr(exact, k) for k in COUNTS)


@pytest.mark.parametrize("text, message", [
    ("3:1", "start ≤ stop"), ("1:5:0", "positive step"), ("a,b", "expected a number"),
    ("1:2:3:4", "expected start:stop"), ("inf", "finite"),
])
def test_bad_values_are_refused(text, message):
    with pytest.raises(ArchcalcError, match=message):
        parse_values(text, "--t")


def test_values_grammar():
    assert parse_values("8:32:8", "--x") == (8, 16, 24, 32)
    assert parse_values("0.35:1.4:0.35", "--x") == (0.35, 0.7, 1.05, 1.4)
    assert parse_values("3,5,7", "--x") == (3, 5, 7)


def test_cli_json_rows_name_each_parameter_by_its_option(cli):
    code, out, err = cli("sweep", "ir", "--t", "1,6", "--in-ch", "16:24:8", "--out-ch", "24",
                         "--s", "1,2", "--input", "28x28x16", "-f", "json", "--top", "3",
                         "--sort", "macs")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["configurations"] == 8 and len(doc["rows"]) == 3
    assert set(doc["rows"][0]) == {"t", "in_ch", "out_ch", "s", *COUNTS, "bytes",
                                   "arithmetic_intensity"}


@pytest.mark.parametrize("args, message", [
    (["ir", "--q", "1,2"], "unknown key 'q' for block ir"),
    (["ir", "--t"], "needs values"),
    (["zoo:mobilenet_v2", "--t", "1,2"], "a network sweeps --width-mult"),
    (["ir", "--t", "1,2", "--where", "__import__('os')"], "only comparisons"),
    (["ir", "--t", "1,2", "--sort", "speed"], "unknown metric"),
])
def test_cli_errors_are_one_line(cli, args, message):
    code, out, err = cli("sweep", *args)
    assert code == 2 and message in err and err.count("\n") == 1
