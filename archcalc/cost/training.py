"""Training costs of a network: the backward pass, the tensors autograd saves for it, and the
memory of one training step (forward, backward, optimizer update), in one linear pass per
quantity.

Every per-op number comes from a rule: the convention's backward rules
(:meth:`Convention.backward_cost`) and what autograd saves (:mod:`archcalc.cost.saved`); the
graph-level definitions are here.  Like the rest of the cost engine it evaluates Python ints
(exact), NumPy arrays (sweeps) and SymPy expressions.  Units: MACs, FLOPs, bytes.

* In training every layer runs (training-only ones too; their outputs join the loss, which
  is the sum of every output no layer reads).  A tensor needs a gradient iff a layer with
  parameters is upstream of it (the network input needs none); a layer runs backward iff its
  output needs a gradient.  A tensor read by k layers gets k gradients, summed (a backward
  rule of its own, charged to the tensor's producer).
* Saved activations: the storages autograd keeps for the backward pass, each counted once (a
  ReLU output the next conv also saves is one tensor; a view is its source's storage), plus
  the tensors ops make for it (batch statistics, indices, copies).
* Forward memory while op i runs: the tensors live at inference, except that what is kept for
  the backward pass stays to the end of the forward.
* Backward memory while op i's backward runs: saved tensors not yet released (autograd
  releases a tensor after the backward of the first layer that saved it) + the gradients of
  the activations that need one, each alive from its last reader's backward to its
  producer's (the forward's live interval, walked in reverse).  Workspaces are not counted.
* Activation checkpointing per block (``blocks``): the forward keeps only each block's input
  tensors (released after that block's backward); each block's forward runs again at the
  start of its backward (its forward FLOPs added as recompute FLOPs) and its saved tensors
  live during its own backward only.
* Step memory: weights + gradients (both in the activation dtype) + fp32 master weights (fp16
  and bf16: mixed precision) + fp32 optimizer state + the larger of the forward and backward
  peaks.  Gradients are counted for the whole step (``zero_grad(set_to_none=False)``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from ..errors import ArchcalcError
from ..ir import INPUT, Network
from ..num import is_concrete, max_of
from ..ops import GradientSum, Unused
from .record import Cost
from .saved import OUTPUT, saved, shares_storage

MODES = ("infer", "train")
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}  # fp32 state tensors per weight
CHECKPOINTS = ("none", "blocks")
MASTER_BYTES = 4  # fp32 master weights and optimizer state

COLUMNS = ("backward_macs", "backward_flops", "recompute_flops", "saved_bytes", "held_bytes",
           "forward_activation_bytes", "backward_activation_bytes")
TOTALS = ("backward_macs", "backward_flops", "recompute_flops", "train_macs", "train_flops",
          "saved_activation_bytes", "forward_peak_bytes", "backward_peak_bytes", "weight_bytes",
          "gradient_bytes", "master_weight_bytes", "optimizer_state_bytes", "train_memory_bytes")
CHECKPOINTED = ("saved_activation_bytes_no_checkpoint", "train_memory_bytes_no_checkpoint")


@dataclass(frozen=True)
class Training:
    """How a training step runs: the ``optimizer`` (its state: none, momentum, or Adam's two
    moments) and activation ``checkpoint``-ing (``none`` or per ``blocks``)."""

    optimizer: str = "adamw"
    checkpoint: str = "none"

    @property
    def totals(self) -> tuple[str, ...]:
        """The names of the step's totals, in order."""
        return TOTALS + (CHECKPOINTED if self.checkpoint == "blocks" else ())

    def __post_init__(self):
        for key, allowed in (("optimizer", tuple(OPTIMIZERS)), ("checkpoint", CHECKPOINTS)):
            value = getattr(self, key)
            if not isinstance(value, str) or value not in allowed:
                raise ArchcalcError(f"expected one of {', '.join(allowed)}, got {value!r}"[:160],
                                    field=f"--{key}")


@dataclass(frozen=True)
class TrainingCost:
    """Per node (:data:`COLUMNS`, in node order) and in total: ``backward_*`` the backward
    pass; ``recompute_flops`` the forward run again under checkpointing; ``saved_bytes`` the
    storages this op is first to save (and what it makes for backward); ``held_bytes`` what
    the forward holds for backward once this op has run; ``forward_/backward_activation_bytes``
    the activation memory while it runs forward and backward."""

    settings: Training
    columns: MappingProxyType
    totals: MappingProxyType


def every_node_runs(net: Network) -> Network:
    """``net`` as it runs in training: its training-only layers run too."""
    if not any(n.train_only for n in net.nodes):
        return net
    return replace(net, nodes=tuple(n._replace(train_only=False) for n in net.nodes))


def _sums(n: int, intervals) -> list:
    """Per index ``0 … n-1`` the sum of the sizes of the intervals ``(lo, hi, size)``
    (inclusive) that cover it, in one pass over their ends (never updated in place: sizes may
    be NumPy arrays)."""
    delta = [0] * (n + 1)
    for lo, hi, size in intervals:
        delta[lo] = delta[lo] + size
        delta[hi + 1] = delta[hi + 1] - size
    out, running = [], 0
    for step in delta[:n]:
        running = running + step
        out.append(running)
    return out


class _Graph:
    """The structure training needs, from one pass over the nodes: which tensors need a
    gradient, storages (roots) with their sizes, births and last readers, who saves what."""

    def __init__(self, net: Network, params, batch, width):
        nodes = self.nodes = net.nodes
        n = len(nodes)
        last = n - 1
        self.needs = {INPUT: 0}
        self.root = {INPUT: INPUT}
        self.size = {INPUT: batch * width * net.input_shape.numel}
        self.birth = {INPUT: 0}
        self.grads = []
        self.reads: dict[str, int] = {}
        for i, node in enumerate(nodes):
            grads = tuple(self.needs[t] for t in node.inputs)
            # an output depends on the op's parameters, except Unused's (never read)
            trainable = not isinstance(node.op, Unused) and \
                not (is_concrete(params[i]) and params[i] == 0)
            self.needs[node.name] = 1 if trainable or any(grads) else 0
            self.grads.append(grads)
            for t in node.inputs:
                self.reads[t] = self.reads.get(t, 0) + 1
            if node.inputs and shares_storage(node.op, node.in_shapes[0]):
                self.root[node.name] = self.root[node.inputs[0]]
            else:
                self.root[node.name] = node.name
                self.size[node.name] = batch * width * node.out_shape.numel
                self.birth[node.name] = i
        self.last = dict(self.birth)
        for i, node in enumerate(nodes):
            for t in node.inputs:
                self.last[self.root[t]] = i
            if node.name not in self.reads:  # an output: it feeds the loss
                self.last[self.root[node.name]] = last
        self.savers: dict[str, list[int]] = {}  # root -> nodes saving it, in order
        self.private: list[tuple[int, object]] = []  # (node, bytes) made for the backward
        for i, node in enumerate(nodes):
            if not self.needs[node.name]:
                continue
            for s in saved(node.op, node.in_shapes, node.out_shape, self.grads[i], batch):
                if s.source is None:
                    self.private.append((i, s.elements * (s.width or width)))
                else:
                    t = node.name if s.source == OUTPUT else node.inputs[s.source]
                    self.savers.setdefault(self.root[t], []).append(i)

    def gradient_intervals(self) -> list:
        """Each activation gradient: from its last reader's backward to its producer's."""
        return [(self.birth[r], self.last[r], self.size[r]) for r in self.birth
                if self.needs[r]]


def _checkpoint_inputs(g: _Graph) -> tuple[dict, dict]:
    """Per block ``(first, last)`` node index, and per root held by checkpoints the first
    node of the first block that holds it (a block holds the tensors it reads from outside)."""
    span: dict[str, list[int]] = {}
    for i, node in enumerate(g.nodes):
        span.setdefault(node.block, [i, i])[1] = i
    held: dict[str, int] = {}
    for i, node in enumerate(g.nodes):
        first = span[node.block][0]
        for t in node.inputs:
            r = g.root[t]
            if g.birth[r] < first or r == INPUT:
                held[r] = min(held.get(r, first), first)
    return span, held


def _memory(g: _Graph, checkpoint: str):
    """``(held per node, forward profile, backward profile)`` of activation bytes."""
    n = len(g.nodes)
    end = n - 1
    held_at = [0] * n
    backward = list(g.gradient_intervals())
    if checkpoint == "blocks":
        span, held = _checkpoint_inputs(g)
        for r, start in held.items():
            held_at[start] = held_at[start] + g.size[r]
            backward.append((start, end, g.size[r]))
        for r, savers in g.savers.items():
            by_block: dict[str, int] = {}
            for i in savers:
                by_block.setdefault(g.nodes[i].block, i)
            for block, first_saver in by_block.items():
                hi = span[block][1] if r not in held else min(span[block][1], held[r] - 1)
                if first_saver <= hi:
                    backward.append((first_saver, hi, g.size[r]))
        backward += [(i, span[g.nodes[i].block][1], b) for i, b in g.private]
        private = []
    else:
        held = {r: savers[0] for r, savers in g.savers.items()}
        for r, first in held.items():
            held_at[first] = held_at[first] + g.size[r]
        for i, b in g.private:
            held_at[i] = held_at[i] + b
        backward += [(first, end, g.size[r]) for r, first in held.items()]
        backward += [(i, end, b) for i, b in g.private]
        private = [(i, end, b) for i, b in g.private]
    forward = [(g.birth[r], end if r in held else g.last[r], g.size[r]) for r in g.birth]
    return held_at, _sums(n, forward + private), _sums(n, backward)


def training_costs(net: Network, rules, batch, width: int, forward: dict,
                   settings: Training) -> TrainingCost:
    """The training costs of ``net`` (as :func:`every_node_runs` gives it) for ``batch``
    samples, activations of ``width`` bytes, under ``rules`` (a convention that
    :attr:`~Convention.trains`); ``forward`` holds the forward ``params``, ``macs`` and
    ``flops`` per node under the same rules."""
    params, fmacs, fflops = forward["params"], forward["macs"], forward["flops"]
    g = _Graph(net, params, batch, width)
    bmacs, bflops = [], []
    for i, node in enumerate(g.nodes):
        cost = Cost()
        if g.needs[node.name]:
            cost = rules.backward_cost(node.op, node.in_shapes, node.out_shape, g.grads[i], batch)
            readers = g.reads.get(node.name, 0)
            if readers > 1:
                cost = cost + rules.backward_cost(GradientSum(readers), (node.out_shape,),
                                                  node.out_shape, (1,), batch)
        bmacs.append(cost.macs)
        bflops.append(cost.flops)
    ckpt = settings.checkpoint == "blocks"
    recompute = list(fflops) if ckpt else [0] * len(g.nodes)
    own = [0] * len(g.nodes)
    for r, savers in g.savers.items():
        own[savers[0]] = own[savers[0]] + g.size[r]
    for i, b in g.private:
        own[i] = own[i] + b
    held_at, fwd, bwd = _memory(g, settings.checkpoint)
    held, running = [], 0
    for b in held_at:
        running = running + b
        held.append(running)
    columns = dict(zip(COLUMNS, (bmacs, bflops, recompute, own, held, fwd, bwd)))
    p = sum(params)
    state = {"weight_bytes": width * p, "gradient_bytes": width * p,
             "master_weight_bytes": MASTER_BYTES * p if width < MASTER_BYTES else 0,
             "optimizer_state_bytes": MASTER_BYTES * OPTIMIZERS[settings.optimizer] * p}
    persistent = sum(state.values())
    totals = {"backward_macs": sum(bmacs), "backward_flops": sum(bflops),
              "recompute_flops": sum(recompute),
              "train_macs": sum(fmacs) + sum(bmacs) + (sum(fmacs) if ckpt else 0),
              "train_flops": sum(fflops) + sum(bflops) + sum(recompute),
              "saved_activation_bytes": held[-1] if held else 0,
              "forward_peak_bytes": max_of([g.size[INPUT], *fwd]),
              "backward_peak_bytes": max_of([0, *bwd]), **state}
    totals["train_memory_bytes"] = persistent + max_of([totals["forward_peak_bytes"],
                                                        totals["backward_peak_bytes"]])
    if ckpt:
        _, fwd0, bwd0 = _memory(g, "none")
        totals[CHECKPOINTED[0]] = sum(own)
        totals[CHECKPOINTED[1]] = persistent + max_of([g.size[INPUT], *fwd0, *bwd0])
    return TrainingCost(settings, MappingProxyType({k: tuple(v) for k, v in columns.items()}),
                        MappingProxyType({k: totals[k] for k in settings.totals}))
