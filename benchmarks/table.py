"""The README's benchmark tables, from the JSON in ``benchmarks/results/``: each target of the
performance issue with the measured figure and whether it is met (between the ``bench:start``
and ``bench:end`` markers), and the predicted vs measured latency per network (between
``roofline:start`` and ``roofline:end``).  `make bench` runs it last.

Run: `python benchmarks/table.py [README]`.
"""

from __future__ import annotations

import json
import os
import sys

from common import HERE, results_dir

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
ROOFLINE = "<!-- roofline:start -->", "<!-- roofline:end -->"


def _load(name: str) -> dict:
    with open(os.path.join(results_dir(), f"{name}.json"), encoding="utf-8") as f:
        return json.load(f)


def _row(what: str, target: str, figure: str, met: bool) -> str:
    return f"| {what} | {target} | {figure} | {'met' if met else '**not met**'} |"


def rows() -> list[str]:
    inproc, scale, start = _load("inprocess"), _load("scale"), _load("startup")
    bridge, reports, sweep = _load("bridge"), _load("reports"), _load("sweep")
    roof = _load("roofline")
    med, nets = inproc["median"], inproc["networks"]
    big, small, cases = scale["big"], scale["small"], scale["cases"]
    worst_small = max(c["seconds"] for c in cases.values() if c["layers"] == small)
    worst_big = max(c["seconds"] for c in cases.values() if c["layers"] == big)
    worst_rss = max(c["rss_mib"] for c in cases.values() if c["layers"] == big)
    growth = max(scale["growth"].values())
    r50 = nets.get("resnet50", next(iter(nets.values())))
    out = [
        "| what | target | measured | |", "|---|---|---|---|",
        _row("in-process analysis of a zoo network from the spec text vs fvcore's "
             f"FlopCountAnalysis (median of {len(nets)} networks; ResNet-50: "
             f"{r50['archcalc_text_s'] * 1e3:.1f} ms vs {r50['fvcore_s'] * 1e3:.0f} ms)",
             "≥ 100×", f"{med['speedup_text']:.0f}×", med["speedup_text"] >= 100),
        _row("… from an already-loaded spec with new options (ResNet-50: "
             f"{r50['archcalc_loaded_s'] * 1e3:.2f} ms; {med['us_per_op_loaded']:.1f} µs per op)",
             "≥ 500×", f"{med['speedup_loaded']:.0f}×", med["speedup_loaded"] >= 500),
        _row(f"`archcalc compare` of a {small:,}-layer spec, end to end (slowest of list/`n:`, "
             "YAML/JSON)", "≤ 1 s", f"{worst_small:.2f} s", worst_small <= 1),
        _row(f"… of a {big:,}-layer spec", "≤ 10 s, ≤ 500 MB",
             f"{worst_big:.1f} s, {worst_rss:.0f} MiB", worst_big <= 10 and worst_rss <= 500),
        _row("growth from 10× the layers (worst case)", "≤ 12×", f"{growth:.1f}×", growth <= 12),
        _row("`archcalc compare` cold start vs `python -c pass`", "≤ 5×",
             f"{start['ratios']['vs_python']:.1f}×", start["ratios"]["vs_python"] <= 5),
        _row("… vs `python -c \"import torch\"`", "≤ 0.1×",
             f"{start['ratios']['vs_import_torch']:.3f}×", start["ratios"]["vs_import_torch"] <= 0.1),
        _row(f"`archcalc check {bridge['check']['spec']}`", "≤ 3 s",
             f"{bridge['check']['seconds']:.1f} s", bridge["check"]["seconds"] <= 3),
        _row("`archcalc inspect` of MobileNetV2 vs `import torch`", "≤ 1.5×",
             f"{bridge['inspect']['vs_import_torch']:.2f}×", bridge["inspect"]["vs_import_torch"] <= 1.5),
        _row(f"`archcalc report` of {len(reports['networks'])} zoo networks to HTML", "≤ 2 s",
             f"{reports['formats']['html']['seconds']:.2f} s", reports["formats"]["html"]["seconds"] <= 2),
        _row(f"`archcalc sweep ir` of {sweep['configurations']:,} configurations, end to end "
             f"({sweep['end_to_end']['seconds']:.2f} s; in process "
             f"{sweep['in_process']['per_second'] / 1e6:.2f} M/s)", "≥ 1 M/s",
             f"{sweep['end_to_end']['per_second'] / 1e6:.2f} M/s",
             sweep["end_to_end"]["per_second"] >= 1e6),
        _row("calibrated roofline latency vs measured, worst of "
             f"{sum(r['kind'] == 'network' for r in roof['networks'])} zoo networks "
             f"({roof['profile']['threads']} threads; the seed blocks: worst "
             f"{roof['worst_block_error']:.0%}; median per-layer error "
             f"{roof['median_layer_error']:.0%})", "within ±25%",
             f"{roof['worst_error']:.0%}", roof["worst_error"] <= 0.25),
    ]
    m = start["machine"]
    out.append(f"\nMeasured {start['date']} on {m['cpus']} CPUs ({m['machine']}, {m['system']}), "
               f"Python {m['python']}, torch on one thread; medians of {inproc['runs']} runs "
               "in process, of 3–9 fresh processes otherwise.")
    return out


def roofline_rows() -> list[str]:
    """Per network: measured, the calibrated and the pure roofline's predictions and errors."""
    roof = _load("roofline")
    p, m = roof["profile"], roof["machine"]
    out = ["| network | layers | measured | calibrated roofline | error | median layer error | "
           "pure roofline | error | median layer error |", "|---|---|---|---|---|---|---|---|---|"]
    out += [f"| {r['name']} | {r['layers']} | {r['measured_s'] * 1e3:.2f} ms | "
            f"{r['predicted_s'] * 1e3:.2f} ms | {r['error']:+.0%} | {r['median_layer_error']:.0%} "
            f"| {r['roofline_s'] * 1e3:.2f} ms | {r['roofline_error']:+.0%} | "
            f"{r['roofline_median_layer_error']:.0%} |" for r in roof["networks"]]
    eff = ", ".join(f"{k} {v:.2f}" for k, v in p["efficiency"].items())
    out.append(
        f"\nMeasured {roof['date']} on {m['cpus']} CPUs ({m['machine']}), {p['threads']} "
        f"thread(s), torch {p['torch']}, fp32, batch 1, median of {roof['runs']} passes. "
        f"Calibration: GEMM {p['gemm_flops'] / 1e9:.0f} GFLOP/s, depthwise conv "
        f"{p['depthwise_flops'] / 1e9:.1f} GFLOP/s, copy {p['bandwidth'] / 1e9:.1f} GB/s; "
        f"fitted overhead {p['overhead_s'] * 1e6:.1f} µs per layer, efficiency {eff}; median "
        f"per-layer error {p['fit_median_error']:.0%} on the {p['fit_layers']} fitted layers, "
        f"{p['validation_median_error']:.0%} on {p['validation_layers']} held-out layers "
        f"(pure roofline: {p['uncalibrated_validation_median_error']:.0%}). The pure roofline "
        "is the measured peak and bandwidth with no overhead and efficiency 1.")
    return out


def _replace(text: str, start: str, end: str, block: str) -> str:
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{block}\n{end}{tail}"


def main(readme: str = os.path.join(HERE, "..", "README.md")) -> None:
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    table = "\n".join(rows())
    print(table)
    text = _replace(text, START, END, table)
    if ROOFLINE[0] in text:
        text = _replace(text, *ROOFLINE, "\n".join(roofline_rows()))
    with open(readme, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main(*sys.argv[1:])
