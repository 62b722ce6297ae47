"""Scale: `archcalc compare SPEC` (end to end, start-up included) on specs of 10,000 and
100,000 layers, written as one `n:` stage and as explicit layer lists, in YAML and JSON.
Targets: 10,000 layers ≤ 1 s; 100,000 layers ≤ 10 s and ≤ 500 MB peak RSS; 100k / 10k ≤ 12×.

The layers alternate a standard conv (3 ops: conv, BN, ReLU) and an inverted residual (9 ops)
on an 8×8×16 input: a list of n layers is 6·n ops, a stage of n inverted residuals 9·n.
Run: `make bench` (or `python benchmarks/scale.py [--runs N] [--quick]`).
"""

from __future__ import annotations

import json
import os
import tempfile

from common import ARCHCALC, options, process, save

CONV, IR = {"conv": {"out": 16, "k": 3}}, {"ir": {"out": 16, "t": 2}}


def write_specs(folder: str, n: int) -> dict[str, str]:
    """The four spec files of ``n`` layers; returns name -> path."""
    layers = [IR if i % 2 else CONV for i in range(n)]
    paths = {f"list {n} yaml": os.path.join(folder, f"list{n}.yaml"),
             f"list {n} json": os.path.join(folder, f"list{n}.json"),
             f"n: {n} yaml": os.path.join(folder, f"stage{n}.yaml"),
             f"n: {n} json": os.path.join(folder, f"stage{n}.json")}
    flow = [json.dumps(layer).replace('"', "") for layer in (CONV, IR)]  # {conv: {out: 16, k: 3}}
    with open(paths[f"list {n} yaml"], "w") as f:
        f.write("input: [8, 8, 16]\nlayers:\n" + "".join(f"  - {flow[i % 2]}\n" for i in range(n)))
    with open(paths[f"list {n} json"], "w") as f:
        json.dump({"input": [8, 8, 16], "layers": layers}, f)
    stage = {"input": [8, 8, 16], "layers": [{"ir": {"out": 16, "t": 2, "n": n}}]}
    with open(paths[f"n: {n} yaml"], "w") as f:
        f.write(f"input: [8, 8, 16]\nlayers:\n  - ir: {{out: 16, t: 2, n: {n}}}\n")
    with open(paths[f"n: {n} json"], "w") as f:
        json.dump(stage, f)
    return paths


def main() -> None:
    args = options(__doc__, runs=3)
    small, big = (100, 1000) if args.quick else (10_000, 100_000)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (small, big):
            for case, path in write_specs(tmp, n).items():
                results[case] = {"layers": n, **process([ARCHCALC, "compare", path], args.runs)}
                r = results[case]
                print(f"  {case:16s} {r['seconds']:7.2f} s  {r['rss_mib']:7.1f} MiB")
    growth = {f"{kind} {fmt}": results[f"{kind} {big} {fmt}"]["seconds"]
              / results[f"{kind} {small} {fmt}"]["seconds"]
              for kind in ("list", "n:") for fmt in ("yaml", "json")}
    print("growth ×10 layers: " + ", ".join(f"{k} {v:.1f}×" for k, v in growth.items()))
    save("scale", args, {"small": small, "big": big, "cases": results, "growth": growth})


if __name__ == "__main__":
    main()
