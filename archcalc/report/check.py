"""Presenters for the cross-check (archcalc vs fvcore, FlopCounterMode and numel)."""

from __future__ import annotations

from rich import box
from rich.table import Table

from .units import human


def check_rows(result) -> list[dict]:
    return [{"spec": result.name, "layer": r.layer, "op": r.op, "params": r.params,
             "numel": r.numel, "fvcore_expected": r.fvcore_expected, "fvcore": r.fvcore,
             "torch_expected": r.torch_expected, "torch": r.torch, "ok": r.ok, "note": r.note}
            for r in result.rows]


def check_doc(results) -> dict:
    return {"ok": all(r.ok for r in results), "specs": [{
        "name": r.name, "ok": r.ok, "totals_ok": r.totals_ok, "layers": len(r.rows),
        "mismatches": len(r.mismatches), "fvcore_total": r.fvcore_total,
        "torch_total": r.torch_total, "numel_total": r.numel_total,
        "fvcore_skipped": dict(r.fvcore_skipped), "rows": check_rows(r)} for r in results]}


def _delta(expected, got) -> str:
    if expected is None:
        return "skip" if not got else f"+{got:,}"
    return "=" if expected == got else f"{got - expected:+,}"


def summary_line(result) -> str:
    skipped = ", ".join(f"{op}×{n}" for op, n in result.fvcore_skipped) or "none"
    verdict = "all layers agree exactly" if result.ok else (
        f"{len(result.mismatches)} of {len(result.rows)} layers DIFFER"
        + ("" if result.totals_ok else "; tool totals differ from the per-layer sums"))
    return (f"{result.name}: {len(result.rows)} layers, {verdict} · fvcore total "
            f"{result.fvcore_total:,}, FlopCounterMode {result.torch_total:,}, numel "
            f"{result.numel_total:,} · ops fvcore reported without a handle: {skipped}")


LEGEND = ("Δ: tool − archcalc under the tool's convention (= exact). fvcore counts conv/linear "
          "MACs, BN 2/elt, adaptive avg pool 1/input elt and skips elementwise ops; "
          "FlopCounterMode counts 2·MACs of conv/matmul only; numel is sum(p.numel()).")


def check_table(result, only_mismatches: bool = False) -> Table:
    table = Table(title=f"archcalc check: {result.name}",
                  caption=f"{summary_line(result)}\n{LEGEND}", box=box.SIMPLE)
    for label in ("layer", "op", "params", "Δ numel", "fvcore", "Δ", "torch", "Δ", "",
                  "fvcore convention"):
        table.add_column(label, justify="left" if label in ("layer", "op", "fvcore convention")
                         else "right", no_wrap=label == "layer")
    for r in result.rows:
        if only_mismatches and r.ok:
            continue
        table.add_row(r.layer, r.op, human(r.params, "exact"), _delta(r.params, r.numel),
                      human(r.fvcore, "exact"), _delta(r.fvcore_expected, r.fvcore),
                      human(r.torch, "exact"), _delta(r.torch_expected, r.torch),
                      "[green]✓[/green]" if r.ok else "[red]✗[/red]", r.note)
    return table
