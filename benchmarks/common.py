"""Shared by the benchmark scripts: medians of timed runs, fresh-process runs with peak RSS,
command-line flags and the JSON results in ``benchmarks/results/`` that `make bench` turns
into the README's table.

Every script takes ``--quick`` (tiny inputs, one run: the test suite runs each so they never
rot) and ``--runs N``; ``ARCHCALC_BENCH_RESULTS`` redirects the JSON (the tests use a
temporary folder)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
ARCHCALC = os.path.join(BIN, "archcalc")


def options(doc: str, runs: int, threads: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny inputs, one run")
    parser.add_argument("--runs", type=int, default=runs, help="runs per figure (median)")
    if threads:
        parser.add_argument("--threads", type=int, help="intra-op threads (default: torch's)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    return args


def median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def process(cmd: list[str], runs: int, env: dict | None = None) -> dict:
    """Median wall seconds and largest peak RSS (MiB) of ``cmd`` over ``runs`` fresh
    processes; its output is discarded and a failure raises."""
    times, rss = [], 0.0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-500:]}")
        proc.stderr.close()
        rss = max(rss, usage.ru_maxrss / 1024)
    return {"seconds": statistics.median(times), "rss_mib": round(rss, 1)}


def machine() -> dict:
    return {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "system": platform.system()}


def results_dir() -> str:
    return os.environ.get("ARCHCALC_BENCH_RESULTS", os.path.join(HERE, "results"))


def save(name: str, args: argparse.Namespace, results: dict) -> str:
    """Write ``results`` as ``<results dir>/<name>.json`` (with the machine, date and runs)."""
    folder = results_dir()
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.json")
    doc = {"benchmark": name, "date": date.today().isoformat(), "runs": args.runs,
           "quick": args.quick, "machine": machine(), **results}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return path
