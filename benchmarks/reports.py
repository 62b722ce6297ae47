"""Report generation: wall time of `archcalc report` for three zoo networks to HTML and XLSX
(fresh processes, start-up included, median of several runs; goal ≤ 2 s), and the file sizes.

Run: `make bench` (or `python benchmarks/reports.py [runs]`).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

NETWORKS = ("zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:mobilenet_v3_large")
ARCHCALC = os.path.join(os.path.dirname(sys.executable), "archcalc")


def run(output: str, runs: int) -> float:
    """Median seconds of ``archcalc report NETWORKS -o output`` over ``runs`` processes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([ARCHCALC, "report", *NETWORKS, "-o", output], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"archcalc report {' '.join(NETWORKS)} (median of {runs} cold runs)")
        for suffix in ("html", "xlsx"):
            path = os.path.join(tmp, f"r.{suffix}")
            seconds = run(path, runs)
            print(f"  {suffix:5} {seconds:6.2f} s  {os.path.getsize(path) / 1e6:5.2f} MB")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
