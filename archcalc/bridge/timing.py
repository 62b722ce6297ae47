"""Measured latency of the modules the bridge builds, per layer and per network, and the
achievable rates of this machine (GEMM FLOP/s, depthwise-conv FLOP/s, memory bandwidth).

Every time is the median over ``repeats`` samples of the mean time per call, each sample
running the call enough times to last :data:`SAMPLE_S` seconds, after warm-up calls; on CUDA
each sample is bracketed by ``torch.cuda.synchronize()``.  Layers run one at a time on the
inputs they received in one forward pass of the whole network, under
``torch.inference_mode()``, with ``threads`` intra-op threads.  Inputs are drawn from a
normal distribution (a fixed seed), weights as torch initialises them.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

import torch

from ..errors import ArchcalcError
from ..roofline import Measured
from .modules import build_module

SAMPLE_S = 2e-3  # the shortest sample: timer resolution and call overhead vanish against it
WARMUP = 3
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
        raise ArchcalcError(f"bench runs fp32, fp16 or bf16, not {dtype}", field="--dtype")
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


def _layer_inputs(module, x) -> dict:
    """Each leaf module's positional inputs in one forward pass, by module path."""
    inputs, hooks = {}, []
    for name, leaf in module.named_modules():
        if name and not any(True for _ in leaf.children()):
            hooks.append(leaf.register_forward_pre_hook(
                lambda m, args, name=name: inputs.__setitem__(name, args)))
    try:
        module(x)
    finally:
        for h in hooks:
            h.remove()
    return inputs


def measure(net, dtype: str = "fp32", batch: int = 1, repeats: int = 7, layers: bool = True,
            device: str = "cpu", n_threads: int | None = None, progress=None) -> Measured:
    """Measured seconds of ``net``'s forward pass and, with ``layers``, of each node
    (``None`` for nodes that do not run at inference); ``progress(done, total)`` after each."""
    dev, kind = device_of(device), torch_dtype(dtype)
    with threads(n_threads) as used, torch.inference_mode():
        torch.manual_seed(0)
        module = build_module(net, dev).to(kind)
        x = torch.randn(batch, *net.input_shape.torch_dims, device=dev, dtype=kind)
        per_layer = ()
        if layers:
            inputs = _layer_inputs(module, x)
            times = []
            for i, node in enumerate(net.nodes):
                args = inputs.get(node.name)
                leaf = module.get_submodule(node.name)
                times.append(None if args is None else
                             time_call(lambda: leaf(*args), repeats, dev))
                if progress:
                    progress(i + 1, len(net.nodes) + 1)
            per_layer = tuple(times)
            del inputs
        network = time_call(lambda: module(x), repeats, dev)
    return Measured(network, per_layer, used, dev.type, dtype, repeats)


def rates(dtype: str = "fp32", repeats: int = 7, device: str = "cpu",
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
