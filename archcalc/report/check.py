"""The cross-check (archcalc vs fvcore, FlopCounterMode and numel) as tables and documents."""

from __future__ import annotations

from .columns import Column
from .document import CheckReport, Section

COLUMNS = (
    Column("layer", "layer", "text", wrap=True),
    Column("op", "op", "text", drop=2),
    Column("params", "params", "int"),
    Column("numel_delta", "Δ numel", "delta"),
    Column("fvcore", "fvcore", "int"),
    Column("fvcore_delta", "Δ", "delta"),
    Column("torch", "torch", "int"),
    Column("torch_delta", "Δ", "delta"),
    Column("flops_measured", "aten FLOPs", "int", drop=3),
    Column("flops_delta", "Δ", "delta", drop=3),
    Column("ok", "", "ok"),
    Column("note", "fvcore convention", "text", drop=1, wrap=True),
)
LEGEND = ("Δ: tool − archcalc under the tool's convention (= exact; – not counted by the tool). "
          "fvcore counts conv/linear MACs, BN 2/elt, adaptive avg pool 1/input elt and skips "
          "elementwise ops; FlopCounterMode counts 2·MACs of conv/matmul only; aten FLOPs is "
          "archcalc's own convention counted on the aten ops the module runs; numel is "
          "sum(p.numel()).")


def summary_line(result) -> str:
    skipped = ", ".join(f"{op}×{n}" for op, n in result.fvcore_skipped) or "none"
    verdict = "all layers agree exactly" if result.ok else (
        f"{len(result.mismatches)} of {len(result.rows)} layers DIFFER"
        + ("" if result.totals_ok else "; tool totals differ from the per-layer sums"))
    return (f"{result.name}: {len(result.rows)} layers, {verdict} · fvcore total "
            f"{result.fvcore_total:,}, FlopCounterMode {result.torch_total:,}, aten FLOPs "
            f"{result.flops_measured_total:,}, numel "
            f"{result.numel_total:,} · ops fvcore reported without a handle: {skipped}")


def check_sections(doc: CheckReport):
    """Per result: ``(result, Section)`` with every layer (one spec, or ``all_rows``), only
    the disagreeing layers, or ``None`` (a summary line) when all agree."""
    full = doc.all_rows or len(doc.results) == 1
    for r in doc.results:
        if not full and r.ok:
            yield r, None
            continue
        rows = [row.as_dict() for row in r.rows if full or not row.ok]
        yield r, Section(f"archcalc check: {r.name}", COLUMNS, rows,
                         f"{summary_line(r)}\n{LEGEND}")


def check_doc(doc: CheckReport) -> dict:
    return {"ok": all(r.ok for r in doc.results), "specs": [{
        "name": r.name, "ok": r.ok, "totals_ok": r.totals_ok, "layers": len(r.rows),
        "mismatches": len(r.mismatches), "fvcore_total": r.fvcore_total,
        "torch_total": r.torch_total, "numel_total": r.numel_total,
        "flops_measured_total": r.flops_measured_total,
        "fvcore_skipped": dict(r.fvcore_skipped),
        "rows": [row.as_dict() for row in r.rows]} for r in doc.results]}


def check_rows(doc: CheckReport) -> list[dict]:
    """Long form: one row per layer per spec."""
    return [{"spec": r.name, **row.as_dict()} for r in doc.results for row in r.rows]
