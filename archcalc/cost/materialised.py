"""What a network holds in memory at each spatial resolution: MobileNetV2 Table 3's view.

A tensor is *materialised* when it crosses a block boundary: exactly the tensors the
``fused`` policy of :func:`~archcalc.cost.memory.traffic` writes (a block's internal tensors,
such as an inverted residual's expanded tensor, stay on chip: MobileNetV2 §5.1); the network
input is read, never written, so it is not one.  With the first-layer trick (V2 §5 and
Table 3's caption) the first two blocks count as one.  Per block: the bytes of the tensors it
reads from other blocks (its inputs) and of those it materialises (its output), not tensors
held for later blocks (the sequential peak counts those); an inverted residual with an
expansion conv also gets one of ``t`` slices of its expanded tensor (§5.1: computed slice by
slice, the expanded tensor is never whole) and its sequential peak, the largest live set
while its ops run one after another with every tensor materialised
(:func:`~archcalc.cost.memory.live_profile`).

Units: bytes at ``width`` bytes an element, one sample; exact integers (concrete sizes only).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..ir import INPUT, BlockInfo, Network, Node
from ..ops import Shape, is_view
from .memory import live_profile, traffic


@dataclass(frozen=True)
class Tensor:
    """A materialised tensor: the node that makes it, its shape and its bytes."""

    name: str
    shape: Shape
    bytes: int


@dataclass(frozen=True)
class BlockMemory:
    """One block's memory: ``inputs`` and ``output`` bytes (the tensors it reads from other
    blocks and those it materialises), ``sequential_peak`` bytes; for an expanded inverted
    residual, ``slices`` and the bytes of one slice of its expanded tensor ``expanded``."""

    name: str
    shape: Shape  # of its (last) materialised output: the resolution it belongs to
    inputs: int
    output: int
    sequential_peak: int
    expanded: Tensor | None = None
    slices: int | None = None
    slice_bytes: int | None = None

    @property
    def working_set(self) -> int:
        return self.inputs + self.output

    @property
    def sliced(self) -> int | None:
        """The §5.1 bound: inputs + output + one slice (``None`` for other blocks)."""
        return None if self.slices is None else self.working_set + self.slice_bytes


@dataclass(frozen=True)
class Level:
    """One spatial resolution (``h``, ``w`` in ``layout``): its largest materialised tensor,
    the block with the largest working set and the expanded block with the largest §5.1
    bound whose outputs have this resolution (``None`` where there is none)."""

    h: int
    w: int
    layout: str
    largest: Tensor
    working_set: BlockMemory | None
    sliced: BlockMemory | None


@dataclass(frozen=True)
class MaterialisedView:
    """The view of one network: its levels (in order of first appearance), its blocks, and
    how it was taken."""

    name: str
    network: Network = field(repr=False)
    width: int
    first_layer_trick: bool
    levels: tuple[Level, ...]
    blocks: tuple[BlockMemory, ...]

    @property
    def peak(self) -> Tensor | None:
        """The largest materialised tensor (V2 Table 3's "max" row), the first on a tie;
        ``None`` when nothing is (a network of views only)."""
        return max((lv.largest for lv in self.levels), key=lambda t: t.bytes, default=None)

    @property
    def peak_bytes(self) -> int:
        return 0 if self.peak is None else self.peak.bytes


def merge_first_blocks(net: Network) -> Network:
    """``net`` with its first two inference blocks as one, named ``first+second`` (the
    first-layer trick); unchanged when it has fewer."""
    names = [b.name for b in net.blocks if not b.train_only][:2]
    if len(names) < 2:
        return net
    merged = "+".join(names)
    infos = {b.name: b for b in net.blocks}
    kind = "+".join(infos[n].kind for n in names)
    blocks = tuple(BlockInfo(merged, kind, f"{infos[names[0]].text}, {infos[names[1]].text}")
                   if b.name == names[0] else b for b in net.blocks if b.name != names[1])
    nodes = tuple(n._replace(block=merged) if n.block in names else n for n in net.nodes)
    return replace(net, nodes=nodes, blocks=blocks)


class _Block:
    """What :func:`materialised` gathers about one block while walking the nodes."""

    def __init__(self):
        self.reads: dict[str, Shape] = {}
        self.outputs: list[Node] = []
        self.internal: list[Node] = []
        self.indices: list[int] = []


def materialised(net: Network, width: int, first_layer_trick: bool = True,
                 slices: int | None = None) -> MaterialisedView:
    """The view of ``net`` at ``width`` bytes an element.  ``slices``: the number of slices of
    every expanded tensor (default: each block's expansion ratio t, its expanded channels
    over its input channels, floored)."""
    if first_layer_trick:
        net = merge_first_blocks(net)
    block_of = {INPUT: None, **{n.name: n.block for n in net.nodes}}
    kinds = {b.name: b.kind for b in net.blocks}
    live = live_profile(net)
    gathered: dict[str, _Block] = {}
    tensors = []
    for i, (node, (_, written)) in enumerate(zip(net.nodes, traffic(net, "fused"))):
        if node.train_only:
            continue
        b = gathered.setdefault(node.block, _Block())
        b.indices.append(i)
        for tensor, shape in zip(node.inputs, node.in_shapes):
            if block_of[tensor] != node.block:
                b.reads[tensor] = shape
        if written:
            b.outputs.append(node)
            tensors.append(Tensor(node.name, node.out_shape, width * written))
        elif not is_view(node.op):
            b.internal.append(node)
    blocks = tuple(_block_memory(name, b, kinds[name], live, width, slices)
                   for name, b in gathered.items() if b.outputs)
    return MaterialisedView(net.name, net, width, first_layer_trick, _levels(tensors, blocks),
                            blocks)


def _block_memory(name: str, b: _Block, kind: str, live: list, width: int,
                  slices: int | None) -> BlockMemory:
    out = BlockMemory(name, b.outputs[-1].out_shape,
                      width * sum(s.numel for s in b.reads.values()),
                      width * sum(n.out_shape.numel for n in b.outputs),
                      width * max(live[i] for i in b.indices))
    if kind != "ir" or not b.internal or not b.reads:
        return out
    inner = max(b.internal, key=lambda n: n.out_shape.numel)
    exp, cin = inner.out_shape.c, max(s.c for s in b.reads.values())
    if exp <= cin:  # no expansion conv (t = 1)
        return out
    t = slices or exp // cin
    shape = inner.out_shape
    one = shape.h * shape.w * -(-exp // t)  # ceil(exp / t) channels of it
    return replace(out, expanded=Tensor(inner.name, shape, width * shape.numel), slices=t,
                   slice_bytes=width * one)


def _levels(tensors: list[Tensor], blocks: tuple[BlockMemory, ...]) -> tuple[Level, ...]:
    """The tensors and blocks grouped by resolution, in order of first appearance."""
    key = lambda shape: (shape.h, shape.w, shape.layout)  # noqa: E731
    order: dict[tuple, list[Tensor]] = {}
    for t in tensors:
        order.setdefault(key(t.shape), []).append(t)
    levels = []
    for (h, w, layout), group in order.items():
        here = [b for b in blocks if key(b.shape) == (h, w, layout)]
        sliced = [b for b in here if b.slices is not None]
        levels.append(Level(h, w, layout, max(group, key=lambda t: t.bytes),
                            max(here, key=lambda b: b.working_set, default=None),
                            max(sliced, key=lambda b: b.sliced, default=None)))
    return tuple(levels)
