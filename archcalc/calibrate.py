"""A hardware profile measured on this machine (``archcalc calibrate``).

Three rates are measured directly (:func:`archcalc.bridge.timing.rates`): a large matrix
product gives the peak FLOP/s of the dtype, a large copy the bandwidth, and a depthwise conv
its rate (recorded for comparison).  Real layers are smaller than those kernels and pay a fixed
framework cost per call, so the profile also carries a per-layer ``overhead_s`` and an
``efficiency`` per rate class (:func:`archcalc.roofline.rate_class`), fitted to the measured
times of every layer of the :data:`FIT` networks: weighted least squares of

    ``measured ≈ overhead + roofline / efficiency[class]``

with weights ``1 / measured`` (relative error counts, not absolute); the profile's overhead
adds the time a network spends between its layers' calls (:func:`between_layers`, the median
over the fitted networks), so that layers sum to the network.  The layers of the
:data:`VALIDATION` networks are then predicted and their errors reported (per call, without
the between-layer time); ``benchmarks/roofline.py`` checks whole networks that neither set
holds.
"""

from __future__ import annotations

import platform
import statistics
from dataclasses import replace

from .hardware import Profile
from .roofline import RATE_CLASSES, REPEATS, efficiency_of, error, seconds

# Networks whose layers are fitted, and others whose layers check the fit: each layer timed in
# the flow of its network (caches as in use), at the native input and batch 1.  Neither set
# holds the networks benchmarks/roofline.py reports.
FIT = ("zoo:mnasnet1_0", "zoo:shufflenet_v2_x1_0", "zoo:regnet_x_400mf", "zoo:resnet34",
       "zoo:efficientnet_b0")
VALIDATION = ("zoo:squeezenet1_1", "zoo:mobilenet_v3_small", "zoo:googlenet")


def samples(analysis, measured) -> list[tuple[str, float, float]]:
    """``(rate class, roofline seconds, measured seconds)`` of each layer that ran;
    ``analysis`` on an uncalibrated profile (efficiency 1, no overhead)."""
    return [(c, t.latency_s, m) for c, t, m in
            zip(analysis.rate_classes, analysis.layer_times, measured.layer_s)
            if c is not None and m]


def between_layers(measured) -> float:
    """Seconds per layer a network's forward pass spends outside its layers' calls (its own
    Python between them): the whole pass minus the sum of its layers, per layer run."""
    ran = [s for s in measured.layer_s if s is not None]
    return max(0.0, (measured.network_s - sum(ran)) / len(ran))


def fit(points) -> tuple[float, dict[str, float]]:
    """``(overhead_s, {class: efficiency})`` fitted to ``points`` (see the module
    docstring); an overhead that comes out negative is taken as 0 and the rest refitted."""
    import numpy as np

    classes = [c for c in RATE_CLASSES if any(p[0] == c and p[1] > 0 for p in points)]
    t = np.array([p[2] for p in points])
    design = np.array([[1.0] + [p[1] if p[0] == c else 0.0 for c in classes] for p in points])
    w = 1 / t
    coef = np.linalg.lstsq(design * w[:, None], t * w, rcond=None)[0]
    if coef[0] < 0:
        coef = np.concatenate([[0.0], np.linalg.lstsq(design[:, 1:] * w[:, None], t * w,
                                                      rcond=None)[0]])
    return float(coef[0]), {c: float(1 / x) for c, x in zip(classes, coef[1:]) if x > 0}


def predicted(points, overhead: float, efficiency: dict) -> list[float]:
    return [seconds(r, efficiency_of(efficiency, c), overhead) for c, r, _ in points]


def median_error(points, overhead: float, efficiency: dict) -> float:
    """Median |predicted / measured − 1| over ``points``."""
    return statistics.median(abs(error(p, m)) for p, (_, _, m) in
                             zip(predicted(points, overhead, efficiency), points))


def raw_profile(rates: dict, dtype: str, used_threads: int, device: str) -> Profile:
    """The pure roofline of the measured peak and bandwidth (efficiency 1, no overhead)."""
    machine = platform.processor() or platform.machine()
    return Profile(f"this-{device}", f"{_cpu_name() if device == 'cpu' else device} "
                   f"({used_threads} threads, measured)", device,
                   ((dtype, rates["gemm_flops"]),), rates["bandwidth"],
                   (f"measured by archcalc calibrate on {machine}",))


def calibrated(raw: Profile, overhead: float, efficiency: dict, facts: dict) -> Profile:
    return replace(raw, overhead_s=overhead, efficiency=tuple(efficiency.items()),
                   measured=tuple(facts.items()))


def _cpu_name() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "this CPU"


def to_yaml(profile: Profile) -> str:
    """The profile as a file ``--hardware`` reads back."""
    import yaml

    data = profile.as_dict()
    data["peak_flops"] = {k: float(v) for k, v in data["peak_flops"].items()}
    return ("# A hardware profile measured by archcalc calibrate: pass it as --hardware FILE.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def run(dtype: str = "fp32", n_threads: int | None = None, repeats: int = REPEATS,
        device: str = "cpu", progress=None) -> Profile:
    """Measure this machine's rates and every layer of :data:`FIT` and :data:`VALIDATION`
    (torch, lazily), fit, and return the calibrated profile with its figures in
    ``measured``; ``progress(done, total)`` after each step."""
    from .api import Options, analyze
    from .bridge.timing import measure, rates, threads
    import torch

    total = 1 + len(FIT) + len(VALIDATION)
    with threads(n_threads) as used:
        measured_rates = rates(dtype, repeats, device)
        raw = raw_profile(measured_rates, dtype, used, device)
        if progress:
            progress(1, total)

        def points(networks, done):
            out, gaps = [], []
            for i, ref in enumerate(networks, done + 1):
                a = replace(analyze(ref, Options(dtype=dtype)), hardware=raw)
                m = measure(a.network, dtype, 1, repeats, True, device)
                out += samples(a, m)
                gaps.append(between_layers(m))
                if progress:
                    progress(i, total)
            return out, statistics.median(gaps)

        fitting, between = points(FIT, 1)
        checking, _ = points(VALIDATION, 1 + len(FIT))
    call, efficiency = fit(fitting)
    overhead = call + between
    facts = {"threads": used, "device": device, "dtype": dtype, "torch": str(torch.__version__),
             "gemm_flops": measured_rates["gemm_flops"],
             "depthwise_flops": measured_rates["depthwise_flops"],
             "bandwidth": measured_rates["bandwidth"], "call_overhead_s": call,
             "between_layers_s": between, "fit_layers": len(fitting),
             "fit_median_error": median_error(fitting, call, efficiency),
             "validation_layers": len(checking),
             "validation_median_error": median_error(checking, call, efficiency),
             "uncalibrated_validation_median_error": median_error(checking, 0.0, {})}
    return calibrated(raw, overhead, efficiency, facts)
