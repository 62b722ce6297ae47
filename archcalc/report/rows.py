"""Small conversions shared by presenters: shapes in the spec's order, the zoo listing."""

from __future__ import annotations

WIDTH_RULES = {1: "int(c·α)"}


def hwc(shape) -> list:
    """A ``Shape`` in the spec's order: ``[H, W, C]`` for images, ``[T, D]`` for tokens."""
    return list(shape.dims)


def width_rule(rounding: int) -> str:
    """The channel rounding rule a spec's ``multipliers.rounding`` stands for."""
    return WIDTH_RULES.get(rounding, f"multiple of {rounding}, ≤10% down")


def zoo_listing(specs) -> tuple[dict, ...]:
    """Per zoo spec: its name as ``zoo:NAME``, width-multiplier rule and description."""
    return tuple({"candidate": s.source, "width_rule": width_rule(s.rounding),
                  "description": s.description} for s in specs)
