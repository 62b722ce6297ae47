"""Sweep throughput: `archcalc sweep` of the inverted-residual design space (t, k, in/out
channels, stride; 786,432 configurations) with `--top 10`, end to end in fresh processes
(start-up included; target ≥ 1 million configurations per second), and in process.

Run: `make bench` (or `python benchmarks/sweep.py [--runs N] [--quick]`).
"""

from __future__ import annotations

import math

from common import ARCHCALC, median_seconds, options, process, save

GRID = "--t 1:8 --k 3,5,7 --in-ch 8:1024:8 --out-ch 8:1024:8 --s 1,2".split()
QUICK = "--t 1:4 --k 3,5 --in-ch 8:64:8 --out-ch 8:64:8 --s 1,2".split()


def main() -> None:
    args = options(__doc__, runs=5)
    grid = QUICK if args.quick else GRID
    from archcalc.api import Options, sweep
    from archcalc.sweep import parse_axes

    axes = parse_axes(grid)
    size = math.prod(len(a.values) for a in axes)
    cmd = [ARCHCALC, "sweep", "ir", *grid, "--input", "56x56x8", "--top", "10"]
    cold = process(cmd, args.runs)
    warm = median_seconds(lambda: sweep("ir", axes, Options(input=(56, 56, 8)), top=10),
                          max(1, args.runs // 2))
    results = {"configurations": size, "end_to_end": {**cold, "per_second": size / cold["seconds"]},
               "in_process": {"seconds": warm, "per_second": size / warm}}
    print(f"{size:,} configurations: end to end {cold['seconds']:.2f} s "
          f"({size / cold['seconds'] / 1e6:.2f} M/s, {cold['rss_mib']:.0f} MiB); "
          f"in process {warm:.2f} s ({size / warm / 1e6:.2f} M/s)")
    save("sweep", args, results)


if __name__ == "__main__":
    main()
