"""JSON documents: exact integers, shapes as spec-order lists, ``null`` for undefined ratios
(never NaN), the conventions and the producing command alongside the numbers."""

from __future__ import annotations

import json

from .. import __version__
from ..analysis import Analysis
from ..ops import Shape
from .document import CheckReport, Report
from .rows import hwc


def _plain(value):
    return hwc(value) if isinstance(value, Shape) else value


def _rows(rows) -> list[dict]:
    return [{k: _plain(v) for k, v in r.items()} for r in rows]


def analysis_doc(a: Analysis, by: str = "layer") -> dict:
    doc = {"name": a.name, "spec": a.spec_text, "input": hwc(a.network.input_shape),
           "output": hwc(a.network.output_shape), "dtype": a.dtype, "batch": a.batch,
           "memory": a.memory,
           "totals": {**a.totals.as_dict(), **a.latency(), **a.training_totals()},
           **({"hardware": a.hardware.as_dict()} if a.hardware is not None else {}),
           **({"training": vars(a.training.settings)} if a.training is not None else {}),
           "arithmetic_intensity": a.totals.arithmetic_intensity, "peak_at": a.peak_at,
           "blocks": [{"name": b.name, "kind": b.kind, "spec": b.text} for b in a.network.blocks],
           "layers": _rows(a.layer_rows())}
    if by != "layer":
        doc[f"by_{by}"] = _rows(a.rollup_rows(by))
    return doc


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _pretty(value, indent: str = "") -> str:
    """Mappings indented two spaces a level, each row of a list of rows on one line: readable,
    and written by json's C encoder (``indent=`` would select its pure-Python one, 10× slower
    on a 100,000-layer network)."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = (f"{inner}{_compact(str(k))}: {_pretty(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + _compact(v) for v in value) + f"\n{indent}]"
    return _compact(value)


def _dump(doc) -> str:
    return _pretty(doc) + "\n"


def present_report(report: Report, view) -> str:
    c = report.comparison
    about = {"archcalc": __version__, "command": report.command}
    if report.listing:
        return _dump(_rows(report.candidate_rows()))
    if report.detail and len(c.analyses) == 1:
        return _dump({**analysis_doc(c.baseline, report.by), **dict(report.meta), **about,
                      "conventions": _conventions(report)})
    cands = [{**analysis_doc(a, report.by), "ratios": r} for a, r in zip(c.analyses, c.ratios())]
    return _dump({"note": c.note, "baseline": c.baseline.name, "candidates": cands, **about,
                  "conventions": _conventions(report)})


def _conventions(report: Report) -> dict:
    """The convention's rules; in ``--mode train`` with its training and backward rules."""
    doc = report.convention.as_dict()
    if report.comparison.baseline.training is not None:
        doc["training"] = report.convention.training_dict()
    return doc


def present_check(doc: CheckReport, view) -> str:
    from .check import check_doc

    return _dump(check_doc(doc))


def present_symbolic(doc, view) -> str:
    """Each form as SymPy text (``sympy.sympify`` reads it back) and as LaTeX."""
    from .symbolic import latex, rows

    texts, tex = rows(doc, str), rows(doc, latex)
    return _dump({"symbols": dict(doc.symbols), "setting": doc.setting,
                  "candidates": [{"name": t["name"], "error": t["error"] or None,
                                  "assumptions": t["assumptions"],
                                  "forms": {k: v for k, v in t.items()
                                            if k not in ("name", "error", "assumptions")},
                                  "latex": {k: v for k, v in x.items()
                                            if k not in ("name", "error", "assumptions")}}
                                 for t, x in zip(texts, tex)],
                  "archcalc": __version__, "command": doc.command})


def present_hardware(doc, view) -> str:
    """Every profile as data: peaks per dtype, bandwidth, ridge points, sources."""
    return _dump({"hardware": [{**p.as_dict(), "ridge": p.ridge} for p in doc.profiles],
                  "archcalc": __version__, "command": doc.command})


def present_conventions(doc, view) -> str:
    """Every convention (or the ones named) as data: its rules, what they count, sources."""
    from ..conventions import get, names

    return _dump({"conventions": [get(n).as_dict() for n in doc.named or names()],
                  "archcalc": __version__, "command": doc.command})


def present_explain(doc, view) -> str:
    """Per spec: both conventions, the column compared, the totals and every step."""
    from ..conventions import get

    return _dump({"specs": [{
        "name": r.name, "from": r.source, "to": r.target, "column": r.column,
        "batch": r.batch, "start": r.start, "end": r.end,
        "params": {"from": r.params[0], "to": r.params[1]}, "steps": r.rows(),
        "conventions": {n: get(n).as_dict() for n in (r.source, r.target)}}
        for r in doc.reconciliations],
        "matrices": [{"name": name, "columns": dict(columns), "rows": rows}
                     for name, columns, rows in doc.matrices],
        "archcalc": __version__, "command": doc.command})


def present_sweep(doc, view) -> str:
    """``{"rows": [...]}``, each row the swept parameters by option name and every metric,
    with the grid's size, the refusals and how rows were computed."""
    r = doc.result
    return _dump({"target": r.target, "axes": {a.name: list(a.values) for a in r.axes},
                  "configurations": r.configurations, "passed_where": r.kept_by_where,
                  "refused": [{"count": x.count, "reason": x.reason, "example": x.example}
                              for x in r.refusals],
                  "exact_rows": r.exact_rows, "vectorised": r.vectorised, "rows": r.rows(),
                  "archcalc": __version__, "command": doc.command})


def present_memory(doc, view) -> str:
    """``{"candidates": [{"name", "peak_bytes", "resolutions": [...]}]}``, ``peak_bytes`` the
    largest materialised tensor; each resolution its largest tensor, the working set and
    the §5.1 bound with their blocks (``null`` where none); every block; the definition."""
    def part(row: dict, keys: dict) -> dict | None:
        """``row``'s fields ``keys`` (row key: JSON key), or ``None`` when it has none."""
        return {out: row[key] for key, out in keys.items()} if next(iter(keys)) in row else None

    def level(row: dict) -> dict:
        return {"resolution": [row["h"], row["w"]], "tensor": row["tensor"],
                "channels": row["channels"], "bytes": row["bytes"],
                "working_set": part(row, {"working_set_block": "block",
                                          "inputs_bytes": "inputs_bytes",
                                          "output_bytes": "output_bytes",
                                          "working_set_bytes": "bytes"}),
                "sliced": part(row, {"sliced_block": "block", "slices": "slices",
                                     "slice_bytes": "slice_bytes", "sliced_bytes": "bytes",
                                     "sequential_peak_bytes": "sequential_peak_bytes"})}

    return _dump({"definition": doc.definition(), "dtype": doc.dtype,
                  "first_layer_trick": doc.first_layer_trick, "slices": doc.slices,
                  "candidates": [{"name": v.name, "input": hwc(v.network.input_shape),
                                  "peak_bytes": v.peak_bytes,
                                  "peak_tensor": v.peak.name if v.peak else None,
                                  "resolutions": [level(r) for r in doc.levels(v)],
                                  "blocks": doc.blocks(v)} for v in doc.views],
                  "archcalc": __version__, "command": doc.command})
