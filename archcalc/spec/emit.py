"""IR -> spec: write any network (for instance one imported from torch) as a spec file whose
layers are its primitive ops, so it can be analyzed, compared and edited like any other.

One emitter per op type gives the primitive spec layer ``(block, params)`` that rebuilds it;
ops read from an earlier layer besides the previous one get ``other:`` (``inputs[:-1]``)."""

from __future__ import annotations

import re

from ..ir import INPUT, Network
from ..ops import (Arith, Unused, Activation, AdaptivePool2d, Add, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GroupNorm, Identity, LayerNorm, LayerScale, Linear, MatMul, PatchMerge,
                   Permute, Pool2d, PosEmbed, Scale, Softmax, TokenSelect, Upsample, WindowShift)
from ..registry import Registry
from .model import FORMAT_VERSION

EMITTERS = Registry("spec emitter")
emitter = EMITTERS.register


def _size(v):
    """A size as spec data: an int, or a list for a pair or 4 paddings."""
    return list(v) if isinstance(v, tuple) else v


@emitter(Conv2d)
def _conv(op: Conv2d):
    return "conv", {"out": op.cout, "k": _size(op.k), "s": _size(op.s), "p": _size(op.p),
                    "d": _size(op.d), "g": op.groups, "bias": op.bias, "act": "none"}


@emitter(ConvTranspose2d)
def _conv_t(op: ConvTranspose2d):
    return "conv_t", {"out": op.cout, "k": _size(op.k), "s": _size(op.s), "p": _size(op.p),
                      "out_pad": _size(op.out_pad), "d": _size(op.d), "g": op.groups,
                      "bias": op.bias}


@emitter(Linear)
def _linear(op: Linear):
    return "linear", {"out": op.fout, "bias": op.bias}


@emitter(BatchNorm2d, LayerNorm)
def _norm(op):
    return op.kind, {"affine": op.affine}


@emitter(GroupNorm)
def _group_norm(op: GroupNorm):
    return "gn", {"g": op.groups, "affine": op.affine}


@emitter(Activation)
def _act(op: Activation):
    return "act", {"fn": op.fn}


@emitter(Unused)
def _unused(op: Unused):
    return "unused", {"params": op.params}


@emitter(Arith)
def _arith(op: Arith):
    return "arith", {"fn": op.fn, "value": op.value}


@emitter(Pool2d)
def _pool(op: Pool2d):
    return "pool", {"type": op.mode, "k": _size(op.k), "s": _size(op.stride), "p": _size(op.p),
                    "ceil": op.ceil}


@emitter(AdaptivePool2d)
def _adaptive_pool(op: AdaptivePool2d):
    if op.mean:
        return "adaptive_pool", {"type": "avg", "out": 1, "mean": True}
    if op.category == "global avg pool":
        return "pool", {"type": "global"}
    return "adaptive_pool", {"type": op.mode, "out": _size(op.out)}


@emitter(Upsample)
def _upsample(op: Upsample):
    return "upsample", {"factor": op.scale, "mode": op.mode}


@emitter(AttnScores)
def _attn_scores(op: AttnScores):
    return "attn_scores", {"heads": op.heads, "window": op.window, "rel_bias": op.rel_bias,
                           "masked": op.masked}


@emitter(AttnValues)
def _attn_values(op: AttnValues):
    return "attn_values", {"heads": op.heads, "window": op.window}


@emitter(WindowShift)
def _window_shift(op: WindowShift):
    return "window_shift", {"window": op.window, "shift": _size(op.shift),
                            "crop": None if op.crop is None else _size(op.crop)}


@emitter(Permute)
def _permute(op: Permute):
    return "permute", {"to": op.to}


@emitter(ChannelSplit)
def _split(op: ChannelSplit):
    return "channel_split", {"half": op.half}


@emitter(ChannelShuffle)
def _shuffle(op: ChannelShuffle):
    return "channel_shuffle", {"g": op.groups}


@emitter(TokenSelect)
def _token(op: TokenSelect):
    return "token", {"index": op.index}


@emitter(Identity)
def _identity(op: Identity):
    return ("dropout" if op.what == "dropout" else "drop_path"), {}


SIMPLE = {Add: "add", Scale: "mul", MatMul: "matmul", Concat: "concat", Softmax: "softmax",
          LayerScale: "layer_scale", PatchMerge: "merge2x2", ClassToken: "cls_token",
          PosEmbed: "pos_embed"}


@emitter(*SIMPLE)
def _simple(op):
    """Ops whose spec layer has no parameters of its own (all are read from the input)."""
    return SIMPLE[type(op)], {}


def _unique(name: str, taken: set) -> str:
    """``name``, or ``name_2``, ``name_3`` ... where it is taken."""
    k, out = 1, name
    while out in taken:
        k += 1
        out = f"{name}_{k}"
    return out


def spec_data(net: Network) -> dict:
    """The spec (as plain data) of ``net``: one named layer per op, ``norm: none``."""
    names = {INPUT: "input"}
    layers, previous = [], INPUT
    for node in net.nodes:
        kind, params = EMITTERS(node.op)
        params = {k: v for k, v in params.items() if v is not None}
        main = node.inputs[-1]
        others = [names[t] for t in node.inputs[:-1]]
        if others:
            params["other"] = others[0] if len(others) == 1 else others
        name = _unique(re.sub(r"[^0-9A-Za-z]+", "_", node.name).strip("_") or "layer",
                       set(names.values()))
        params["name"] = name
        if main != previous:
            params["input"] = names[main]
        if node.train_only:
            params["train_only"] = True
        layers.append({kind: params})
        names[node.name], previous = name, node.name
    s = net.input_shape
    return {"archcalc": FORMAT_VERSION, "name": net.name,
            "input": list(s.dims) if s.layout == "chw" else {"tokens": s.h, "dim": s.c},
            "defaults": {"norm": "none"}, "layers": layers}


def spec_yaml(net: Network) -> str:
    import yaml

    header = (f"# {net.name}: written by archcalc from its IR, one layer per primitive op.\n"
              f"# Analyze with: archcalc analyze THIS_FILE\n")
    return header + yaml.safe_dump(spec_data(net), sort_keys=False, default_flow_style=None,
                                   width=100)
