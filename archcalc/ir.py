"""The intermediate representation: a network is an ordered graph of primitive ops.

Every node carries its resolved input and output shapes, the block it belongs to and a
dotted name (``block3.expand.conv``) that the torch bridge reuses as the module path.  Nodes
are in execution order (the sequential schedule used for peak memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .errors import ArchcalcError
from .ops import Shape

INPUT = "input"


class Node(NamedTuple):
    """One op; ``train_only``: it runs in training only (its params count, its inference
    cost is zero and no inference tensor depends on it).  A named tuple: built once per op
    on the hot path."""

    name: str
    block: str
    op: object
    inputs: tuple[str, ...]
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    train_only: bool = False


@dataclass(frozen=True)
class BlockInfo:
    """A block of the spec: its name, kind (``ir``, ``dwsep`` ...), spec text and whether it
    runs in training only."""

    name: str
    kind: str
    text: str
    train_only: bool = False


@dataclass(frozen=True)
class Network:
    name: str
    input_shape: Shape
    nodes: tuple[Node, ...]
    blocks: tuple[BlockInfo, ...]

    @property
    def inference_nodes(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if not n.train_only)

    @property
    def output(self) -> str:
        nodes = self.inference_nodes
        return nodes[-1].name if nodes else INPUT

    @property
    def output_shape(self) -> Shape:
        nodes = self.inference_nodes
        return nodes[-1].out_shape if nodes else self.input_shape

    def consumers(self) -> dict[str, list[int]]:
        """Tensor name -> indices of the nodes that read it."""
        uses: dict[str, list[int]] = {INPUT: []}
        for i, node in enumerate(self.nodes):
            uses.setdefault(node.name, [])
            for t in node.inputs:
                uses[t].append(i)
        return uses


class GraphBuilder:
    """Appends nodes, inferring each output shape from the op; used by the block library."""

    def __init__(self, input_shape: Shape):
        self.input_shape = input_shape
        self._nodes: list[Node] = []
        self._shapes: dict[str, Shape] = {INPUT: input_shape}
        self._blocks: list[BlockInfo] = []
        self._outputs: dict[str, str] = {INPUT: INPUT}
        self.block = ""
        self.train_only = False
        self._train_only: set[str] = set()  # tensors only training-only layers may read
        self._templates: dict[tuple, tuple | None] = {}
        self._seen: set[tuple] = set()

    def begin_block(self, info: BlockInfo) -> None:
        self._blocks.append(info)
        self.block, self.train_only = info.name, info.train_only

    def name_output(self, name: str, output: str) -> None:
        """Let ``name`` refer to ``output`` too (a repeated layer's name: its last repeat)."""
        self._outputs.setdefault(name, output)

    def end_block(self, output: str) -> None:
        """Record the current block's output tensor, for later references by block name."""
        self._outputs[self.block] = output

    def ref(self, block: str) -> str:
        """The output tensor of an earlier block (``input``: the network input)."""
        if block not in self._outputs:
            raise ArchcalcError(f"unknown layer reference {block!r} (refer to an earlier "
                                f"layer's name, or 'input')")
        return self._outputs[block]

    def shape(self, tensor: str) -> Shape:
        return self._shapes[tensor]

    def op_of(self, name: str) -> tuple:
        """``(op, in_shapes, out_shape)`` of the node called ``name``."""
        node = next(n for n in reversed(self._nodes) if n.name == name)
        return node.op, node.in_shapes, node.out_shape

    def add(self, name: str, op, *inputs: str) -> str:
        """Add ``op`` applied to ``inputs`` under ``name``; returns the output tensor's name."""
        if name in self._shapes:
            raise ArchcalcError(f"duplicate layer name {name!r}", field="name")
        shapes = self._shapes
        in_shapes = tuple([shapes[t] for t in inputs])
        out = op.out_shape(*in_shapes)
        if self.train_only:
            self._train_only.add(name)
        elif self._train_only and not self._train_only.isdisjoint(inputs):
            raise ArchcalcError(f"layer {name!r} reads a train_only layer's output; only "
                                f"train_only layers may", field="input")
        self._nodes.append(Node(name, self.block, op, inputs, in_shapes, out, self.train_only))
        shapes[name] = out
        return name

    def expand(self, blk, x: str, name: str, ctx) -> str:
        """``blk.expand(self, x, name, ctx)``: the block's ops added under ``name``, reading
        ``x``; returns its output tensor.

        An expansion equal to an earlier one (same block values, input shape, context and
        training flag) is replayed from it: the new nodes share the earlier ops and shapes,
        which are immutable.  Specs of thousands of layers repeat a few blocks, so this keeps
        their build time and memory small.  Expansions that read tensors other than ``x`` or
        name ops outside ``name.`` are always built afresh, as are values that cannot be
        hashed (NumPy arrays)."""
        try:
            key = (blk, self._shapes[x], ctx, self.train_only)
            template = self._templates.get(key)
        except TypeError:
            return blk.expand(self, x, name, ctx)
        if template is not None and (self.train_only or x not in self._train_only):
            return self._replay(template, x, name)
        if key not in self._seen:  # keep a template only of an expansion seen twice
            self._seen.add(key)
            return blk.expand(self, x, name, ctx)
        start = len(self._nodes)
        y = blk.expand(self, x, name, ctx)
        self._templates[key] = _template(self._nodes[start:], x, y, name + ".")
        return y

    def _replay(self, template: tuple, x: str, name: str) -> str:
        steps, out = template
        prefix, shapes = name + ".", self._shapes
        for suffix, op, inputs, in_shapes, out_shape in steps:
            node = prefix + suffix
            if node in shapes:
                raise ArchcalcError(f"duplicate layer name {node!r}", field="name")
            self._nodes.append(Node(node, self.block, op,
                                    tuple([x if t is None else prefix + t for t in inputs]),
                                    in_shapes, out_shape, self.train_only))
            shapes[node] = out_shape
            if self.train_only:
                self._train_only.add(node)
        return x if out is None else prefix + out

    def network(self, name: str) -> Network:
        return Network(name, self.input_shape, tuple(self._nodes), tuple(self._blocks))


def _template(nodes: list[Node], x: str, y: str, prefix: str) -> tuple | None:
    """A block's nodes with names relative to ``prefix`` and ``x`` as ``None``, or ``None``
    when the block reads other tensors or names ops outside ``prefix``."""
    own = {node.name for node in nodes}
    if any(not node.name.startswith(prefix) or any(t != x and t not in own for t in node.inputs)
           for node in nodes) or (y != x and y not in own):
        return None
    cut = len(prefix)
    steps = tuple((node.name[cut:], node.op, tuple(None if t == x else t[cut:] for t in node.inputs),
                   node.in_shapes, node.out_shape) for node in nodes)
    return steps, None if y == x else y[cut:]
