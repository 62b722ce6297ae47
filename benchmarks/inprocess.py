"""Analysis speed in one process: archcalc from the spec text (parse + build + cost) and from
an already-loaded spec with new options (the loop of a notebook or a sweep), against fvcore's
FlopCountAnalysis and PyTorch's FlopCounterMode on the module built from the same spec
(building the module is not charged to them).  Targets: ≥ 100× fvcore from the text, ≥ 500×
from a loaded spec.  Medians of several runs; torch on one thread.

Run: `make bench` (or `python benchmarks/inprocess.py [--runs N] [--quick]`).
"""

from __future__ import annotations

import statistics
import warnings
from itertools import count

from common import median_seconds, options, save

NETWORKS = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "resnet50", "vit_b_16",
            "efficientnet_b0")


def main() -> None:
    args = options(__doc__, runs=25)
    warnings.simplefilter("ignore")
    import torch
    from fvcore.nn import FlopCountAnalysis
    from torch.utils.flop_counter import FlopCounterMode

    import archcalc
    from archcalc import bridge_api
    from archcalc.bridge.modules import zero_input

    torch.set_num_threads(1)
    rows = {}
    for name in NETWORKS[:1] if args.quick else NETWORKS:
        ref = f"zoo:{name}"
        spec = archcalc.load(ref)
        model = bridge_api.to_module(ref).eval()
        x = zero_input(archcalc.analyze(spec).network)
        batches = count(1)
        ops = len(archcalc.analyze(ref).network.nodes)
        fv_total = FlopCountAnalysis(model, x).unsupported_ops_warnings(False).total()
        expected = archcalc.analyze(ref, convention="fvcore").totals.macs
        assert expected == fv_total, (name, expected, fv_total)  # the same counts: a fair race

        def flop_counter():
            with torch.no_grad(), FlopCounterMode(display=False) as mode:
                model(x)
            return mode.get_total_flops()

        text = median_seconds(lambda: archcalc.analyze(ref).totals, args.runs)
        loaded = median_seconds(  # new options every call: nothing is reused between calls
            lambda: archcalc.analyze(spec, batch=next(batches) % 4 + 1).totals, args.runs)
        fv = median_seconds(lambda: FlopCountAnalysis(model, x).unsupported_ops_warnings(False)
                            .total(), max(3, args.runs // 5))
        fc = median_seconds(flop_counter, max(3, args.runs // 5))
        rows[name] = {"ops": ops, "archcalc_text_s": text, "archcalc_loaded_s": loaded,
                      "fvcore_s": fv, "flop_counter_s": fc, "speedup_text": fv / text,
                      "speedup_loaded": fv / loaded, "us_per_op_loaded": loaded / ops * 1e6}
        r = rows[name]
        print(f"{name:20s} {r['ops']:5d} ops  text {text * 1e3:6.2f} ms  loaded {loaded * 1e3:6.2f} ms"
              f"  fvcore {fv * 1e3:7.1f} ms  FlopCounterMode {fc * 1e3:7.1f} ms  "
              f"×{r['speedup_text']:.0f} / ×{r['speedup_loaded']:.0f}")
    summary = {k: statistics.median(r[k] for r in rows.values())
               for k in ("speedup_text", "speedup_loaded", "us_per_op_loaded")}
    print(f"median speed-up over fvcore: ×{summary['speedup_text']:.0f} from the text, "
          f"×{summary['speedup_loaded']:.0f} from a loaded spec "
          f"({summary['us_per_op_loaded']:.1f} µs per op)")
    save("inprocess", args, {"networks": rows, "median": summary})


if __name__ == "__main__":
    main()
