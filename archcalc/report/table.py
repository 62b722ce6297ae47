"""Rich terminal tables for analyses and comparisons."""

from __future__ import annotations

from rich import box
from rich.table import Table

from .. import conventions
from ..analysis import Analysis
from ..api import Comparison
from .units import human

TOTAL_COLUMNS = (("params", "params", "count"), ("macs", "MACs", "count"),
                 ("flops", "FLOPs", "count"), ("bytes", "traffic", "bytes"),
                 ("peak_activation_bytes", "peak act.", "bytes"),
                 ("arithmetic_intensity", "FLOP/B", "intensity"))


def comparison_table(c: Comparison) -> Table:
    first = c.analyses[0]
    caption = [c.note] if c.note else []
    caption.append(f"input {first.network.input_shape} · {first.dtype} · batch {first.batch} · "
                   f"{first.memory} · ratios to {first.name}")
    table = Table(title="archcalc compare", caption="\n".join(caption + [conventions.FOOTER]),
                  box=box.SIMPLE_HEAVY)
    table.add_column("candidate", style="bold")
    for _, label, _ in TOTAL_COLUMNS:
        table.add_column(label, justify="right")
    for a, ratios in zip(c.analyses, c.ratios()):
        t = a.totals
        cells = []
        for key, _, unit in TOTAL_COLUMNS:
            cells.append(f"{human(getattr(t, key), unit)}\n"
                         f"[dim]{human(ratios[key], 'ratio')}[/dim]")
        table.add_row(a.name, *cells)
    return table


def _shape_arrow(r) -> str:
    return f"{r.in_shape} → {r.out_shape}"


def analysis_table(a: Analysis) -> Table:
    t = a.totals
    table = Table(title=f"{a.name}: {a.network.input_shape} → {a.network.output_shape}",
                  caption=f"{a.dtype} · batch {a.batch} · {a.memory} · peak activations "
                          f"{human(t.peak_activation_bytes, 'bytes')} at {a.peak_at}\n"
                          f"{conventions.FOOTER}", box=box.SIMPLE)
    for label, justify in (("layer", "left"), ("op", "left"), ("shape", "left"),
                           ("params", "right"), ("MACs", "right"), ("FLOPs", "right"),
                           ("bytes", "right"), ("FLOP/B", "right")):
        table.add_column(label, justify=justify, no_wrap=True)
    blocks = {b.key: b for b in a.by_block()}
    spec_of = {b.name: b.text for b in a.network.blocks}
    for i, r in enumerate(a.records):
        moved = r.bytes_read + r.bytes_written
        table.add_row(r.name, r.category, _shape_arrow(r), human(r.params), human(r.macs),
                      human(r.flops), human(moved, "bytes"),
                      human(r.flops / moved if moved else 0.0, "intensity"))
        last_of_block = i + 1 == len(a.records) or a.records[i + 1].block != r.block
        b = blocks[r.block]
        if last_of_block and b.layers > 1:
            moved = b.bytes_read + b.bytes_written
            table.add_row(f"[bold]{r.block}[/bold]", "[dim]block[/dim]",
                          f"[dim]{spec_of.get(r.block, '')}[/dim]",
                          human(b.cost.params), human(b.cost.macs), human(b.cost.flops),
                          human(moved, "bytes"),
                          human(b.cost.flops / moved if moved else 0.0, "intensity"),
                          style="bold", end_section=True)
    table.add_row("[bold]total[/bold]", "", "", human(t.params, "exact"), human(t.macs, "exact"),
                  human(t.flops, "exact"), human(t.bytes, "bytes"),
                  human(t.arithmetic_intensity, "intensity"), style="bold")
    return table


def rollup_table(a: Analysis, rows: list[dict], by: str) -> Table:
    table = Table(title=f"{a.name} by {by}", box=box.SIMPLE, caption=conventions.FOOTER)
    for label in (by, "layers", "params", "% params", "MACs", "% MACs", "FLOPs"):
        table.add_column(label, justify="left" if label == by else "right")
    for row in rows:
        table.add_row(str(row[by]), str(row["layers"]), human(row["params"]),
                      f"{100 * row['params_share']:.1f}%", human(row["macs"]),
                      f"{100 * row['macs_share']:.1f}%", human(row["flops"]))
    return table


def zoo_table(rows: list[dict]) -> Table:
    table = Table(title="archcalc zoo (224×224×3, α = 1, BN, fp32)", box=box.SIMPLE,
                  caption="use any entry as zoo:NAME in analyze and compare")
    for label in ("entry", "params", "MACs", "FLOPs", "peak act.", "width multiplier rule"):
        table.add_column(label, justify="left" if label in ("entry", "width multiplier rule")
                         else "right")
    for r in rows:
        table.add_row(r["name"], human(r["params"], "exact"), human(r["macs"]), human(r["flops"]),
                      human(r["peak_activation_bytes"], "bytes"), r["width_rule"])
    return table
