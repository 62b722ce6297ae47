"""Counting speed and memory: archcalc (from the spec) vs fvcore and FlopCounterMode (on the
module built from the same spec), per zoo network, median of several runs, in one process.

archcalc's time covers parse + build + cost; fvcore's covers tracing and counting an existing
module (building the module is not charged to it).  Run: `python benchmarks/vs_fvcore.py [runs]`.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
import warnings


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_alloc(fn) -> float:
    """Peak Python heap allocated by one call, MiB (tracemalloc)."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main(runs: int = 5) -> None:
    warnings.simplefilter("ignore")
    import torch
    from fvcore.nn import FlopCountAnalysis
    from torch.utils.flop_counter import FlopCounterMode

    import archcalc
    from archcalc import bridge_api
    from archcalc.bridge.conventions import fvcore_expected
    from archcalc.zoo import zoo_names

    torch.set_num_threads(1)
    print(f"median of {runs} runs, seconds; ratio = archcalc / tool (lower is faster); "
          "heap = peak Python allocations in MiB (tracemalloc; torch tensors not included)")
    print(f"{'network':22s} {'archcalc':>9s} {'fvcore':>9s} {'ratio':>7s} {'FlopCtr':>9s} "
          f"{'ratio':>7s} {'archcalc heap':>13s} {'fvcore heap':>11s}")
    ratios = []
    for name in zoo_names():
        ref = f"zoo:{name}"
        model = bridge_api.to_module(ref)
        x = torch.zeros(1, 3, 224, 224)

        def ours():
            return archcalc.analyze(ref).totals

        def fv():
            return FlopCountAnalysis(model, x).unsupported_ops_warnings(False).total()

        def flop_counter():
            with torch.no_grad(), FlopCounterMode(display=False) as mode:
                model(x)
            return mode.get_total_flops()

        records = archcalc.analyze(ref).records
        assert sum(fvcore_expected(r) or 0 for r in records) == fv()  # same counts, or no race
        a, f, t = median_time(ours, runs), median_time(fv, runs), median_time(flop_counter, runs)
        ratios.append(a / f)
        print(f"{name:22s} {a:9.4f} {f:9.4f} {a / f:7.3f} {t:9.4f} {a / t:7.3f} "
              f"{peak_alloc(ours):13.2f} {peak_alloc(fv):11.2f}")
    print(f"median ratio archcalc/fvcore: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
