"""What autograd saves for the backward pass, one rule per op type.

The rules follow PyTorch 2.13 on the modules the bridge builds (proven tensor by tensor with
``saved_tensors_hooks``, :mod:`archcalc.bridge.autograd_probe`): a rule names the op's input
or output whose storage autograd keeps, or a tensor the op makes for the purpose (batch
statistics, max-pooling indices, a padded or reshaped copy), with its element count for the
whole batch and its bytes per element where that is not the activation dtype's.  Parameters
and buffers (module state) are never counted.  A rule is asked only for an op in the autograd
graph (a parameter, or an input that needs a gradient); ``grads[i]`` is 1 where input ``i``
needs a gradient, else 0, since PyTorch saves only what the gradients it computes read.

Counting conventions (each rule's docstring is the README's table):

* statistics: batch norm and layer norm keep mean and inverse std in fp32 (4 bytes) whatever
  the activation dtype (torch's CUDA and meta kernels; its CPU kernels keep fp16/bf16 ones),
  group norm in the activation dtype;
* indices: int64 (8 bytes).
"""

from __future__ import annotations

from typing import NamedTuple

from ..num import same
from ..ops import (Activation, AdaptivePool2d, Add, Arith, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GroupNorm, Identity, LayerNorm, LayerScale, Linear, MatMul, PatchMerge,
                   Permute, Pool2d, PosEmbed, Scale, Softmax, TokenSelect, Unused, Upsample,
                   WindowShift, is_view, pads)
from ..registry import Registry

OUTPUT = -1  # ``Saved.source`` of the op's own output
FP32, INT64 = 4, 8
SAVED = Registry("saved-tensor rule")
TABLE: list[tuple[str, str]] = []  # (op, what it saves), in registration order


class Saved(NamedTuple):
    """One tensor autograd keeps: the storage of input ``source`` (an index, or
    :data:`OUTPUT`), or (``source`` ``None``) a new tensor of ``elements`` for the whole batch
    at ``width`` bytes each (``None``: the activation dtype's)."""

    source: int | None
    elements: object = 0
    width: int | None = None


def _new(elements, width=None) -> Saved:
    return Saved(None, elements, width)


def saves(*op_types: type, label: str):
    """Register ``fn(op, ins, out, grads, batch) -> tuple[Saved, ...]`` for ``op_types``;
    its docstring says what it saves."""
    def add(fn):
        SAVED.register(*op_types)(fn)
        TABLE.append((label, " ".join(fn.__doc__.split())))
        return fn

    return add


def saved(op, ins, out, grads, batch) -> tuple[Saved, ...]:
    """The tensors autograd saves for ``op`` (in the graph) run on ``batch`` samples."""
    return SAVED(op, ins, out, grads, batch)


def shares_storage(op, x) -> bool:
    """Whether ``op``'s output is its input ``x``'s storage: a view, an identity, or a copy
    torch skips because the tensor is already laid out so (``.contiguous()`` of a permute
    over one position or one channel; a shuffle of one group or one channel per group)."""
    if is_view(op) or isinstance(op, Unused):
        return True
    if isinstance(op, Permute):
        return same(x.h * x.w, 1, "permute of one position") or same(x.c, 1, "one channel")
    if isinstance(op, ChannelShuffle):
        return same(op.groups, 1, "one group") or same(x.c, op.groups, "one channel per group")
    return False


def _padded(x, p):
    """Elements per sample of ``x`` zero-padded by ``(top, bottom, left, right)``, or ``None``
    where the padding is symmetric (torch pads inside the op: no copy)."""
    top, bottom, left, right = pads(p)
    if same(top, bottom, "symmetric padding") and same(left, right, "symmetric padding"):
        return None
    return x.c * (x.h + top + bottom) * (x.w + left + right)


def _input_or_padded(op, ins, batch) -> Saved:
    padded = _padded(ins[0], op.p)
    return Saved(0) if padded is None else _new(batch * padded)


@saves(Conv2d, label="conv")
def _conv(op: Conv2d, ins, out, grads, batch):
    """its input (for the weight gradient); with asymmetric padding, the zero-padded copy it
    convolves"""
    return (_input_or_padded(op, ins, batch),)


@saves(ConvTranspose2d, Linear, LayerScale, label="transposed conv, linear, layer scale")
def _input(op, ins, out, grads, batch):
    """its input (for the weight gradient)"""
    return (Saved(0),)


@saves(BatchNorm2d, label="batch norm (training)")
def _batch_norm(op: BatchNorm2d, ins, out, grads, batch):
    """its input, and the batch mean and inverse std per channel (2·C, fp32)"""
    return Saved(0), _new(op.c, FP32), _new(op.c, FP32)


@saves(LayerNorm, label="layer norm")
def _layer_norm(op: LayerNorm, ins, out, grads, batch):
    """its input, and the mean and inverse std per position (2·N·positions, fp32)"""
    positions = batch * out.h * out.w
    return Saved(0), _new(positions, FP32), _new(positions, FP32)


@saves(GroupNorm, label="group norm")
def _group_norm(op: GroupNorm, ins, out, grads, batch):
    """its input, and the mean and inverse std per sample and group (2·N·groups)"""
    return Saved(0), _new(batch * op.groups), _new(batch * op.groups)


@saves(Activation, label="activation")
def _activation(op: Activation, ins, out, grads, batch):
    """relu, sigmoid, tanh: their output; every other (relu6 and hardtanh, hswish, hsigmoid,
    swish, gelu, mish, leaky relu): their input"""
    return (Saved(OUTPUT if op.fn in ("relu", "sigmoid", "tanh") else 0),)


@saves(Softmax, label="softmax")
def _softmax(op, ins, out, grads, batch):
    """its output"""
    return (Saved(OUTPUT),)


@saves(Pool2d, label="pool kh×kw")
def _pool(op: Pool2d, ins, out, grads, batch):
    """its input (with asymmetric padding: the padded copy); max: and the int64 index of
    each output's maximum"""
    first = _input_or_padded(op, ins, batch)
    return (first, _new(batch * out.numel, INT64)) if op.mode == "max" else (first,)


@saves(AdaptivePool2d, label="adaptive pool")
def _adaptive_pool(op: AdaptivePool2d, ins, out, grads, batch):
    """max: its input and the int64 indices; average: its input, except to one cell (torch
    takes the mean, which keeps only sizes)"""
    if op.mode == "max":
        return Saved(0), _new(batch * out.numel, INT64)
    if op.mean or same(out.h * out.w, 1, "global pooling"):
        return ()
    return (Saved(0),)


@saves(Scale, MatMul, label="squeeze-excite scale (mul), matmul")
def _product(op, ins, out, grads, batch):
    """each operand, where the other one needs a gradient"""
    return (Saved(1),) * grads[0] + (Saved(0),) * grads[1]


def _batched_view(op, qkv, batch) -> bool:
    """Whether torch's ``matmul`` reshapes a key or value slice of the fused ``qkv`` to
    ``(batch·windows·heads, …)`` as a view: only with one head, or one matrix per head."""
    windows = 1 if op.window is None else (qkv.h // op.window) * (qkv.w // op.window)
    return same(op.heads, 1, "one head") or same(batch * windows, 1, "one window of one sample")


def _key_or_value(op, ins, at: int, batch) -> Saved:
    """The key (or value) operand of an attention matmul, from the fused qkv input ``at``: a
    copy of one third of it; where :func:`_batched_view`, a view of the input itself (one
    window, or global attention) or of the windowed copy of it."""
    qkv = ins[at]
    if not _batched_view(op, qkv, batch):
        return _new(batch * qkv.numel // 3)
    if op.window is None or same(qkv.h * qkv.w, op.window * op.window, "one window"):
        return Saved(at)
    return _new(batch * qkv.numel)


@saves(AttnScores, label="attention scores QKᵀ/√d")
def _attn_scores(op: AttnScores, ins, out, grads, batch):
    """the scaled queries (a new tensor, one third of qkv) and the keys (a copy of one third
    of qkv, or a view of it with one head or one matrix per head); the bias table's index is
    a buffer"""
    if not grads[0]:
        return ()
    return _new(batch * ins[0].numel // 3), _key_or_value(op, ins, 0, batch)


@saves(AttnValues, label="attention output AV")
def _attn_values(op: AttnValues, ins, out, grads, batch):
    """the probabilities (for the values' gradient) and the values (for theirs; as the keys
    of the scores)"""
    return (Saved(0),) * grads[1] + (_key_or_value(op, ins, 1, batch),) * grads[0]


@saves(Arith, label="arithmetic with a constant")
def _arith(op: Arith, ins, out, grads, batch):
    """power: its input; +, −, ×, ÷ by a constant: nothing"""
    return (Saved(0),) if op.fn == "pow" else ()


@saves(Upsample, Add, PosEmbed, ClassToken, Concat, ChannelSplit, ChannelShuffle, Permute,
       WindowShift, PatchMerge, TokenSelect, Identity, Unused,
       label="upsample, residual add, position embedding, class token, data movement, "
             "dropout, unused parameters")
def _nothing(op, ins, out, grads, batch):
    """nothing (their gradients need only sizes)"""
    return ()
