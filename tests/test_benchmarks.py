"""The benchmark scripts run (on tiny inputs, so they never rot) and the README table is built
from what they save; and analysis cost stays linear in the number of layers (a 20,000-layer
spec would not finish here if it were quadratic again).  No timing is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import archcalc

BENCH = os.path.join(os.path.dirname(__file__), "..", "benchmarks")
SCRIPTS = ("startup", "inprocess", "scale", "bridge", "reports", "sweep", "roofline",
           "train_step")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "ARCHCALC_BENCH_RESULTS": str(folder)}
    for script in SCRIPTS:
        proc = subprocess.run([sys.executable, os.path.join(BENCH, f"{script}.py"), "--quick"],
                              env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{script}: {proc.stderr[-2000:]}"
    return folder, env


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_benchmark_saves_its_figures(results, script):
    doc = json.loads((results[0] / f"{script}.json").read_text())
    assert doc["benchmark"] == script and doc["quick"] and doc["machine"]["cpus"] >= 1
    seconds = list(_timings(doc))
    assert seconds and all(s > 0 for s in seconds)


def test_the_readme_table_is_built_from_the_saved_figures(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- bench:start -->\nstale figures\n<!-- bench:end -->\nafter\n"
                      "<!-- roofline:start -->\nold\n<!-- roofline:end -->\n")
    subprocess.run([sys.executable, os.path.join(BENCH, "table.py"), str(readme)], check=True,
                   env=results[1], capture_output=True)
    text = readme.read_text()
    assert text.startswith("before\n<!-- bench:start -->\n| what | target | measured |")
    bench, _, roofline = text.partition("after\n")
    assert bench.endswith("<!-- bench:end -->\n") and "stale figures" not in bench
    assert bench.count("\n| ") == 13  # header, rule and the twelve targets
    assert roofline.startswith("<!-- roofline:start -->\n| network | layers | measured |")
    assert "\nold\n" not in roofline
    assert roofline.count("\n| ") == 5  # rule, three seed blocks and one network (--quick)


def _timings(doc):
    """Every figure in seconds (keys ``seconds`` or ``*_s``) of a results document."""
    for k, v in doc.items() if isinstance(doc, dict) else ():
        if k == "seconds" or k.endswith("_s"):
            yield v
        else:
            yield from _timings(v)


def _pair_costs():
    """A standard conv and an inverted residual at 8×8×16, analysed alone."""
    one = archcalc.analyze("conv(out=16,k=3), ir(out=16,t=2)", input=(8, 8, 16))
    return one.totals, len(one.records)


@pytest.mark.parametrize("form", ["list", "stage"])
def test_a_20000_layer_spec_analyses_in_linear_time(tmp_path, form):
    pair, ops = _pair_costs()
    if form == "list":
        layers = [{"conv": {"out": 16, "k": 3}}, {"ir": {"out": 16, "t": 2}}] * 10_000
    else:
        layers = [{"conv": {"out": 16, "k": 3, "n": 10_000}}, {"ir": {"out": 16, "t": 2, "n": 10_000}}]
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"input": [8, 8, 16], "layers": layers}))
    a = archcalc.analyze(str(path))
    assert len(a.records) == 10_000 * ops and len(a.network.blocks) == 20_000
    for key in ("params", "macs", "flops", "bytes_read", "bytes_written"):
        assert getattr(a.totals, key) == 10_000 * getattr(pair, key)
    assert a.totals.peak_activation_bytes == pair.peak_activation_bytes
