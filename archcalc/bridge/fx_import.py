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
from dataclasses import replace
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import fx, nn

from ..errors import ArchcalcError
from ..ir import INPUT, BlockInfo, GraphBuilder, Network, Node
from ..ops import (Activation, AdaptivePool2d, Add, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GroupNorm, LayerNorm, LayerScale, Linear, MatMul, PatchMerge, Permute, Pool2d,
                   PosEmbed, Scale, Shape, Softmax, TokenSelect, Upsample, WindowShift)
from ..registry import Registry
from . import modules as ours

# torch module type -> the op it computes (``None``: an identity, not a node)
IMPORTERS = Registry("fx importer")
importer = IMPORTERS.register


ACT_MODULES = {nn.ReLU6: "relu6", nn.ReLU: "relu", nn.Hardswish: "hswish",
               nn.Hardsigmoid: "hsigmoid", nn.SiLU: "swish", nn.Sigmoid: "sigmoid",
               nn.Mish: "mish", nn.LeakyReLU: "leaky_relu", nn.Hardtanh: "hardtanh",
               nn.Tanh: "tanh"}
ACT_FUNCTIONS = {F.relu: "relu", torch.relu: "relu", F.relu6: "relu6", F.hardswish: "hswish",
                 F.hardsigmoid: "hsigmoid", F.silu: "swish", torch.sigmoid: "sigmoid",
                 F.sigmoid: "sigmoid", F.gelu: "gelu", torch.tanh: "tanh", F.mish: "mish"}
ACT_METHODS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}
ALIAS_METHODS = ("flatten", "contiguous", "view", "reshape")
BINARY_FUNCTIONS = {operator.add: Add, operator.mul: Scale, torch.matmul: MatMul}
PERMUTES = {(0, 2, 3, 1): "hwc", (0, 3, 1, 2): "chw"}


def _size(value):
    """A torch size as archcalc's: an int when square, else the pair."""
    value = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    return value[0] if len(set(value)) == 1 else value


@importer(nn.Conv2d)
def _conv(m: nn.Conv2d):
    if m.padding_mode != "zeros" or isinstance(m.padding, str):
        raise ArchcalcError(f"conv padding {m.padding!r} / {m.padding_mode} is not supported")
    return Conv2d(m.in_channels, m.out_channels, _size(m.kernel_size), _size(m.stride),
                  _size(m.padding), _size(m.dilation), m.groups, m.bias is not None)


@importer(ours.PaddedConv2d)
def _padded_conv(m: ours.PaddedConv2d):
    return Conv2d(m.in_channels, m.out_channels, _size(m.kernel_size), _size(m.stride),
                  tuple(m.sides), _size(m.dilation), m.groups, m.bias is not None)


@importer(nn.ConvTranspose2d)
def _conv_t(m: nn.ConvTranspose2d):
    return ConvTranspose2d(m.in_channels, m.out_channels, _size(m.kernel_size), _size(m.stride),
                           _size(m.padding), _size(m.output_padding), _size(m.dilation),
                           m.groups, m.bias is not None)


@importer(nn.BatchNorm2d)
def _bn(m: nn.BatchNorm2d):
    return BatchNorm2d(m.num_features, m.affine)


@importer(nn.LayerNorm, ours.LayerNorm2d)
def _ln(m: nn.LayerNorm):
    if len(m.normalized_shape) != 1:
        raise ArchcalcError(f"layer norm over {tuple(m.normalized_shape)} is not supported")
    return LayerNorm(m.normalized_shape[0], m.elementwise_affine)


@importer(nn.GroupNorm)
def _gn(m: nn.GroupNorm):
    return GroupNorm(m.num_groups, m.num_channels, m.affine)


@importer(*ACT_MODULES)
def _act(m):
    return Activation(ACT_MODULES[type(m)])


@importer(nn.GELU)
def _gelu(m: nn.GELU):
    return Activation("gelu_tanh" if m.approximate == "tanh" else "gelu")


@importer(nn.Softmax)
def _softmax(m):
    return Softmax()


@importer(nn.Linear)
def _linear(m: nn.Linear):
    return Linear(m.in_features, m.out_features, m.bias is not None)


@importer(nn.MaxPool2d, nn.AvgPool2d)
def _pool(m):
    if _size(getattr(m, "dilation", 1)) != 1:
        raise ArchcalcError("dilated pooling is not supported")
    return Pool2d("max" if isinstance(m, nn.MaxPool2d) else "avg", _size(m.kernel_size),
                  _size(m.stride), _size(m.padding), m.ceil_mode)


@importer(ours.PaddedPool2d)
def _padded_pool(m: ours.PaddedPool2d):
    return Pool2d(_pool(m.pool).mode, _size(m.pool.kernel_size), _size(m.pool.stride),
                  tuple(m.sides), m.pool.ceil_mode)


@importer(nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
def _adaptive_pool(m):
    return AdaptivePool2d("max" if isinstance(m, nn.AdaptiveMaxPool2d) else "avg",
                          _size(m.output_size))


@importer(nn.Upsample)
def _upsample(m: nn.Upsample):
    scale = _size(m.scale_factor) if m.scale_factor is not None else None
    if m.mode not in ("nearest", "bilinear") or scale is None or scale != int(scale) \
            or m.align_corners:
        raise ArchcalcError(f"upsampling {m.mode} by {m.scale_factor} is not supported")
    return Upsample(int(scale), m.mode)


@importer(ours.Binary)
def _binary(m: ours.Binary):
    return BINARY_FUNCTIONS[m.fn]()


@importer(ours.ConcatFeatures)
def _concat(m):
    return Concat()


@importer(ours.SplitChannels)
def _split(m):
    return ChannelSplit(m.half)


@importer(ours.ShuffleChannels)
def _shuffle(m):
    return ChannelShuffle(m.groups)


@importer(ours.LayerScaleModule)
def _layer_scale(m):
    return LayerScale(m.gamma.shape[0])


@importer(ours.PermuteLayout)
def _permute(m):
    return Permute(m.to)


@importer(ours.MergePatches)
def _merge(m):
    return PatchMerge()


@importer(ours.ClassTokenModule)
def _cls(m):
    return ClassToken(m.token.shape[-1])


@importer(ours.PosEmbedModule)
def _pos(m):
    return PosEmbed(*m.embedding.shape[1:])


@importer(ours.SelectToken)
def _token(m):
    return TokenSelect(m.index)


@importer(ours.ShiftWindows)
def _window_shift(m):
    return WindowShift(m.window, m.shift, m.crop)


@importer(ours.AttentionScores)
def _scores(m):
    return AttnScores(m.heads, m.window, m.table is not None, m.masked)


@importer(ours.AttentionValues)
def _values(m):
    return AttnValues(m.heads, m.window)


@importer(nn.Dropout, nn.Identity, nn.Flatten, nn.Unflatten)
def _identity(m):
    return None


def module_op(m: nn.Module):
    """The primitive op computed by leaf module ``m``; ``None`` for identity modules."""
    for cls in type(m).__mro__:
        if cls in IMPORTERS:
            return IMPORTERS[cls](m)
    raise ArchcalcError(f"unsupported module type {type(m).__name__}")


class _Tracer(fx.Tracer):
    def is_leaf_module(self, m, qualname):
        return type(m) in IMPORTERS or super().is_leaf_module(m, qualname)


def _shape(meta) -> Shape:
    """A torch tensor's shape as archcalc's (by rank: images, tokens, flat features)."""
    s = tuple(meta.shape)[1:]
    return Shape.tokens(*s) if len(s) == 2 else Shape(*(s + (1,) * (3 - len(s))))


def _matches(shape: Shape, meta) -> bool:
    dims, ours_ = tuple(meta.shape)[1:], shape.torch_dims
    return dims + (1,) * (len(ours_) - len(dims)) == ours_


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
        meta = node.meta["tensor_meta"]
        if not _matches(self.g.shape(name), meta):
            raise ArchcalcError(f"shape {self.g.shape(name)} differs from torch's "
                                f"{tuple(meta.shape)[1:]}")
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
        elif fn is torch.cat and node.kwargs.get("dim", args[1] if len(args) > 1 else 0) in (1, -1):
            self._add(node, self._path(node), Concat(), *args[0])
        elif fn in (torch.matmul, operator.matmul):
            self._add(node, self._path(node), MatMul(), *args[:2])
        elif fn is F.softmax:
            self._add(node, self._path(node), Softmax(), args[0])
        elif fn is torch.flatten:
            self._alias(node, args[0])
        elif fn in ACT_FUNCTIONS:
            self._add(node, self._path(node), Activation(ACT_FUNCTIONS[fn]), args[0])
        elif fn is F.adaptive_avg_pool2d:
            self._add(node, self._path(node), AdaptivePool2d("avg", _size(args[1])), args[0])
        elif fn is operator.getitem and args[0].name in self.chunks:
            self._add(node, self._path(node), ChannelSplit(args[1]), self.chunks[args[0].name])
        else:
            raise ArchcalcError(f"unsupported function {getattr(fn, '__name__', fn)}")

    def visit_method(self, node) -> None:
        method, args = node.target, node.args
        if method in ALIAS_METHODS:
            self._alias(node, args[0])
        elif method == "mean" and _is_global_mean(node):
            self._add(node, self._path(node), AdaptivePool2d(), args[0])
        elif method == "permute" and tuple(args[1:]) in PERMUTES:
            self._add(node, self._path(node), Permute(PERMUTES[tuple(args[1:])]), args[0])
        elif method in ACT_METHODS:
            self._add(node, self._path(node), Activation(ACT_METHODS[method]), args[0])
        elif method == "chunk" and args[1:2] == (2,) and node.kwargs.get("dim", args[2] if len(args) > 2 else 0) == 1:
            self.chunks[node.name] = node.args[0]
        else:
            raise ArchcalcError(f"unsupported method .{method}()")


class _TensorMeta(NamedTuple):
    shape: torch.Size


class _ShapeRecorder(fx.Interpreter):
    """Runs a traced module, recording each node's output shape as ``node.meta["tensor_meta"]``
    (a tuple of them for tuple outputs), as torch's ``ShapeProp`` does without its strides,
    quantisation and SymPy import (0.5 s more on MobileNetV2)."""

    def run_node(self, node):
        result = super().run_node(node)
        if isinstance(result, torch.Tensor):
            node.meta["tensor_meta"] = _TensorMeta(result.shape)
        elif isinstance(result, (tuple, list)):
            node.meta["tensor_meta"] = tuple(
                _TensorMeta(r.shape) if isinstance(r, torch.Tensor) else None for r in result)
        return result


def _trace(module: nn.Module, x) -> fx.GraphModule:
    gm = fx.GraphModule(module, _Tracer().trace(module))
    with torch.no_grad():
        _ShapeRecorder(gm).run(x)
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


def _training_only(module: nn.Module, x, called: set[str]) -> tuple[Node, ...]:
    """Leaf modules that hold parameters yet never run at inference (an auxiliary classifier),
    with the leaves around them, as training-only nodes: their shapes come from hooks on a
    training-mode forward of a copy (batch 2, so batch norm has statistics to take)."""
    import copy

    def hidden(path: str) -> bool:
        return path not in called and not any(path.startswith(c + ".") for c in called)

    leaves = {n: m for n, m in module.named_modules()
              if n and not list(m.children()) and hidden(n)}
    if not any(p.numel() for m in leaves.values() for p in m.parameters()):
        return ()
    twin = copy.deepcopy(module).train()
    twins = dict(twin.named_modules())
    calls = []
    hooks = [twins[n].register_forward_hook(
        lambda m, i, o, n=n: calls.append((n, leaves[n], i[0], o))) for n in leaves]
    try:
        with torch.no_grad():
            twin(torch.zeros(2, *x.shape[1:]))
    finally:
        for h in hooks:
            h.remove()
    nodes, previous = [], INPUT
    for path, m, inp, out in calls:
        op = module_op(m)
        if op is not None:
            block = path.rsplit(".", 1)[0] if "." in path else path
            nodes.append(Node(path, block, op, (previous,), (_shape(inp),), _shape(out), True))
            previous = path
    return tuple(nodes)


def network_from_module(module: nn.Module, input_hwc, name: str | None = None
                        ) -> tuple[Network, str]:
    """The IR of ``module`` on a zero input of ``(H, W, C)`` (or ``(tokens, dim)``), and how
    it was traced (``"fx"`` or ``"hooks"``)."""
    shape = Shape.tokens(*input_hwc) if len(input_hwc) == 2 else Shape(input_hwc[2], *input_hwc[:2])
    module = module.eval()
    x = torch.zeros(1, *shape.torch_dims)
    name = name or type(module).__name__
    try:
        gm = _trace(module, x)
    except ArchcalcError:
        raise
    except Exception:  # noqa: BLE001 - fx raises many kinds; hooks still see the leaves
        return _hooked(module, x, name), "hooks"
    net = _Importer(gm, shape).run(name)
    extra = _training_only(module, x, {n.target for n in gm.graph.nodes
                                       if n.op in ("call_module", "get_attr")})
    blocks = {n.block: BlockInfo(n.block, "torch", n.block, True) for n in extra}
    return replace(net, nodes=net.nodes + extra,
                   blocks=net.blocks + tuple(blocks.values())), "fx"
