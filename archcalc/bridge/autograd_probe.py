"""Ground truth for training costs: what autograd saves and what FlopCounterMode counts in the
backward pass of the module the bridge builds.

One training step's forward and backward run on the built module in training mode (the meta
device by default: shapes only, no memory, same autograd graph).  Every tensor autograd saves
for backward is recorded with :func:`torch.autograd.graph.saved_tensors_hooks` and attributed
to the leaf module running when it was saved (forward pre- and post-hooks); tensors are told
apart by their storage (``untyped_storage()``: a view and its source are one storage; on the
meta device storages are distinct objects too), and the storages of parameters and buffers
(module state, which training does not add) are left out.  ``FlopCounterMode`` runs around
``loss.backward()`` and each op it counts is charged to the layer whose autograd node runs
it.  The loss is the sum of every output no layer reads (an auxiliary classifier's included),
so every layer that runs in training gets a gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.flop_counter import FlopCounterMode

from ..ir import Network
from .modules import build_module, zero_input

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class Probe:
    """One training step on the built module.  ``saved``: per leaf (node name), the bytes of
    each storage it was first to save, in save order; ``saved_bytes``: all of them, each
    storage once; ``backward_flops``: per leaf, FlopCounterMode's formulas summed over the
    aten ops of the autograd nodes its forward created; ``backward_total``: FlopCounterMode's
    own total around ``loss.backward()`` (equal to their sum: nothing is left unattributed)."""

    saved: dict
    saved_bytes: int
    backward_flops: dict
    backward_total: int

    def saved_by(self, name: str) -> int:
        return sum(self.saved.get(name, ()))

    def backward_of(self, name: str) -> int:
        return self.backward_flops.get(name, 0)


def _own_nodes(tensor, owner: dict, name: str) -> None:
    """Mark the autograd nodes behind ``tensor`` that no earlier leaf created as ``name``'s."""
    stack = [tensor.grad_fn] if isinstance(tensor, torch.Tensor) else []
    while stack:
        node = stack.pop()
        if node is None or node in owner:
            continue
        owner[node] = name
        stack.extend(next_fn for next_fn, _ in node.next_functions)


def probe(net: Network, batch: int = 2, device: str = "meta", dtype: str = "fp32") -> Probe:
    """Run one training step of ``net``'s module (``batch`` samples, zero input) and record
    what autograd saves and what FlopCounterMode counts in the backward pass.

    FlopCounterMode attributes backward work to every module whose backward has begun and
    whose inputs' gradients are not complete: a layer whose input another branch also reads
    (the gate of a squeeze-excite block) would be charged with that branch's work.  So each
    aten op FlopCounterMode counts is charged here, by the same formula, to the layer whose
    forward created the autograd node running it."""
    model = build_module(net, device).train().to(DTYPES[dtype])
    state = {t.untyped_storage()._cdata for t in (*model.parameters(), *model.buffers())}
    names = [n.name for n in net.nodes]
    read = {t for n in net.nodes for t in n.inputs}
    sinks, outputs, running, owner = [n for n in names if n not in read], {}, [None], {}
    seen: dict[int, torch.Tensor] = {}  # storage -> a tensor holding it (kept alive)
    saved: dict[str, list[int]] = {}

    def hooks(name):
        def pre(module, args):
            running[0] = name

        def post(module, args, out):
            running[0] = None
            _own_nodes(out, owner, name)
            if name in sinks:
                outputs[name] = out

        leaf = model.get_submodule(name)
        return leaf.register_forward_pre_hook(pre), leaf.register_forward_hook(post)

    def pack(t):
        storage = t.untyped_storage()
        key = storage._cdata
        if key not in state and key not in seen:
            seen[key] = t
            saved.setdefault(running[0], []).append(storage.nbytes())
        return t

    handles = [h for name in names for h in hooks(name)]
    x = zero_input(net, batch, device).to(DTYPES[dtype])
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    for h in handles:
        h.remove()
    loss = sum(outputs[n].float().sum() for n in sinks)
    flops: dict[str, int] = {}
    with FlopCounterMode(display=False) as mode:
        count = mode._count_flops

        def charged(packet, out, args, kwargs):
            if packet in mode.flop_registry:
                leaf = owner.get(torch._C._current_autograd_node())
                n = mode.flop_registry[packet](*args, **kwargs, out_val=out)
                flops[leaf] = flops.get(leaf, 0) + n
            return count(packet, out, args, kwargs)

        mode._count_flops = charged
        loss.backward()
    return Probe({k: tuple(v) for k, v in saved.items()},
                 sum(t.untyped_storage().nbytes() for t in seen.values()),
                 {k: v for k, v in flops.items() if v}, mode.get_total_flops())
