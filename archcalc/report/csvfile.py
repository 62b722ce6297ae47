"""CSV: the flat long-form table, one row per layer (or block, or op kind) per candidate,
machine column names, exact integers, each candidate ending with its totals row.  Text a
spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io

from ..ops import Shape
from . import columns as C
from .document import CheckReport, Report
from .rows import hwc
from .units import neutralise


def _value(v):
    if isinstance(v, Shape):
        return "x".join(map(str, hwc(v)))
    return neutralise(v) if isinstance(v, str) else v


def _csv(keys, rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow([_value(row.get(k, "")) for k in keys])
    return buf.getvalue()


def long_rows(report: Report) -> tuple[list[str], list[dict]]:
    """Column keys and rows of the long-form table of ``report``."""
    if report.listing:
        keys = [c.key for c in C.ZOO] + ["description"]
        return keys, [{**r, "candidate": r["name"], **info} for r, info in
                      zip(report.comparison.summary_rows(), report.listing)]
    by = report.by
    lead = [c.key for c in C.rollup_key(by)] if by != "layer" else [c.key for c in C.LONG[:6]]
    numbers = [c.key for c in C.LONG[6:]] if by == "layer" else [
        "layers", "params", "macs", "flops", "bytes_read", "bytes_written"]
    keys = ["candidate", "row", *lead, *numbers, "peak_activation_bytes"]
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
