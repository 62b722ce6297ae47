"""The training-step memory archcalc predicts (`--mode train`) beside the peak RSS increase of
one real training step: MobileNetV2 built by the bridge on the CPU, fp32, batch 32, 224², one
forward, `loss.backward()` and `optimizer.step()` (SGD with momentum 0.9, AdamW), each in a
fresh process (median of `--runs`).

The step starts after the model, its weights and the input batch exist (the baseline RSS), so
the prediction it is set beside is archcalc's step memory less the weights and the input batch
(both counted by `--mode train`).  RSS is what the process holds in RAM: PyTorch's CPU
allocator returns large blocks to the system at once, so it follows the tensors closely, and
it also holds what archcalc does not count (kernel workspaces, the allocator's slack).

Run: `make bench` (or `python benchmarks/train_step.py [--runs N] [--quick]`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from common import HERE, options, save

SPEC, BATCH = "zoo:mobilenet_v2", 32
QUICK = "ir(t=6,out=24,se=0.25)", 2
OPTIMIZERS = ("momentum", "adamw")
THREADS = 2


def _rss() -> int:
    """Resident bytes now (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(spec: str, batch: int, optimizer: str) -> None:
    """One training step in this process; prints the baseline RSS, the peak and the time."""
    import gc
    import resource
    import time

    import torch

    torch.set_num_threads(THREADS)
    import archcalc
    from archcalc.bridge.modules import build_module

    net = archcalc.analyze(spec, input=(16, 16, 24) if spec == QUICK[0] else None).network
    model = build_module(net).train()
    x = torch.randn(batch, *net.input_shape.torch_dims)
    params = model.parameters()
    opt = (torch.optim.SGD(params, lr=0.01, momentum=0.9) if optimizer == "momentum"
           else torch.optim.AdamW(params, lr=1e-3))
    gc.collect()
    before, peak_before = _rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    opt.zero_grad()
    out = model(x)
    loss = sum(o.sum() for o in (out if isinstance(out, tuple) else (out,)))
    loss.backward()
    opt.step()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"before": before, "peak": peak, "peak_before": peak_before,
                      "seconds": seconds}))


def measure(spec: str, batch: int, optimizer: str, runs: int) -> dict:
    """Median peak RSS increase (bytes) and step time over ``runs`` fresh processes."""
    increases, times = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--child", spec, str(batch), optimizer],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": os.path.dirname(HERE)})
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if r["peak"] <= r["peak_before"]:
            raise SystemExit("the step did not raise the peak RSS: increase not measurable")
        increases.append(r["peak"] - r["before"])
        times.append(r["seconds"])
    return {"rss_increase_bytes": int(statistics.median(increases)),
            "rss_increase_runs": increases, "step_s": statistics.median(times)}


def predicted(spec: str, batch: int, optimizer: str) -> dict:
    import archcalc

    a = archcalc.analyze(spec, batch=batch, mode="train", optimizer=optimizer,
                         input=(16, 16, 24) if spec == QUICK[0] else None)
    t = a.training_totals()
    input_bytes = 4 * batch * a.network.input_shape.numel
    return {**{k: t[k] for k in ("weight_bytes", "gradient_bytes", "optimizer_state_bytes",
                                 "saved_activation_bytes", "forward_peak_bytes",
                                 "backward_peak_bytes", "train_memory_bytes")},
            "input_bytes": input_bytes,
            "predicted_increase_bytes": t["train_memory_bytes"] - t["weight_bytes"] - input_bytes}


def main() -> None:
    args = options(__doc__, runs=3)
    spec, batch = QUICK if args.quick else (SPEC, BATCH)
    results = {"spec": spec, "batch": batch, "threads": THREADS, "dtype": "fp32"}
    for optimizer in OPTIMIZERS[:1] if args.quick else OPTIMIZERS:
        r = {**predicted(spec, batch, optimizer), **measure(spec, batch, optimizer, args.runs)}
        r["measured_over_predicted"] = r["rss_increase_bytes"] / r["predicted_increase_bytes"]
        results[optimizer] = r
        mib = 2 ** 20
        print(f"  {optimizer:9s} step memory {r['train_memory_bytes'] / mib:8.1f} MiB; "
              f"predicted increase {r['predicted_increase_bytes'] / mib:8.1f} MiB, measured "
              f"{r['rss_increase_bytes'] / mib:8.1f} MiB ({r['measured_over_predicted']:.2f}×), "
              f"{r['step_s']:.1f} s")
    save("train_step", args, results)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
