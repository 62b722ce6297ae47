"""Report generation: `archcalc report` of three zoo networks to HTML and to XLSX (fresh
processes, start-up included; target ≤ 2 s), and the file sizes.

Run: `make bench` (or `python benchmarks/reports.py [--runs N] [--quick]`).
"""

from __future__ import annotations

import os
import tempfile

from common import ARCHCALC, options, process, save

NETWORKS = ("zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:mobilenet_v3_large")


def main() -> None:
    args = options(__doc__, runs=5)
    networks = NETWORKS[:1] if args.quick else NETWORKS
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("html", "xlsx"):
            path = os.path.join(tmp, f"r.{suffix}")
            results[suffix] = {**process([ARCHCALC, "report", *networks, "-o", path], args.runs),
                               "bytes": os.path.getsize(path)}
            r = results[suffix]
            print(f"  {suffix:5} {r['seconds']:6.2f} s  {r['bytes'] / 1e6:5.2f} MB")
    save("reports", args, {"networks": networks, "formats": results})


if __name__ == "__main__":
    main()
