"""Small conversions shared by presenters: shapes in the spec's order, spreadsheet cells,
the zoo listing."""

from __future__ import annotations

WIDTH_RULES = {1: "int(c·α)"}


def hwc(shape) -> list:
    """A ``Shape`` in the spec's order: ``[H, W, C]`` for images, ``[T, D]`` for tokens."""
    return list(shape.dims)


def sheet_value(value):
    """A value for a spreadsheet cell (CSV, XLSX): shapes as ``56x56x24``, text neutralised
    (it can never start a formula), numbers unchanged."""
    from ..ops import Shape
    from .units import neutralise

    if isinstance(value, Shape):
        return "x".join(map(str, hwc(value)))
    return neutralise(value) if isinstance(value, str) else value


def width_rule(rounding: int) -> str:
    """The channel rounding rule a spec's ``multipliers.rounding`` stands for."""
    return WIDTH_RULES.get(rounding, f"multiple of {rounding}, ≤10% down")


def zoo_listing(specs) -> tuple[dict, ...]:
    """Per zoo spec: its name as ``zoo:NAME``, width-multiplier rule and description."""
    return tuple({"candidate": s.source,
                  "width_rule": "none (fixed widths)" if s.fixed_width else width_rule(s.rounding),
                  "description": s.description} for s in specs)
