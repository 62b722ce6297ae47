"""IR -> spec: write any network (for instance one imported from torch) as a spec file whose
layers are its primitive ops, so it can be analyzed, compared and edited like any other."""

from __future__ import annotations

from ..ir import INPUT, Network
from ..ops import (Activation, Add, BatchNorm2d, ChannelShuffle, ChannelSplit, Concat, Conv2d,
                   Linear, Pool2d, Scale)
from .model import FORMAT_VERSION

BINARY = {Add: "add", Scale: "mul", Concat: "concat"}


def _layer(op) -> tuple[str, dict]:
    if isinstance(op, Conv2d):
        return "conv", {"out": op.cout, "k": op.k, "s": op.s, "p": op.p, "d": op.d,
                        "g": op.groups, "bias": op.bias, "act": "none"}
    if isinstance(op, BatchNorm2d):
        return "bn", {}
    if isinstance(op, Activation):
        return "act", {"fn": op.fn}
    if isinstance(op, Linear):
        return "linear", {"out": op.fout, "bias": op.bias}
    if isinstance(op, Pool2d):
        if op.k is None:
            return "pool", {"type": "global"}
        return "pool", {"type": op.mode, "k": op.k, "s": op.stride, "p": op.p}
    if isinstance(op, ChannelSplit):
        return "channel_split", {"half": op.half}
    if isinstance(op, ChannelShuffle):
        return "channel_shuffle", {"g": op.groups}
    return BINARY[type(op)], {}


def spec_data(net: Network) -> dict:
    """The spec (as plain data) of ``net``: one named layer per op, ``norm: none``."""
    names = {INPUT: "input"}
    layers, previous = [], INPUT
    for node in net.nodes:
        kind, params = _layer(node.op)
        main = node.inputs[-1]
        if type(node.op) in BINARY:
            params["other"] = names[node.inputs[0]]
        name = node.name.replace(".", "_")
        params["name"] = name
        if main != previous:
            params["input"] = names[main]
        layers.append({kind: params})
        names[node.name], previous = name, node.name
    s = net.input_shape
    return {"archcalc": FORMAT_VERSION, "name": net.name, "input": [s.h, s.w, s.c],
            "defaults": {"norm": "none"}, "layers": layers}


def spec_yaml(net: Network) -> str:
    import yaml

    header = (f"# {net.name}: written by archcalc from its IR, one layer per primitive op.\n"
              f"# Analyze with: archcalc analyze THIS_FILE\n")
    return header + yaml.safe_dump(spec_data(net), sort_keys=False, default_flow_style=None,
                                   width=100)
