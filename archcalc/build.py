"""Spec -> IR: applies the multipliers and defaults, repeats blocks, infers every shape."""

from __future__ import annotations

import math
from dataclasses import replace

from .blocks import BLOCKS, Context, repeat_of
from .errors import ArchcalcError
from .limits import MAX_BLOCKS
from .ir import GraphBuilder, Network, BlockInfo, INPUT
from .num import make_divisible, scale_channels
from .ops import Shape
from .spec.model import LayerSpec, Spec


def _scaled(layer: LayerSpec, params: dict, spec: Spec) -> dict:
    """Apply the width multiplier to the layer's channel fields."""
    width = spec.width
    if spec.fixed_width and width != 1.0:
        raise ArchcalcError(f"{spec.name} has no continuous width rule: {spec.fixed_width}",
                            source=spec.source, field="multipliers.width")
    up = layer.scale == "up" or (spec.width_rule == "tfslim" and layer.kind == "linear")
    if layer.scale == "no" or width == 1.0 or (up and width < 1.0):
        return params
    cls = BLOCKS[layer.kind]
    out = dict(params)
    for f in cls.__dataclass_fields__.values():
        if f.metadata.get("channels") and out.get(f.name) is not None:
            out[f.name] = scale_channels(out[f.name], width, spec.rounding)
    return out


def repeats(layer: LayerSpec, spec: Spec) -> int:
    """A stage's repeats after the depth multiplier: ``ceil(n·d)`` (EfficientNet's rule) for
    layers written with ``n:``; single layers are never repeated."""
    return math.ceil(layer.repeat * spec.depth) if layer.stage else layer.repeat


def input_shape(spec: Spec) -> Shape:
    """The network input: ``(C, H, W)`` after the resolution multiplier ρ, or tokens."""
    if len(spec.input) == 2:
        return Shape.tokens(*spec.input)
    h, w, c = spec.input
    if spec.resolution != 1.0:
        h, w = round(h * spec.resolution), round(w * spec.resolution)
    return Shape(c, h, w)


def generated(layers):
    """The layers with each stage generator (a block with ``stages()``, e.g. ``regnet_stages``)
    replaced by the stages it generates, named ``{name}{i}_`` and scaled by the depth
    multiplier like any stage written with ``n:``; the first stage reads the generator's
    ``input:``, the others the stage before."""
    for layer in layers:
        cls = BLOCKS[layer.kind]
        if not hasattr(cls, "stages"):
            yield layer
            continue
        try:
            stages = cls(**dict(layer.params)).stages()
        except ArchcalcError as exc:
            source, line, path = layer.where
            raise exc.located(source=source, line=line, field=path) from None
        for i, (kind, params, n) in enumerate(stages, 1):
            yield replace(layer, kind=kind, params=tuple(params.items()), repeat=n,
                          name=f"{layer.name or layer.kind}{i}_", stage=True,
                          input=layer.input if i == 1 else None)


def build(spec: Spec, fold_bn: bool = False) -> Network:
    """Expand every layer of ``spec`` into primitive ops with resolved shapes."""
    ratios = None
    if spec.width_rule == "tfslim" and spec.width != 1.0:
        ratios = {}
        _build(replace(spec, width=1.0), fold_bn, ratios)
    return _build(spec, fold_bn, ratios)


def _tfslim_exp(exp, cin, ratios: dict, index: int, spec: Spec):
    """At α = 1, record block ``index``'s ``exp / in``; else its ``exp`` under TF-slim's rule."""
    if spec.width == 1.0:
        ratios[index] = exp / cin
        return exp
    return make_divisible(cin * ratios[index], spec.rounding)


def _build(spec: Spec, fold_bn: bool, ratios: dict | None) -> Network:
    """The build; ``ratios`` is ``None`` (torchvision's width rule), empty (to be filled, at
    α = 1, with every block's ``exp / in``) or filled (TF-slim's rule: a block's ``exp`` is
    ``make_divisible(in'·exp/in)`` of its scaled input ``in'``)."""
    ctx = Context(norm=spec.default("norm", "bn"), act=spec.default("act", "relu"), fold_bn=fold_bn)
    g = GraphBuilder(input_shape(spec))
    x = INPUT
    index = 0
    for layer in generated(spec.layers):
        params = _scaled(layer, dict(layer.params), spec)
        n = repeats(layer, spec)
        if index + n > MAX_BLOCKS:
            source, line, path = layer.where
            raise ArchcalcError(f"more than {MAX_BLOCKS:,} blocks after repeats (a documented "
                                f"limit)", source=source, line=line, field=path)
        for r in range(n):
            if layer.name:
                name = layer.name if n == 1 else f"{layer.name}{r}"
            else:
                name = f"{layer.kind}{index}"
            source, line, path = layer.where
            try:
                if layer.input is not None and r == 0:
                    x = g.ref(layer.input)
                if ratios is not None and params.get("exp") is not None:
                    params["exp"] = _tfslim_exp(params["exp"], g.shape(x).c, ratios, index, spec)
                blk = repeat_of(BLOCKS[layer.kind](**params), r)
                params = {k: getattr(blk, k) for k in params}
                g.begin_block(BlockInfo(name, layer.kind, layer.text(params), layer.train_only))
                x = g.expand(blk, x, name, ctx)
            except ArchcalcError as exc:
                if layer.train_only:  # say so: inference never runs this branch
                    exc = ArchcalcError(f"{exc.message} (in a train_only branch, which the "
                                        "network still needs to be buildable)",
                                        source=exc.source, line=exc.line, field=exc.field)
                raise exc.located(source=source, line=line, field=path) from None
            g.end_block(x)
            index += 1
        if layer.name:
            g.name_output(layer.name, x)
    return g.network(spec.name)
