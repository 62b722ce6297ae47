"""CSV: the flat long-form table, one row per layer (or block, or op kind) per candidate,
machine column names, exact integers, each candidate ending with its totals row.  Text a
spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io

from . import columns as C
from .document import CheckReport, Report
from .rows import sheet_value


def _csv(keys, rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow([sheet_value(row.get(k, "")) for k in keys])
    return buf.getvalue()


def long_rows(report: Report) -> tuple[list[str], list[dict]]:
    """Column keys and rows of the long-form table of ``report``."""
    if report.listing:
        return [c.key for c in C.ZOO] + ["description"], report.candidate_rows()
    by = report.by
    lead = C.LONG_KEYS if by == "layer" else C.rollup_key(by)
    numbers = C.LONG_NUMBERS if by == "layer" else C.ROLLUP_NUMBERS
    keys = ["candidate", "row", *(c.key for c in lead + numbers), "peak_activation_bytes"]
    base = report.comparison.baseline
    if base.hardware is not None and by == "layer":
        keys += ["latency_s", "bound", "memory_bound_share"]
    if base.measured is not None and by == "layer":
        keys += ["measured_s"] + (["error"] if base.hardware is not None else [])
    trained = base.training_totals()
    if trained:
        keys += [c.key for c in (C.TRAIN_LONG if by == "layer" else C.TRAIN_ROLLUP)]
        keys += [k for k in trained if k not in keys]
    rows = []
    for a in report.analyses:
        rows += [{**r, "candidate": a.name, "row": by} for r in a.rows(by)]
        rows.append({**a.total_row(), "candidate": a.name, "row": "total"})
    return keys, rows


def present_report(report: Report, view) -> str:
    return _csv(*long_rows(report))


def present_check(doc: CheckReport, view) -> str:
    from .check import check_rows

    rows = check_rows(doc)
    return _csv(list(rows[0]) if rows else [], rows)


def present_explain(doc, view) -> str:
    """Long form: one row per step per spec, with both conventions named."""
    rows = [{"spec": r.name, "from": r.source, "to": r.target, "unit": r.unit, **row}
            for r in doc.reconciliations for row in r.rows()]
    rows += [{"spec": name, **row} for name, _, table in doc.matrices for row in table]
    return _csv(list(rows[0]) if rows else [], rows)


def present_sweep(doc, view) -> str:
    """One row per kept configuration: swept parameters by option name, then every metric."""
    return _csv([a.name for a in doc.result.axes] + list(doc.result.metrics), doc.result.rows())


def present_memory(doc, view) -> str:
    """Long form: one row per resolution per candidate, exact bytes."""
    keys = ["candidate", "resolution", "h", "w", "tensor", "channels", "bytes",
            "working_set_block", "inputs_bytes", "output_bytes", "working_set_bytes",
            "sliced_block", "slices", "slice_bytes", "sliced_bytes", "sequential_peak_bytes"]
    return _csv(keys, [{"candidate": v.name, **row} for v in doc.views for row in doc.levels(v)])
