"""torch.nn.Module -> archcalc IR, so models without a spec get the same analysis.

torch.fx traces the module; each call is mapped onto a primitive op, and every op's output
shape from archcalc's own rules is checked against the shape torch computed.  Where fx cannot
trace (data-dependent control flow), forward hooks on the leaf modules record the calls in
order instead: leaf modules are then exact, but functional ops (``+``, ``*``, ``cat``) are
not seen and the network is treated as a chain.  Anything unsupported is named in the error,
never skipped.
"""

from __future__ import annotations

import math
import operator
import os
import traceback
from dataclasses import replace
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import fx, nn

from ..errors import ArchcalcError
from ..ir import INPUT, BlockInfo, GraphBuilder, Network, Node
from ..conventions.archcalc import ARCHCALC
from ..limits import MAX_INSPECT_ELEMENTS
from ..ops import (Unused, Activation, AdaptivePool2d, Add, Arith, AttnScores, AttnValues, BatchNorm2d,
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


def _same_padding(m: nn.Conv2d):
    """``padding='same'`` as explicit padding ``(top, bottom, left, right)``, as torch pads:
    ``d·(k−1)`` in all per axis, the odd one at the end."""
    sides = []
    for k, d in zip(m.kernel_size, m.dilation):
        total = d * (k - 1)
        sides.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = sides
    return (top, left) if (top, left) == (bottom, right) else (top, bottom, left, right)


@importer(nn.Conv2d)
def _conv(m: nn.Conv2d):
    if m.padding_mode != "zeros":
        raise ArchcalcError(f"padding_mode={m.padding_mode!r} is not supported (zeros only)")
    if m.padding == "valid":
        padding = 0
    elif m.padding == "same":
        padding = _same_padding(m)
    else:
        padding = _size(m.padding)
    return Conv2d(m.in_channels, m.out_channels, _size(m.kernel_size), _size(m.stride),
                  _size(padding) if not isinstance(padding, tuple) or len(padding) == 2
                  else padding, _size(m.dilation), m.groups, m.bias is not None)


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
    if m.elementwise_affine and m.bias is None:
        raise ArchcalcError("layer norm with a weight and no bias is not supported")
    return LayerNorm(m.normalized_shape[0], m.elementwise_affine)


@importer(nn.GroupNorm)
def _gn(m: nn.GroupNorm):
    return GroupNorm(m.num_groups, m.num_channels, m.affine)


@importer(*ACT_MODULES)
def _act(m):
    return Activation(next(ACT_MODULES[c] for c in type(m).__mro__ if c in ACT_MODULES))


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
    if m.mode not in ("nearest", "bilinear") or not isinstance(scale, (int, float)) \
            or scale != int(scale) \
            or m.align_corners:
        raise ArchcalcError(f"upsampling {m.mode} by {m.scale_factor} is not supported")
    return Upsample(int(scale), m.mode)


@importer(ours.Binary)
def _binary(m: ours.Binary):
    return BINARY_FUNCTIONS[m.fn]()


@importer(ours.ScalarArith)
def _scalar_arith(m: ours.ScalarArith):
    return Arith(m.fn, m.value)


@importer(ours.UnusedParameters)
def _unused_parameters(m: ours.UnusedParameters):
    return Unused(m.weight.numel())


@importer(ours.GlobalMean)
def _global_mean(m):
    return AdaptivePool2d(mean=True)


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
    """The primitive op computed by leaf module ``m``; ``None`` for identity modules.  A
    subclass of a known module is that module only if it keeps its ``forward``."""
    for cls in type(m).__mro__:
        if cls in IMPORTERS:
            if type(m).forward is not cls.forward:
                raise ArchcalcError(f"{type(m).__name__} overrides {cls.__name__}.forward")
            return IMPORTERS[cls](m)
    raise ArchcalcError(f"{type(m).__name__} is not supported")


_INTERNAL = (os.path.dirname(os.path.abspath(torch.__file__)) + os.sep,
             os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep)


class _Tracer(fx.Tracer):
    """fx's tracer keeping the modules archcalc maps whole as leaves, and each node's place in
    the user's code (so a refusal can name the file, line and code): the innermost frame
    outside torch and archcalc, from Python's own stack (fx's ``record_stack_traces``
    symbolises native frames too, a second per model)."""

    def is_leaf_module(self, m, qualname):
        return type(m) in IMPORTERS or super().is_leaf_module(m, qualname)

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        for frame in reversed(traceback.extract_stack()):
            if frame.name == "trace" and frame.filename.endswith("_symbolic_trace.py"):
                break  # outside the model's forward: no user frame (a torch container)
            if not os.path.abspath(frame.filename).startswith(_INTERNAL):
                node.meta["user_frame"] = (os.path.basename(frame.filename), frame.lineno,
                                           (frame.line or "").strip())
                break
        return node


BATCH = 2  # shapes are recorded at batch 2: the dim that is 2 is the batch


def _dims(value):
    """Per-sample dims of a tensor whose first dim is the batch, else ``None``."""
    if isinstance(value, torch.Tensor) and value.dim() >= 1 and value.shape[0] == BATCH:
        return tuple(value.shape[1:])
    return None


def _shape(dims) -> Shape | None:
    """archcalc's shape for per-sample torch dims, by rank: ``(C,)`` and ``(C, H, W)`` images,
    ``(T, D)`` tokens; ``None`` for other ranks."""
    if dims is None:
        return None
    if len(dims) == 2:
        return Shape.tokens(*dims)
    if len(dims) in (1, 3):
        return Shape(*(dims + (1,) * (3 - len(dims))))
    return None


def _matches(shape: Shape, dims) -> bool:
    ours_ = shape.torch_dims
    return dims is not None and tuple(dims) + (1,) * (len(ours_) - len(dims)) == ours_


def where(node) -> str:
    """Where ``node`` comes from in the user's code: ``file.py:line `code` (module path)``."""
    frame = node.meta.get("user_frame")
    place = f"{frame[0]}:{frame[1]} `{frame[2]}`" if frame else ""
    stack = list(node.meta.get("nn_module_stack", {}))
    module = node.target if node.op == "call_module" else (stack[-1] if stack else "")
    what = place or (f"{node.op} {node.target}")
    return f"{what} ({module})" if module else what


class _Recorder(fx.Interpreter):
    """Runs the traced module once on a zero input: each node's value (tensors' per-sample
    dims in ``dims``, other values kept) and, through ``tally``, the aten ops it ran, priced
    by archcalc's table (:mod:`archcalc.bridge.aten_counter`)."""

    def __init__(self, gm, running: list):
        super().__init__(gm)
        self.running = running
        self.dims: dict[str, tuple | None] = {}
        self.values: dict[str, object] = {}

    def run_node(self, node):
        self.running.append(node.name)
        try:
            result = super().run_node(node)
        finally:
            self.running.pop()
        self.dims[node.name] = _dims(result)
        if not isinstance(result, torch.Tensor):
            self.values[node.name] = result
        return result


class _Param(NamedTuple):
    """A parameter read by ``get_attr`` (possibly expanded): its dims."""

    dims: tuple


def _scalar(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Importer:
    """Walks an fx graph, mapping each node to archcalc ops (or an alias of its input);
    collects every refusal with where it is in the user's code."""

    def __init__(self, gm: fx.GraphModule, rec: _Recorder, tally, input_shape: Shape):
        self.gm, self.rec, self.tally = gm, rec, tally
        self.g = GraphBuilder(input_shape)
        self.tensor: dict[str, str] = {}
        self.params: dict[str, _Param] = {}
        self.chunks: dict[str, fx.Node] = {}
        self.created: dict[str, list[str]] = {}
        self.unsupported: list[str] = []
        self.blocks: set[str] = set()
        self.calls: dict[str, int] = {}
        self.failed: set[str] = set()

    def run(self, name: str) -> Network:
        for node in self.gm.graph.nodes:
            if any(n.name in self.failed for n in node.all_input_nodes):
                # downstream of a refused call, already reported: a module's type can
                # still be checked, nothing else is known here
                self.failed.add(node.name)
                if node.op == "call_module":
                    try:
                        module_op(self.gm.get_submodule(node.target))
                    except ArchcalcError as exc:
                        self.unsupported.append(f"{where(node)}: {exc.message}")
                continue
            try:
                self.visit(node)
            except ArchcalcError as exc:
                self.unsupported.append(f"{where(node)}: {exc.message}")
                self.failed.add(node.name)
                continue
            self.referee(node)
        if self.unsupported:
            raise ArchcalcError(f"cannot import {len(self.unsupported)} call(s): "
                                + "; ".join(self.unsupported))
        return self.g.network(name)

    def referee(self, node) -> None:
        """The ops made for ``node`` must cost what torch ran for it, priced by archcalc's
        table: else the import would miscount, and ``node`` is refused."""
        ran = self.tally.counts.get(node.name, [0, 0])
        unpriced = self.tally.unpriced.get(node.name)
        ours_ = [0, 0]
        for n in self.created.get(node.name, ()):
            op, ins, out = self.g.op_of(n)
            c = ARCHCALC.cost(op, ins, out, BATCH)
            ours_[0] += c.macs
            ours_[1] += c.flops
        if unpriced:
            self.failed.add(node.name)
            self.unsupported.append(f"{where(node)}: torch runs {', '.join(sorted(set(unpriced)))}"
                                    ", which archcalc has no op for")
        elif list(ran) != ours_:
            self.failed.add(node.name)
            ops = ", ".join(sorted(set(self.tally.ops.get(node.name, ())))) or "nothing"
            self.unsupported.append(
                f"{where(node)}: archcalc would count {ours_[0] // BATCH:,} MACs and "
                f"{ours_[1] // BATCH:,} FLOPs where torch runs {ran[0] // BATCH:,} and "
                f"{ran[1] // BATCH:,} ({ops})")

    def _block(self, node, path: str) -> None:
        stack = list(node.meta.get("nn_module_stack", {}))
        block = path.rsplit(".", 1)[0] if "." in path else (stack[-1] if stack else path)
        if block in self.blocks:
            self.g.block = block
        else:
            self.blocks.add(block)
            self.g.begin_block(BlockInfo(block, "torch", block))

    def _name(self, path: str) -> str:
        """``path``, or ``path#k`` for its ``k``-th call (a module reused in one forward)."""
        k = self.calls[path] = self.calls.get(path, 0) + 1
        return path if k == 1 else f"{path}#{k}"

    def _add(self, node, path: str, op, *args, check_shape: bool = True) -> None:
        """``op`` on ``args`` for ``node``; its shape must be torch's (unless the node is an
        intermediate view of it, as the transposed view inside a channel shuffle)."""
        self._block(node, path)
        name = self.g.add(self._name(path), op, *(self._ir(a) for a in args))
        dims = self.rec.dims.get(node.name)
        if check_shape and not _matches(self.g.shape(name), dims):
            raise ArchcalcError(f"archcalc's shape {self.g.shape(name)} differs from torch's "
                                f"{dims}")
        self.tensor[node.name] = name
        self.created.setdefault(node.name, []).append(name)

    def _ir(self, arg) -> str:
        if not isinstance(arg, fx.Node) or arg.name not in self.tensor:
            raise ArchcalcError("an operand is not a tensor archcalc tracks (a constant, a "
                                "parameter or a reshaped tensor)")
        return self.tensor[arg.name]

    def _alias(self, node, source) -> None:
        self.tensor[node.name] = self._ir(source)

    def _path(self, node) -> str:
        stack = list(node.meta.get("nn_module_stack", {}))
        return f"{stack[-1]}.{node.name}" if stack else node.name

    def is_tensor(self, arg) -> bool:
        return isinstance(arg, fx.Node) and arg.name in self.tensor

    def visit(self, node) -> None:
        if node.op == "placeholder":
            self.tensor[node.name] = INPUT
        elif node.op in ("output",):
            return
        elif node.op == "get_attr":
            attr = self.gm
            for part in node.target.split("."):
                attr = getattr(attr, part)
            if isinstance(attr, nn.Parameter):
                self.params[node.name] = _Param(tuple(attr.shape))
            # a buffer or a constant tensor: a value (a one-element one is a constant)
        elif node.op == "call_module":
            module = self.gm.get_submodule(node.target)
            op = module_op(module)
            args = node.args or tuple(node.kwargs.values())
            if op is not None and self.calls.get(node.target) and \
                    any(p.numel() for p in module.parameters()):
                raise ArchcalcError("a module with parameters called more than once (archcalc "
                                    "counts a layer's parameters with each layer)")
            if op is None:
                self._alias(node, args[0])
            else:
                self._add(node, node.target, op, *args[:1] if not isinstance(
                    op, (Add, Scale, MatMul, Concat, AttnValues)) else args)
        elif node.op == "call_function":
            self.visit_call(node, node.target, node.args, node.kwargs)
        elif node.op == "call_method":
            self.visit_call(node, "." + node.target, node.args, node.kwargs)
            first = node.args[0] if node.args else None
            if node.target.endswith("_") and not node.target.endswith("__") and \
                    self.is_tensor(first) and node.name in self.tensor:
                # in place (x.add_(y), x.relu_()): later reads of x see the result
                self.tensor[first.name] = self.tensor[node.name]

    def _concrete(self, arg):
        """A node standing for a plain value (a size, a constant) as that value."""
        if isinstance(arg, fx.Node) and arg.op == "get_attr" and arg.name not in self.params:
            value = self.rec.values.get(arg.name)
            if isinstance(value, torch.Tensor) and value.numel() == 1:
                return value.item()  # a one-element buffer or constant: a number
            return arg
        if isinstance(arg, fx.Node) and arg.name not in self.tensor and \
                arg.name not in self.params and arg.name not in self.chunks and \
                arg.name in self.rec.values and not isinstance(self.rec.values[arg.name],
                                                               (tuple, list)):
            value = self.rec.values[arg.name]
            return value.item() if isinstance(value, torch.Tensor) and value.dim() == 0 \
                else value
        return arg

    def visit_call(self, node, target, args, kwargs) -> None:
        args = fx.node.map_aggregate(args, self._concrete)
        kwargs = fx.node.map_aggregate(kwargs, self._concrete)
        handler = CALLS.get(target)
        if handler is None:
            name = target if isinstance(target, str) else getattr(target, "__name__", target)
            if not any(self.is_tensor(a) for a in node.all_input_nodes):
                return  # sizes and other values derived from shapes: no tensor, no node
            same = [a for a in node.all_input_nodes if self.is_tensor(a)
                    and self.rec.dims.get(a.name) == self.rec.dims.get(node.name)]
            if same and node.name not in self.tally.counts and \
                    node.name not in self.tally.unpriced:
                self._alias(node, same[0])  # an identity at inference (stochastic depth...)
                return
            raise ArchcalcError(f"{name} is not supported")
        handler(self, node, *args, **kwargs)


# --- calls: one handler per function or method (``.name``), like IMPORTERS per module ---
CALLS: dict = {}


def call(*targets):
    def add(fn):
        for t in targets:
            CALLS[t] = fn
        return fn
    return add


@call(".size", ".dim", getattr, ".numel")
def _value(imp, node, *args, **kwargs):
    """Sizes and shapes: plain values, not tensors."""


@call(".view", ".reshape", ".flatten", torch.flatten, ".contiguous", ".clone", ".detach",
      ".squeeze", ".unsqueeze", torch.squeeze, torch.unsqueeze, F.dropout, ".float",
      torch.reshape)
def _view(imp, node, x, *args, **kwargs):
    """A view or copy of the same elements: the same archcalc tensor (a consumer's shape is
    checked against torch's); of a parameter, the same parameter."""
    if isinstance(x, fx.Node) and x.name in imp.params:
        imp.params[node.name] = imp.params[x.name]
        return
    imp._alias(node, x)


@call(F.pad)
def _pad(imp, node, x, pad, *args, **kwargs):
    if any(pad):
        raise ArchcalcError(f"padding by {tuple(pad)} outside a conv or pool is not supported")
    imp._alias(node, x)


def _arith_call(fn, tensors_op):
    def handle(imp, node, a, b=None, *rest, **kwargs):
        ta, tb = imp.is_tensor(a), imp.is_tensor(b)
        if not ta and not tb:
            if isinstance(a, fx.Node) and a.name in imp.params or \
                    isinstance(b, fx.Node) and b.name in imp.params:
                raise ArchcalcError("arithmetic on parameters outside a module is not supported")
            return  # arithmetic on sizes
        if ta and tb:
            if tensors_op is None:
                raise ArchcalcError(f"elementwise {fn} of two tensors is not supported")
            tensors_op(imp, node, a, b)
            return
        x, other = (a, b) if ta else (b, a)
        if isinstance(other, fx.Node) and other.name in imp.params:
            _with_param(imp, node, fn, x, imp.params[other.name])
            return
        if isinstance(other, fx.Node) or not _scalar(other):
            raise ArchcalcError(f"{fn} with {other} is not supported")
        name = "rsub" if fn == "sub" and not ta else fn
        if fn == "div" and not ta:
            raise ArchcalcError("a constant divided by a tensor is not supported")
        imp._add(node, imp._path(node), Arith(name, float(other)), x)
    return handle


def _add_tensors(imp, node, a, b):
    """``a + b``, and ``a − b``, which costs as an add (one per element)."""
    imp._add(node, imp._path(node), Add(), a, b)


def _mul_tensors(imp, node, a, b):
    da, db = imp.rec.dims.get(a.name), imp.rec.dims.get(b.name)
    big, gate = (a, b) if da is not None and (db is None or math.prod(da) >= math.prod(db)) \
        else (b, a)
    imp._add(node, imp._path(node), Scale(), big, gate)


def _with_param(imp, node, fn, x, param: _Param):
    """``x + parameter`` (a position embedding), ``x · parameter`` (a layer scale), or a
    one-element parameter as a constant."""
    dims = imp.rec.dims.get(node.name)
    size = math.prod(param.dims)
    if size == 1:
        raise ArchcalcError(f"{fn} with a one-element parameter is not supported (a constant, "
                            "or a per-channel scale, is)")
    if fn == "add" and dims is not None and len(dims) == 2 and param.dims[-2:] == dims:
        imp._add(node, imp._path(node), PosEmbed(*dims), x)
    elif fn == "mul" and dims is not None and size == dims[0 if len(dims) == 3 else -1]:
        imp._add(node, imp._path(node), LayerScale(size), x)
    else:
        raise ArchcalcError(f"{fn} with a parameter of shape {param.dims} is not supported "
                            "(a position embedding or a per-channel scale is)")


for _fn, _targets, _tensors in (
        ("add", (operator.add, operator.iadd, torch.add, ".add", ".add_"), _add_tensors),
        ("mul", (operator.mul, operator.imul, torch.mul, ".mul", ".mul_"), _mul_tensors),
        ("sub", (operator.sub, operator.isub, torch.sub, ".sub", ".sub_"), _add_tensors),
        ("div", (operator.truediv, operator.itruediv, torch.div, ".div", ".div_"), None),
        ("pow", (operator.pow, torch.pow, ".pow"), None)):
    call(*_targets)(_arith_call(_fn, _tensors))


@call(*ACT_FUNCTIONS, *(f".{m}" for m in ACT_METHODS), *(f".{m}_" for m in ACT_METHODS),
      F.relu_, torch.relu_)
def _activation(imp, node, x, *args, **kwargs):
    target = node.target
    fn = (ACT_FUNCTIONS.get(target) if not isinstance(target, str)
          else ACT_METHODS[target.strip(".").rstrip("_")])
    if fn is None and target in (F.relu_, torch.relu_):
        fn = "relu"
    imp._add(node, imp._path(node), Activation(fn), x)


@call(F.softmax, torch.softmax, ".softmax")
def _softmax_call(imp, node, x, *args, **kwargs):
    imp._add(node, imp._path(node), Softmax(), x)


@call(torch.cat, torch.concat)
def _cat(imp, node, xs, dim=0, **kwargs):
    dim = kwargs.get("dim", dim)
    dims = imp.rec.dims.get(node.name)
    if dims is None or dim not in (1, -1, -len(dims)) or (dim == -1 and len(dims) == 3):
        raise ArchcalcError(f"concatenation along dim {dim} is not supported (the feature dim "
                            "is)")
    if len(xs) == 1:
        imp._alias(node, xs[0])  # a concatenation of one tensor is that tensor
        return
    params = [x for x in xs if isinstance(x, fx.Node) and x.name in imp.params]
    if params and len(dims) == 2 and len(xs) == 2:  # a class token prepended to tokens
        tokens = next(x for x in xs if imp.is_tensor(x))
        imp._add(node, imp._path(node), ClassToken(dims[-1]), tokens)
        return
    imp._add(node, imp._path(node), Concat(), *xs)


@call(".expand", ".expand_as")
def _expand(imp, node, x, *args, **kwargs):
    if isinstance(x, fx.Node) and x.name in imp.params:
        imp.params[node.name] = imp.params[x.name]  # a parameter broadcast over the batch
        return
    imp._alias(node, x)  # a broadcast view: its consumer (a gate's product) reads it whole


@call(F.adaptive_avg_pool2d, F.adaptive_max_pool2d)
def _adaptive(imp, node, x, size, *args, **kwargs):
    mode = "max" if node.target is F.adaptive_max_pool2d else "avg"
    imp._add(node, imp._path(node), AdaptivePool2d(mode, _size(size)), x)


@call(F.avg_pool2d, F.max_pool2d)
def _pool_call(imp, node, x, kernel_size, stride=None, padding=0, *args, **kwargs):
    mode = "max" if node.target is F.max_pool2d else "avg"
    ceil = kwargs.get("ceil_mode", False)
    stride = kwargs.get("stride", stride)
    imp._add(node, imp._path(node), Pool2d(mode, _size(kernel_size), _size(stride or
                                                                        kernel_size),
                                           _size(kwargs.get("padding", padding)), ceil), x)


@call(F.interpolate)
def _interpolate(imp, node, x, size=None, scale_factor=None, mode="nearest",
                 align_corners=None, **kwargs):
    dims, src = imp.rec.dims.get(node.name), imp.rec.dims.get(x.name)
    if mode not in ("nearest", "bilinear") or dims is None or src is None \
            or dims[1] % src[1] or dims[1] // src[1] != dims[2] // src[2]:
        raise ArchcalcError(f"interpolation {mode} to {dims} is not supported (nearest or "
                            "bilinear by an integer factor)")
    imp._add(node, imp._path(node), Upsample(dims[1] // src[1], mode), x)


@call(F.group_norm)
def _group_norm(imp, node, x, groups, weight=None, bias=None, *args, **kwargs):
    dims = imp.rec.dims.get(x.name)
    imp._add(node, imp._path(node), GroupNorm(groups, dims[0], weight is not None), x)


@call(F.layer_norm)
def _layer_norm(imp, node, x, shape, weight=None, bias=None, *args, **kwargs):
    imp._add(node, imp._path(node), LayerNorm(shape[-1], weight is not None), x)


@call(".mean")
def _mean(imp, node, x, *args, **kwargs):
    dims = imp.rec.dims.get(x.name)
    axes = args[0] if args else kwargs.get("dim")
    axes = [axes] if isinstance(axes, int) else list(axes or ())
    if dims is None or len(dims) != 3 or sorted(a % 4 for a in axes) != [2, 3]:
        raise ArchcalcError(f"mean over dims {axes} is not supported (global average pooling "
                            "over H and W is)")
    imp._add(node, imp._path(node), AdaptivePool2d(mean=True), x)


@call(".permute", torch.permute)
def _permute_call(imp, node, x, *order, **kwargs):
    order = tuple(order[0]) if len(order) == 1 and isinstance(order[0], (tuple, list)) \
        else tuple(order)
    if order not in PERMUTES:
        raise ArchcalcError(f"permute{order} is not supported (to channels last (0, 2, 3, 1) "
                            "and back are)")
    imp._add(node, imp._path(node), Permute(PERMUTES[order]), x)


@call(".transpose", torch.transpose)
def _transpose(imp, node, x, d0, d1):
    """``x.flatten(2).transpose(1, 2)``: an image's pixels as tokens (N, H·W, C); and
    ShuffleNet's ``x.view(N, g, C/g, H, W).transpose(1, 2)``: a channel shuffle."""
    src = imp.rec.dims.get(x.name)
    ours_ = imp.g.shape(imp._ir(x)) if imp.is_tensor(x) else None
    if ours_ is not None and ours_.layout == "chw" and src is not None:
        if len(src) == 2 and sorted((d0 % 3, d1 % 3)) == [1, 2]:
            imp._add(node, imp._path(node), Permute("tokens"), x)
            return
        if len(src) == 4 and sorted((d0 % 5, d1 % 5)) == [1, 2] and \
                src[0] * src[1] == ours_.c and src[2:] == (ours_.h, ours_.w):
            imp._add(node, imp._path(node), ChannelShuffle(src[0]), x, check_shape=False)
            return
    raise ArchcalcError(f"transpose({d0}, {d1}) of {src} is not supported (an image's "
                        "flattened pixels to tokens is)")


@call(torch.split, ".split")
def _split_call(imp, node, x, size, dim=0, **kwargs):
    dims = imp.rec.dims.get(x.name)
    if kwargs.get("dim", dim) == 1 and dims is not None and size * 2 == dims[0]:
        imp.chunks[node.name] = x
        return
    raise ArchcalcError(f"split into parts of {size} along dim {dim} is not supported (halves "
                        "of the channels are)")


@call(".chunk", torch.chunk)
def _chunk(imp, node, x, chunks, dim=0, **kwargs):
    if chunks != 2 or kwargs.get("dim", dim) != 1:
        raise ArchcalcError(f"chunk into {chunks} along dim {dim} is not supported (halves of "
                            "the channels are)")
    imp.chunks[node.name] = x


@call(operator.getitem)
def _getitem(imp, node, x, index):
    if isinstance(x, fx.Node) and x.name in imp.chunks:
        imp._add(node, imp._path(node), ChannelSplit(index % 2), imp.chunks[x.name])
    elif imp.is_tensor(x):
        if imp.rec.dims.get(node.name) != imp.rec.dims.get(x.name):
            raise ArchcalcError(f"indexing [{_index_text(index)}] is not supported (only a "
                                "slice that keeps every element is)")
        imp._alias(node, x)
    elif isinstance(x, fx.Node) and x.name in imp.params:
        raise ArchcalcError("indexing a parameter is not supported")
    # else: an item of a size or a tuple of values


def _index_text(index) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    def one(p):
        if not isinstance(p, slice):
            return "..." if p is Ellipsis else str(p)
        text = f"{'' if p.start is None else p.start}:{'' if p.stop is None else p.stop}"
        return text + (f":{p.step}" if p.step is not None else "")
    return ", ".join(one(p) for p in parts)


@call(F.scaled_dot_product_attention)
def _sdpa(imp, node, *args, **kwargs):
    raise ArchcalcError("attention on separate q, k, v is not supported (archcalc's attention "
                        "reads one fused qkv tensor)")


def _trace(module: nn.Module, x):
    """The fx graph of ``module``, run once on ``x``: the recorder (per-node dims and values)
    and the tally of aten ops per node."""
    from .aten_counter import Tally

    tracer = _Tracer()
    gm = fx.GraphModule(module, tracer.trace(module))
    running = [""]
    recorder = _Recorder(gm, running)
    with torch.no_grad(), Tally(running, strict=False) as tally:
        recorder.run(x)
    return gm, recorder, tally


def _hooked(module: nn.Module, x, name: str, why: str) -> Network:
    """Fallback where fx cannot trace: the leaf modules in call order, recorded by hooks, as
    a chain; accepted only when that is exactly what ran: every leaf reads the previous
    leaf's output, nothing is computed outside the leaves, and each leaf's ops cost what
    torch ran for it."""
    from .aten_counter import count

    calls = []
    names = {m: n for n, m in module.named_modules()}
    leaves = [m for m in module.modules() if not list(m.children()) and m is not module]
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append((names[m], m, i, o)))
             for m in leaves]
    try:
        tally = count(module, x, strict=False)
    except ArchcalcError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's forward may raise anything
        raise ArchcalcError(f"the model fails on a zero input of shape {tuple(x.shape[1:])} "
                            f"(batch {BATCH}): {type(exc).__name__}: "
                            f"{(str(exc).splitlines() or [''])[0][:300]}", field="--input") from None
    finally:
        for h in hooks:
            h.remove()
    refusals, nodes, blocks, previous, seen = [], [], {}, (INPUT, x), {}
    ours = {path: [0, 0] for path, *_ in calls}  # every called leaf, identities included
    for key in set(tally.counts) | set(tally.unpriced):
        if key not in ours:
            ops = sorted(set(tally.ops.get(key, []) + tally.unpriced.get(key, [])))
            refusals.append(f"{key or type(module).__name__}: computes {', '.join(ops)} outside "
                            "its leaf modules, which module hooks cannot see")
    for path, m, inputs, out in calls:
        try:
            op = module_op(m)
        except ArchcalcError as exc:
            refusals.append(f"{path} ({type(m).__name__}): {exc.message}")
            previous = (path, out)  # the next module is judged on its own
            continue
        if len(inputs) != 1 or not isinstance(inputs[0], torch.Tensor) or \
                not isinstance(out, torch.Tensor) or \
                inputs[0].data_ptr() != previous[1].data_ptr():
            refusals.append(f"{path}: does not read one tensor, the previous module's output, "
                            "and give one tensor; hooks cannot see how the modules are wired")
            continue
        if op is None:
            previous = (previous[0], out)
            continue
        if seen.get(path) and any(p.numel() for p in m.parameters()):
            refusals.append(f"{path}: a module with parameters called more than once")
        block = path.rsplit(".", 1)[0] if "." in path else path
        blocks.setdefault(block, BlockInfo(block, "torch", block))
        seen[path] = seen.get(path, 0) + 1
        node_name = path if seen[path] == 1 else f"{path}#{seen[path]}"
        ins, outs = _shape(_dims(inputs[0])), _shape(_dims(out))
        if ins is None or outs is None:
            refusals.append(f"{path}: tensor ranks {tuple(inputs[0].shape)} → "
                            f"{tuple(out.shape)} are not supported")
            continue
        try:
            if not _matches(op.out_shape(ins), _dims(out)):
                raise ArchcalcError(f"archcalc's shape {op.out_shape(ins)} differs from "
                                    f"torch's {_dims(out)}")
        except ArchcalcError as exc:
            refusals.append(f"{path}: {exc.message}")
            continue
        c = ARCHCALC.cost(op, (ins,), outs, BATCH)
        ours[path][0] += c.macs
        ours[path][1] += c.flops
        nodes.append(Node(node_name, block, op, (previous[0],), (ins,), outs))
        previous = (node_name, out)
    for path, (m, f) in ours.items():
        ran, unpriced = tally.counts.get(path, [0, 0]), tally.unpriced.get(path)
        if unpriced:
            refusals.append(f"{path}: torch runs {', '.join(sorted(set(unpriced)))}, which "
                            "archcalc has no op for")
        elif [m, f] != list(ran):
            refusals.append(f"{path}: archcalc would count {m // BATCH:,} MACs and "
                            f"{f // BATCH:,} FLOPs where torch runs {ran[0] // BATCH:,} and "
                            f"{ran[1] // BATCH:,}")
    if refusals:
        raise ArchcalcError(f"torch.fx cannot trace this model ({why}), and module hooks "
                            f"cannot count it exactly: " + "; ".join(refusals))
    return Network(name, _shape(_dims(x)), tuple(nodes), tuple(blocks.values()))


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
            twin(torch.zeros(BATCH, *x.shape[1:]))
    except Exception:  # noqa: BLE001 - a training forward may need labels; then they are unused
        return ()
    finally:
        for h in hooks:
            h.remove()
    nodes, previous = [], INPUT
    for path, m, inp, out in calls:
        try:
            op = module_op(m)
        except ArchcalcError:
            return ()
        ins, outs = _shape(_dims(inp)), _shape(_dims(out))
        if op is not None and ins is not None and outs is not None:
            block = path.rsplit(".", 1)[0] if "." in path else path
            nodes.append(Node(path, block, op, (previous,), (ins,), outs, True))
            previous = path
    return tuple(nodes)


class Imported(NamedTuple):
    """An imported model: its IR, how it was traced (``fx`` or ``hooks``) and notes to show
    the user (parameters the forward does not use, the fallback's limits)."""

    network: Network
    method: str
    notes: tuple[str, ...]


def _with_unused(module: nn.Module, net: Network) -> tuple[Network, list[str]]:
    """``net`` with the parameters no imported op holds as one training-only ``unused``
    layer (so params are ``sum(p.numel())``), and the note that names them."""
    counted = sum(ARCHCALC.per_op(n.op, n.in_shapes, n.out_shape).params for n in net.nodes)
    total = sum(p.numel() for p in module.parameters())
    if counted > total:
        raise ArchcalcError(f"the layers hold {counted:,} parameters where the model has "
                            f"{total:,}: parameters shared between layers (tied weights) are "
                            "not supported, archcalc counts them with each layer")
    if counted == total:
        return net, []
    held = {n.name.split("#")[0] for n in net.nodes}
    names = [f"{name} ({p.numel():,})" for name, p in module.named_parameters()
             if name.rsplit(".", 1)[0] not in held]
    shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    node = Node("unused_parameters", "unused_parameters", Unused(total - counted), (INPUT,),
                (net.input_shape,), net.input_shape, True)
    info = BlockInfo("unused_parameters", "torch", "unused_parameters", True)
    note = (f"{total - counted:,} of {total:,} parameters are never used by the forward pass: "
            f"{shown}; counted in params as the layer unused_parameters")
    return replace(net, nodes=net.nodes + (node,), blocks=net.blocks + (info,)), [note]


def network_from_module(module: nn.Module, input_hwc, name: str | None = None) -> Imported:
    """The IR of ``module`` on a zero input of ``(H, W, C)`` (or ``(tokens, dim)``), proven
    against the aten ops torch runs: every op costs exactly what torch ran for its call, or
    the import is refused naming each call it could not match."""
    if len(input_hwc) not in (2, 3):
        raise ArchcalcError(f"inputs are images H×W×C or token embeddings T×D, got "
                            f"{'×'.join(map(str, input_hwc))}", field="--input")
    shape = Shape.tokens(*input_hwc) if len(input_hwc) == 2 else Shape(input_hwc[2], *input_hwc[:2])
    if shape.numel > MAX_INSPECT_ELEMENTS:
        raise ArchcalcError(f"an input of {shape.numel:,} elements; at most "
                            f"{MAX_INSPECT_ELEMENTS:,} (a documented limit)", field="--input")
    module = module.eval()
    if type(module) in IMPORTERS:  # a lone layer: fx traces a root's forward, not its call
        module = nn.Sequential(module)
    x = torch.zeros(BATCH, *shape.torch_dims)
    name = name or type(module).__name__
    try:
        gm, recorder, tally = _trace(module, x)
    except ArchcalcError:
        raise
    except Exception as exc:  # noqa: BLE001 - fx raises many kinds; hooks may still count it
        why = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
        net, unused = _with_unused(module, _hooked(module, x, name, why))
        notes = [f"torch.fx could not trace this model ({why}); its leaf modules were "
                 "recorded with hooks, and every one of them checked against what torch ran"]
        return Imported(net, "hooks", tuple(notes + unused))
    net = _Importer(gm, recorder, tally, shape).run(name)
    extra = _training_only(module, x, {n.target for n in gm.graph.nodes
                                       if n.op in ("call_module", "get_attr")})
    blocks = {n.block: BlockInfo(n.block, "torch", n.block, True) for n in extra}
    net = replace(net, nodes=net.nodes + extra, blocks=net.blocks + tuple(blocks.values()))
    net, unused = _with_unused(module, net)
    notes = ([f"{sum(ARCHCALC.per_op(n.op, n.in_shapes, n.out_shape).params for n in extra):,} "
              "parameters run only in training mode (counted as training-only layers)"]
             if extra else [])
    return Imported(net, "fx", tuple(notes + unused))
