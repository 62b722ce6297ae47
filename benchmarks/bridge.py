"""The torch side: `archcalc check` of a zoo network (target ≤ 3 s) and `archcalc inspect` of
a MobileNetV2-sized module (target ≤ 1.5× `python -c "import torch"`), fresh processes,
start-up included.

Run: `make bench` (or `python benchmarks/bridge.py [--runs N] [--quick]`).
"""

from __future__ import annotations

import sys

from common import ARCHCALC, HERE, options, process, save


def main() -> None:
    args = options(__doc__, runs=5)
    network, model = ("ir(out=24)", "tiny") if args.quick else ("zoo:resnet50", "mobilenet_v2")
    env = {"PYTHONPATH": HERE}
    results = {
        "check": {"spec": network, **process([ARCHCALC, "check", network], args.runs)},
        "inspect": {"model": f"models:{model}", **process(
            [ARCHCALC, "inspect", f"models:{model}"] + (["--input", "16x16x8"] if args.quick else []),
            args.runs, env)},
        "import torch": process([sys.executable, "-c", "import torch"], args.runs),
    }
    results["inspect"]["vs_import_torch"] = (results["inspect"]["seconds"]
                                             / results["import torch"]["seconds"])
    for name, r in results.items():
        print(f"  {name:14s} {r['seconds']:6.2f} s  {r['rss_mib']:7.1f} MiB")
    print(f"  inspect = {results['inspect']['vs_import_torch']:.2f}× import torch")
    save("bridge", args, results)


if __name__ == "__main__":
    main()
