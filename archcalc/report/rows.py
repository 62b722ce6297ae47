"""Plain rows (dicts of exact numbers) for every output format."""

from __future__ import annotations

from .. import conventions
from ..analysis import Analysis
from ..api import Comparison

LAYER_FIELDS = ("name", "op", "block", "category", "in_shape", "out_shape", "params", "macs",
                "flops", "bytes_read", "bytes_written")


def hwc(shape) -> list:
    """A ``Shape`` in the spec's order: ``[H, W, C]`` for images, ``[T, D]`` for tokens."""
    return list(shape.dims)


def layer_rows(a: Analysis) -> list[dict]:
    return [{"name": r.name, "op": r.op, "block": r.block, "category": r.category,
             "in_shape": hwc(r.in_shape), "out_shape": hwc(r.out_shape), "params": r.params,
             "macs": r.macs, "flops": r.flops, "bytes_read": r.bytes_read,
             "bytes_written": r.bytes_written} for r in a.records]


def rollup_rows(a: Analysis, by: str) -> list[dict]:
    """Per block or per op category, with shares of the totals (0..1)."""
    groups = a.by_block() if by == "block" else a.by_category()
    t = a.totals
    return [{by: g.key, "layers": g.layers, "params": g.cost.params, "macs": g.cost.macs,
             "flops": g.cost.flops, "bytes_read": g.bytes_read, "bytes_written": g.bytes_written,
             "macs_share": g.cost.macs / t.macs if t.macs else 0.0,
             "params_share": g.cost.params / t.params if t.params else 0.0} for g in groups]


def analysis_doc(a: Analysis, by: str = "layer") -> dict:
    doc = {"name": a.name, "spec": a.spec_text, "input": hwc(a.network.input_shape),
           "output": hwc(a.network.output_shape), "dtype": a.dtype, "batch": a.batch,
           "memory": a.memory, "totals": a.totals.as_dict(),
           "arithmetic_intensity": a.totals.arithmetic_intensity, "peak_at": a.peak_at,
           "blocks": [{"name": b.name, "kind": b.kind, "spec": b.text} for b in a.network.blocks],
           "layers": layer_rows(a)}
    if by != "layer":
        doc[f"by_{by}"] = rollup_rows(a, by)
    return doc


def comparison_doc(c: Comparison, by: str = "layer") -> dict:
    cands = []
    for a, ratio in zip(c.analyses, c.ratios()):
        doc = analysis_doc(a, by)
        doc["ratios"] = ratio
        cands.append(doc)
    return {"note": c.note, "baseline": c.analyses[0].name, "candidates": cands,
            "conventions": conventions.as_dict()}


def comparison_rows(c: Comparison) -> list[dict]:
    """One flat row per candidate: totals and ratios to the baseline."""
    return [{"name": a.name, "input": "x".join(map(str, hwc(a.network.input_shape))),
             **a.totals.as_dict(), "arithmetic_intensity": a.totals.arithmetic_intensity,
             **{f"{k}_ratio": v for k, v in r.items()}}
            for a, r in zip(c.analyses, c.ratios())]


WIDTH_RULES = {1: "int(c·α)"}


def width_rule(rounding: int) -> str:
    """The channel rounding rule a spec's ``multipliers.rounding`` stands for."""
    return WIDTH_RULES.get(rounding, f"multiple of {rounding}, ≤10% down")


def zoo_rows(c: Comparison, specs) -> list[dict]:
    """The zoo listing: name, exact totals, width-multiplier rule and description."""
    return [{"name": f"zoo:{a.name}", "params": a.totals.params, "macs": a.totals.macs,
             "flops": a.totals.flops, "peak_activation_bytes": a.totals.peak_activation_bytes,
             "width_rule": width_rule(s.rounding), "description": a.description}
            for a, s in zip(c.analyses, specs)]
