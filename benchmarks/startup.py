"""Cold start of `archcalc compare` as a ratio to `python -c "import torch"` (goal ≤ 0.2).

Median wall time of several fresh processes each; peak RSS from the child's rusage.
Run: `make bench` (or `python benchmarks/startup.py [runs]`).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

BIN = os.path.dirname(sys.executable)


def measure(cmd: list[str], runs: int) -> tuple[float, float]:
    """(median seconds, max RSS MiB) over ``runs`` fresh processes."""
    times, rss = [], 0.0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{' '.join(cmd)} failed")
        rss = max(rss, usage.ru_maxrss / 1024)
    return statistics.median(times), rss


def main(runs: int = 7) -> None:
    cases = {
        "archcalc compare": [os.path.join(BIN, "archcalc"), "compare"],
        "archcalc compare zoo x4": [os.path.join(BIN, "archcalc"), "compare", "zoo:mobilenet_v1",
                                    "zoo:mobilenet_v2", "zoo:mobilenet_v3_large", "zoo:resnet50"],
        "python -c 'import torch'": [sys.executable, "-c", "import torch"],
        "python -c 'import fvcore.nn'": [sys.executable, "-c", "import fvcore.nn"],
    }
    results = {}
    for name, cmd in cases.items():
        try:
            results[name] = measure(cmd, runs)
        except SystemExit as exc:
            print(f"skipped {name}: {exc}")
    torch_s = results["python -c 'import torch'"][0]
    print(f"median of {runs} cold runs (wall seconds), ratio to import torch, peak RSS")
    for name, (sec, rss) in results.items():
        print(f"  {name:32s} {sec:7.3f} s   {sec / torch_s:5.2f}×   {rss:6.1f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
