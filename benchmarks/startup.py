"""Cold start of `archcalc compare` (the embedded default) against `python -c pass` and
`python -c "import torch"` (targets: ≤ 5× the first, ≤ 0.1× the second).

Median wall time of fresh processes; peak RSS from the child's rusage.
Run: `make bench` (or `python benchmarks/startup.py [--runs N] [--quick]`).
"""

from __future__ import annotations

import sys

from common import ARCHCALC, options, process, save


def main() -> None:
    args = options(__doc__, runs=9)
    cases = {
        "archcalc compare": [ARCHCALC, "compare"],
        "archcalc compare zoo x4": [ARCHCALC, "compare", "zoo:mobilenet_v1", "zoo:mobilenet_v2",
                                    "zoo:mobilenet_v3_large", "zoo:resnet50"],
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import torch'": [sys.executable, "-c", "import torch"],
    }
    results = {name: process(cmd, args.runs) for name, cmd in cases.items()}
    ours = results["archcalc compare"]["seconds"]
    ratios = {"vs_python": ours / results["python -c pass"]["seconds"],
              "vs_import_torch": ours / results["python -c 'import torch'"]["seconds"]}
    print(f"median of {args.runs} cold runs: wall seconds, peak RSS")
    for name, r in results.items():
        print(f"  {name:28s} {r['seconds']:7.3f} s  {r['rss_mib']:6.1f} MiB")
    print(f"  archcalc compare = {ratios['vs_python']:.1f}× python -c pass, "
          f"{ratios['vs_import_torch']:.3f}× import torch")
    save("startup", args, {"cases": results, "ratios": ratios})


if __name__ == "__main__":
    main()
