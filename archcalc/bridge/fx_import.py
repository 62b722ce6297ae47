"""torch.nn.Module -> archcalc IR, so models without a spec get the same analysis.

torch.fx traces the module; each call is mapped onto a primitive op, and every op's output
shape from archcalc's own rules is checked against the shape torch computed.  Where fx cannot
trace (data-dependent control flow), forward hooks on the leaf modules record the calls in
order instead: leaf modules are then exact, but functional ops (``+``, ``*``, ``cat``) are
not seen and the network is treated as a chain.  Anything unsupported is named in the error,
never skipped.
"""

from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import fx, nn

from ..errors import ArchcalcError
from ..ir import INPUT, BlockInfo, GraphBuilder, Network, Node
from ..ops import (Activation, Add, BatchNorm2d, ChannelShuffle, ChannelSplit, Concat, Conv2d,
                   Linear, Pool2d, Scale, Shape)
from . import modules as ours

ACT_MODULES = {nn.ReLU6: "relu6", nn.ReLU: "relu", nn.Hardswish: "hswish",
               nn.Hardsigmoid: "hsigmoid", nn.SiLU: "swish", nn.Sigmoid: "sigmoid"}
ACT_FUNCTIONS = {F.relu: "relu", torch.relu: "relu", F.relu6: "relu6", F.hardswish: "hswish",
                 F.hardsigmoid: "hsigmoid", F.silu: "swish", torch.sigmoid: "sigmoid",
                 F.sigmoid: "sigmoid"}
ACT_METHODS = {"relu": "relu", "sigmoid": "sigmoid"}
ALIAS_MODULES = (nn.Dropout, nn.Identity, nn.Flatten)
ALIAS_METHODS = ("flatten", "contiguous", "view", "reshape")
LEAVES = (ours.AddTensors, ours.ScaleChannels, ours.ConcatChannels, ours.SplitChannels,
          ours.ShuffleChannels, ours.Dense)


def _square(value, what: str):
    if isinstance(value, tuple):
        if len(set(value)) != 1:
            raise ArchcalcError(f"non-square {what} {value} is not supported")
        return value[0]
    return value


def module_op(m: nn.Module):
    """The primitive op computed by leaf module ``m``; ``None`` for identity modules."""
    if isinstance(m, nn.Conv2d):
        if m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise ArchcalcError(f"conv padding {m.padding!r} / {m.padding_mode} is not supported")
        return Conv2d(m.in_channels, m.out_channels, _square(m.kernel_size, "kernel"),
                      _square(m.stride, "stride"), _square(m.padding, "padding"),
                      _square(m.dilation, "dilation"), m.groups, m.bias is not None)
    if isinstance(m, nn.BatchNorm2d) and m.affine:
        return BatchNorm2d(m.num_features)
    for cls, fn in ACT_MODULES.items():
        if type(m) is cls:
            return Activation(fn)
    if isinstance(m, nn.Linear):
        return Linear(m.in_features, m.out_features, m.bias is not None)
    if isinstance(m, nn.AdaptiveAvgPool2d) and _square(m.output_size, "output size") == 1:
        return Pool2d()
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) and not m.ceil_mode and \
            _square(getattr(m, "dilation", 1), "dilation") == 1:
        return Pool2d("max" if isinstance(m, nn.MaxPool2d) else "avg",
                      _square(m.kernel_size, "kernel"), _square(m.stride, "stride"),
                      _square(m.padding, "padding"))
    simple = {ours.AddTensors: Add, ours.ScaleChannels: Scale, ours.ConcatChannels: Concat}
    if type(m) in simple:
        return simple[type(m)]()
    if isinstance(m, ours.SplitChannels):
        return ChannelSplit(m.half)
    if isinstance(m, ours.ShuffleChannels):
        return ChannelShuffle(m.groups)
    if isinstance(m, ALIAS_MODULES):
        return None
    raise ArchcalcError(f"unsupported module type {type(m).__name__}")


class _Tracer(fx.Tracer):
    def is_leaf_module(self, m, qualname):
        return isinstance(m, LEAVES) or super().is_leaf_module(m, qualname)


def _shape(meta) -> Shape:
    s = tuple(meta.shape)[1:]
    return Shape(*(s + (1,) * (3 - len(s))))


def _is_global_mean(node) -> bool:
    dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
    return sorted(dims or ()) == [2, 3]


class _Importer:
    """Walks an fx graph, mapping nodes to ops; collects every unsupported call."""

    def __init__(self, gm: fx.GraphModule, input_shape: Shape):
        self.gm = gm
        self.g = GraphBuilder(input_shape)
        self.tensor: dict[str, str] = {}
        self.chunks: dict[str, fx.Node] = {}
        self.unsupported: list[str] = []
        self.blocks: set[str] = set()

    def run(self, name: str) -> Network:
        for node in self.gm.graph.nodes:
            try:
                self.visit(node)
            except ArchcalcError as exc:
                self.unsupported.append(f"{node.target if node.op == 'call_module' else node.name}"
                                        f" ({exc.message})")
        if self.unsupported:
            raise ArchcalcError("cannot import: " + "; ".join(self.unsupported[:8])
                                + (f"; and {len(self.unsupported) - 8} more"
                                   if len(self.unsupported) > 8 else ""))
        return self.g.network(name)

    def _block(self, node, path: str) -> None:
        stack = list(node.meta.get("nn_module_stack", {}))
        block = path.rsplit(".", 1)[0] if "." in path else (stack[-1] if stack else path)
        if block in self.blocks:
            self.g.block = block
        else:
            self.blocks.add(block)
            self.g.begin_block(BlockInfo(block, "torch", block))

    def _add(self, node, path: str, op, *args) -> None:
        self._block(node, path)
        name = self.g.add(path, op, *(self.tensor[a.name] for a in args))
        expected = _shape(node.meta["tensor_meta"])
        if self.g.shape(name) != expected:
            raise ArchcalcError(f"shape {self.g.shape(name)} differs from torch's {expected}")
        self.tensor[node.name] = name

    def _alias(self, node, source) -> None:
        self.tensor[node.name] = self.tensor[source.name]

    def _path(self, node) -> str:
        stack = list(node.meta.get("nn_module_stack", {}))
        return f"{stack[-1]}.{node.name}" if stack else node.name

    def visit(self, node) -> None:
        if any(n.name not in self.tensor and n.name not in self.chunks
               for n in node.all_input_nodes):
            # downstream of an unsupported call, which is already reported; shapes are
            # unknown here, but a module's type can still be checked
            if node.op == "call_module":
                module_op(self.gm.get_submodule(node.target))
            return
        if node.op == "placeholder":
            self.tensor[node.name] = INPUT
        elif node.op == "output":
            return
        elif node.op == "call_module":
            op = module_op(self.gm.get_submodule(node.target))
            if op is None:
                self._alias(node, node.args[0])
            else:
                self._add(node, node.target, op, *node.args)
        elif node.op == "call_function":
            self.visit_function(node)
        elif node.op == "call_method":
            self.visit_method(node)
        else:
            raise ArchcalcError(f"unsupported {node.op} {node.target}")

    def visit_function(self, node) -> None:
        fn, args = node.target, node.args
        if fn in (operator.add, torch.add, operator.iadd):
            self._add(node, self._path(node), Add(), *args[:2])
        elif fn in (operator.mul, torch.mul, operator.imul):
            a, b = args[:2]
            big, gate = (a, b) if _shape(a.meta["tensor_meta"]).h != 1 else (b, a)
            self._add(node, self._path(node), Scale(), big, gate)
        elif fn is torch.cat and len(args[0]) == 2 and node.kwargs.get("dim", args[1] if len(args) > 1 else 0) == 1:
            self._add(node, self._path(node), Concat(), *args[0])
        elif fn is torch.flatten:
            self._alias(node, args[0])
        elif fn in ACT_FUNCTIONS:
            self._add(node, self._path(node), Activation(ACT_FUNCTIONS[fn]), args[0])
        elif fn is F.adaptive_avg_pool2d and args[1] in (1, (1, 1)):
            self._add(node, self._path(node), Pool2d(), args[0])
        elif fn is operator.getitem and args[0].name in self.chunks:
            self._add(node, self._path(node), ChannelSplit(args[1]), self.chunks[args[0].name])
        else:
            raise ArchcalcError(f"unsupported function {getattr(fn, '__name__', fn)}")

    def visit_method(self, node) -> None:
        method, args = node.target, node.args
        if method in ALIAS_METHODS:
            self._alias(node, args[0])
        elif method == "mean" and _is_global_mean(node):
            self._add(node, self._path(node), Pool2d(), args[0])
        elif method in ACT_METHODS:
            self._add(node, self._path(node), Activation(ACT_METHODS[method]), args[0])
        elif method == "chunk" and args[1:2] == (2,) and node.kwargs.get("dim", args[2] if len(args) > 2 else 0) == 1:
            self.chunks[node.name] = node.args[0]
        else:
            raise ArchcalcError(f"unsupported method .{method}()")


def _trace(module: nn.Module, x) -> fx.GraphModule:
    from torch.fx.passes.shape_prop import ShapeProp

    gm = fx.GraphModule(module, _Tracer().trace(module))
    ShapeProp(gm).propagate(x)
    return gm


def _hooked(module: nn.Module, x, name: str) -> Network:
    """Fallback: leaf modules in call order, recorded by forward hooks, as a chain."""
    calls = []
    names = {m: n for n, m in module.named_modules()}
    leaves = [m for m in module.modules() if not list(m.children()) and m is not module]
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append((names[m], m, i[0], o)))
             for m in leaves]
    try:
        with torch.no_grad():
            module(x)
    finally:
        for h in hooks:
            h.remove()
    nodes, blocks, previous, unsupported = [], {}, INPUT, []
    for path, m, inp, out in calls:
        try:
            op = module_op(m)
        except ArchcalcError as exc:
            unsupported.append(f"{path} ({exc.message})")
            continue
        if op is None:
            continue
        block = path.rsplit(".", 1)[0] if "." in path else path
        blocks.setdefault(block, BlockInfo(block, "torch", block))
        if path in {n.name for n in nodes}:
            path = f"{path}#{len(nodes)}"
        nodes.append(Node(path, block, op, (previous,), (_shape(inp),), _shape(out)))
        previous = path
    if unsupported:
        raise ArchcalcError("cannot import: " + "; ".join(unsupported[:8]))
    return Network(name, _shape(x), tuple(nodes), tuple(blocks.values()))


def network_from_module(module: nn.Module, input_hwc, name: str | None = None
                        ) -> tuple[Network, str]:
    """The IR of ``module`` on a zero input of ``(H, W, C)``, and how it was traced
    (``"fx"`` or ``"hooks"``)."""
    h, w, c = input_hwc
    module = module.eval()
    x = torch.zeros(1, c, h, w)
    name = name or type(module).__name__
    try:
        gm = _trace(module, x)
    except ArchcalcError:
        raise
    except Exception:  # noqa: BLE001 - fx raises many kinds; hooks still see the leaves
        return _hooked(module, x, name), "hooks"
    return _Importer(gm, Shape(c, h, w)).run(name), "fx"
