"""Measured latency of the modules the bridge builds, per layer and per network, and the
achievable rates of this machine (GEMM FLOP/s, depthwise-conv FLOP/s, memory bandwidth).

A network's time is the median over timed forward passes, each from cold caches (see
:func:`measure`); a layer's is the median of its own time over timed passes of the whole
network; a machine rate (:func:`rates`) is the median over ``repeats`` samples of a large
kernel, each sample running it for at least :data:`SAMPLE_S` seconds.  On CUDA every timing is
bracketed by ``torch.cuda.synchronize()``.  Everything runs under
``torch.inference_mode()`` with ``threads`` intra-op threads, on an input drawn from a normal
distribution (a fixed seed), weights as torch initialises them.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

import torch

from ..errors import ArchcalcError
from ..ir import INPUT
from ..roofline import REPEATS, Measured
from .modules import build_module

SAMPLE_S = 2e-3  # the shortest sample: timer resolution and call overhead vanish against it
WARMUP = 3
FLUSH_BYTES = 64 * 2**20  # written between passes: more than any CPU's last-level cache
TORCH_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def device_of(name: str) -> torch.device:
    """``cpu`` or ``cuda`` (an error where no CUDA device is present)."""
    if name not in ("cpu", "cuda"):
        raise ArchcalcError(f"expected cpu or cuda, got {name[:20]!r}", field="--device")
    if name == "cuda" and not torch.cuda.is_available():
        raise ArchcalcError("no CUDA device on this machine", field="--device")
    return torch.device(name)


def torch_dtype(dtype: str):
    if dtype not in TORCH_DTYPES:
        raise ArchcalcError(f"measurements run in fp32, fp16 or bf16, not {dtype}",
                            field="--dtype")
    return TORCH_DTYPES[dtype]


@contextmanager
def threads(n: int | None):
    """``n`` intra-op threads inside the block (torch's default when ``None``); yields the
    number used."""
    before = torch.get_num_threads()
    if n is not None:
        if n < 1:
            raise ArchcalcError(f"expected at least 1 thread, got {n}", field="--threads")
        torch.set_num_threads(n)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def time_call(fn, repeats: int, device: torch.device) -> float:
    """Median seconds per call of ``fn()`` (see the module docstring)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(WARMUP):
        fn()
    sync()
    number, elapsed = 1, 0.0
    while True:  # calls per sample: double until one sample lasts SAMPLE_S
        start = time.perf_counter()
        for _ in range(number):
            fn()
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= SAMPLE_S:
            break
        number *= 2
    samples = [elapsed / number]
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        sync()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def _timed_pass(module, x, sync) -> list:
    """One forward pass of a :class:`~archcalc.bridge.modules.SpecModule`, node by node as its
    ``forward`` runs them, with each node's seconds (``None`` where it does not run)."""
    env, times = {INPUT: x}, []
    for name, inputs, train_only in module.wiring:
        if train_only:
            times.append(None)
            continue
        leaf, args = module.get_submodule(name), [env[t] for t in inputs]
        sync()
        start = time.perf_counter()
        env[name] = leaf(*args)
        sync()
        times.append(time.perf_counter() - start)
    return times


def measure(net, dtype: str = "fp32", batch: int = 1, repeats: int = REPEATS, layers: bool = True,
            device: str = "cpu", n_threads: int | None = None, progress=None) -> Measured:
    """Measured seconds of ``net``'s forward pass and, with ``layers``, of each node in the
    flow of the network (each layer reads what the layer before it just wrote, as in use; a
    layer timed alone on a warm input runs up to twice as fast): medians over ``repeats``
    passes (at least 5) after warm-up, each pass starting from caches flushed of the
    network's tensors (the roofline counts DRAM traffic; a block small enough to stay in
    cache between passes would otherwise time as if it never left it).
    ``progress(done, total)`` after each pass."""
    dev, kind = device_of(device), torch_dtype(dtype)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    passes = max(repeats, 5)
    with threads(n_threads) as used, torch.inference_mode():
        torch.manual_seed(0)
        module = build_module(net, dev).to(kind)
        x = torch.randn(batch, *net.input_shape.torch_dims, device=dev, dtype=kind)
        scratch = torch.zeros(FLUSH_BYTES // 4, device=dev)
        for _ in range(WARMUP):
            module(x)
        whole, samples = [], []
        for i in range(passes):
            scratch.add_(1.0)
            sync()
            start = time.perf_counter()
            module(x)
            sync()
            whole.append(time.perf_counter() - start)
            if layers:
                scratch.add_(1.0)
                samples.append(_timed_pass(module, x, sync))
            if progress:
                progress(i + 1, passes)
    per_layer = tuple(None if s[0] is None else statistics.median(s)
                      for s in zip(*samples)) if samples else ()
    return Measured(statistics.median(whole), per_layer, used, dev.type, dtype, passes)


def rates(dtype: str = "fp32", repeats: int = REPEATS, device: str = "cpu",
          n_threads: int | None = None) -> dict:
    """This machine's achievable rates: ``gemm_flops`` (a 2048² matrix product, FLOP/s),
    ``depthwise_flops`` (a 3×3 depthwise conv on 256×56×56, FLOP/s, 2 per MAC), and
    ``bandwidth`` (bytes/s copying 64 MiB: read + write)."""
    dev, kind = device_of(device), torch_dtype(dtype)
    with threads(n_threads), torch.inference_mode():
        n = 2048
        a, b = (torch.randn(n, n, device=dev, dtype=kind) for _ in range(2))
        gemm = 2 * n**3 / time_call(lambda: a @ b, repeats, dev)
        c, side = 256, 56
        x = torch.randn(1, c, side, side, device=dev, dtype=kind)
        w = torch.randn(c, 1, 3, 3, device=dev, dtype=kind)
        conv = torch.nn.functional.conv2d
        dw = 2 * c * side * side * 9 / time_call(lambda: conv(x, w, padding=1, groups=c),
                                                  repeats, dev)
        src = torch.randn(16 * 2**20, device=dev, dtype=torch.float32)
        dst = torch.empty_like(src)
        bandwidth = 2 * src.nbytes / time_call(lambda: dst.copy_(src), repeats, dev)
    return {"gemm_flops": gemm, "depthwise_flops": dw, "bandwidth": bandwidth}
