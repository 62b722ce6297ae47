"""Predicted vs measured latency on this machine: calibrates (`archcalc calibrate`), then
benches the three seed blocks and four zoo networks layer by layer (`archcalc bench`) and
prints, per network, the measured latency, the calibrated roofline's prediction and error,
the pure roofline's (measured peak and bandwidth, no overhead, efficiency 1), and the median
per-layer error.  Goal: calibrated network latency within ±25% of measured for every zoo
network (the seed blocks' errors are reported beside it).

Run: `make bench` (or `python benchmarks/roofline.py [--runs N] [--threads N] [--quick]`).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from dataclasses import replace

from common import options, save

import archcalc
from archcalc import calibrate
from archcalc.api import Options, compare, measure

NETWORKS = ("zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:mobilenet_v3_large", "zoo:resnet18")
GOAL = 0.25


def _row(a, raw) -> dict:
    """One network's figures: measured, both predictions with their errors, per-layer."""
    uncalibrated = replace(a, hardware=raw)
    e = a.prediction_error()
    return {"name": a.name, "layers": e["layers"], "measured_s": a.measured.network_s,
            "predicted_s": a.latency()["latency_s"], "error": e["error"],
            "median_layer_error": e["median_layer_error"],
            "roofline_s": uncalibrated.latency()["latency_s"],
            "roofline_error": uncalibrated.latency()["error"],
            "roofline_median_layer_error": uncalibrated.prediction_error()["median_layer_error"],
            "sum_of_layers_s": sum(s for s in a.measured.layer_s if s)}


def _tiny_networks() -> tuple[tuple[str], tuple[str]]:
    """A small network to fit on and one to check with (spec files in a temporary folder)."""
    folder = tempfile.mkdtemp()
    paths = []
    for name, layers in (("fit", [{"conv": {"out": 16}}, {"pw": {"out": 32}}, {"pool": {}}]),
                         ("check", [{"dw": {}}])):
        paths.append(os.path.join(folder, f"{name}.json"))
        with open(paths[-1], "w", encoding="utf-8") as f:
            json.dump({"input": [16, 16, 8], "layers": layers}, f)
    return (paths[0],), (paths[1],)


def main() -> None:
    parser_args = options(__doc__, runs=7, threads=True)
    threads = parser_args.threads
    if parser_args.quick:  # the suite runs this: tiny fit and check networks
        calibrate.FIT, calibrate.VALIDATION = _tiny_networks()
    profile = calibrate.run(n_threads=threads, repeats=parser_args.runs)
    raw = replace(profile, overhead_s=0.0, efficiency=())
    facts = dict(profile.measured)
    seeds = compare((), Options(input=(16, 16, 8)) if parser_args.quick else None)
    nets = compare([n for n in NETWORKS[:1 if parser_args.quick else None]],
                   Options(resolution=32) if parser_args.quick else None)
    rows = []
    for kind, group in (("block", seeds), ("network", nets)):
        timed = measure(group, True, profile, parser_args.runs, n_threads=threads)
        rows += [{**_row(a, raw), "kind": kind} for a in timed.analyses]
    print(f"calibrated on {facts['threads']} thread(s), torch {facts['torch']}: "
          f"GEMM {facts['gemm_flops'] / 1e9:.1f} GFLOP/s, depthwise "
          f"{facts['depthwise_flops'] / 1e9:.2f} GFLOP/s, copy {facts['bandwidth'] / 1e9:.1f} "
          f"GB/s, overhead {profile.overhead_s * 1e6:.1f} µs/layer, efficiency "
          + ", ".join(f"{k} {v:.2f}" for k, v in profile.efficiency))
    print(f"fit on {facts['fit_layers']} layers: median error {facts['fit_median_error']:.0%};"
          f" validated on {facts['validation_layers']}: {facts['validation_median_error']:.0%}"
          f" (pure roofline {facts['uncalibrated_validation_median_error']:.0%})\n")
    print("| network | layers | measured | calibrated | error | median layer error | "
          "pure roofline | error | median layer error |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['layers']} | {r['measured_s'] * 1e3:.2f} ms | "
              f"{r['predicted_s'] * 1e3:.2f} ms | {r['error']:+.0%} | "
              f"{r['median_layer_error']:.0%} | {r['roofline_s'] * 1e3:.2f} ms | "
              f"{r['roofline_error']:+.0%} | {r['roofline_median_layer_error']:.0%} |")
    worst = max(abs(r["error"]) for r in rows if r["kind"] == "network")
    blocks = max(abs(r["error"]) for r in rows if r["kind"] == "block")
    print(f"\nworst calibrated network error {worst:.0%} (goal ±{GOAL:.0%}): "
          f"{'met' if worst <= GOAL else 'NOT met'}; seed blocks: worst {blocks:.0%}; median "
          f"per-layer error {statistics.median(r['median_layer_error'] for r in rows):.0%}")
    save("roofline", parser_args, {"profile": {**facts, "overhead_s": profile.overhead_s,
                                               "efficiency": dict(profile.efficiency)},
                                   "networks": rows, "worst_error": worst,
                                   "worst_block_error": blocks,
                                   "median_layer_error": statistics.median(
                                       r["median_layer_error"] for r in rows),
                                   "archcalc": archcalc.__version__})


if __name__ == "__main__":
    main()
