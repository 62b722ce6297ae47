"""Memory traffic policies and peak activation memory of the sequential schedule.

Units are activation *elements* (times the batch); the analysis multiplies by the dtype's
bytes.  Policies:

* ``unfused``: every op reads its inputs from memory and writes its output to memory.
* ``fused``: a block's intermediates stay on chip (MobileNetV2 §5.1): a read of a tensor
  produced inside the same block is free, and so is a write whose every reader is in the
  same block (unless it is the network output).
"""

from __future__ import annotations

from ..ir import INPUT, Network
from ..num import is_concrete, max_of
from ..ops import is_view

POLICIES = ("unfused", "fused")


def traffic(net: Network, policy: str, batch=1):
    """Per node, in order: (activation elements read, activation elements written) under
    ``policy`` (a generator: a network of a million ops never holds them all)."""
    fused = policy == "fused"
    if fused:
        block_of = {INPUT: None, **{n.name: n.block for n in net.nodes}}
        consumers = net.consumers()
    for node in net.nodes:
        if node.train_only or is_view(node.op):
            yield 0, 0
        elif not fused:
            yield (batch * sum(shape.numel for shape in node.in_shapes),
                   batch * node.out_shape.numel)
        else:
            read = sum(shape.numel for tensor, shape in zip(node.inputs, node.in_shapes)
                       if block_of[tensor] != node.block)
            internal = (node.name != net.output and consumers[node.name]
                        and all(net.nodes[i].block == node.block for i in consumers[node.name]))
            yield batch * read, 0 if internal else batch * node.out_shape.numel


def live_profile(net: Network, batch=1) -> list:
    """Live activation elements while each node runs, in one pass over birth/death events.

    A tensor lives from its producer to its last reader (the network output to the end);
    views share their source's storage, the network input is live from the start; training-only
    nodes do not run."""
    nodes = net.nodes
    n = len(nodes)
    root: dict[str, str] = {}  # view -> the tensor whose storage it uses
    last = {INPUT: 0}  # storage -> index of its last reader
    for i, node in enumerate(nodes):
        if is_view(node.op):
            root[node.name] = root.get(node.inputs[0], node.inputs[0])
        if node.train_only:
            continue
        last.setdefault(root.get(node.name, node.name), i)
        for t in node.inputs:
            last[root.get(t, t)] = i
    last[root.get(net.output, net.output)] = n
    delta = [0] * (n + 2)  # never updated in place: entries may be NumPy arrays
    delta[0] = net.input_shape.numel
    delta[last[INPUT] + 1] = delta[last[INPUT] + 1] - net.input_shape.numel
    for i, node in enumerate(nodes):
        if not node.train_only and node.name not in root:
            size = node.out_shape.numel
            delta[i] = delta[i] + size
            delta[last[node.name] + 1] = delta[last[node.name] + 1] - size
    live, running = [], 0
    for step in delta[:n]:
        running = running + step
        live.append(batch * running)
    return live


def peak_activations(net: Network, live: list, batch=1) -> tuple[object, str]:
    """The largest live set of ``live`` (from :func:`live_profile`), or the input alone, and
    the node where it occurs (``None`` for arrays and symbols: elementwise maxima)."""
    start = batch * net.input_shape.numel
    if not is_concrete(start, *live):  # arrays and symbols: an elementwise maximum, no one node
        return max_of([start, *live]), None
    best, where = start, INPUT
    for node, elements in zip(net.nodes, live):
        if elements > best:
            best, where = elements, node.name
    return best, where
