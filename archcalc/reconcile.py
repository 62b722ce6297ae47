"""Why two counters disagree: one network's total under one convention, walked op kind by op
kind to another convention's total.

Both totals come from the same IR costed under each rule set (:mod:`archcalc.conventions`),
in the column the target tool prints (MACs for a MAC counter, FLOPs for a FLOP counter).
Each step is one op kind (``explain_key``): how many ops, both counts, the difference and the
running total, which ends exactly at the target's total.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import Analysis
from .conventions import get
from .conventions.base import COLUMN_NAMES, explain_key


@dataclass(frozen=True)
class Step:
    """One op kind: its ``ops`` count, the source's and the target's counts, the difference,
    the running total after it and what each convention counts for it."""

    kind: str
    ops: int
    source: object
    target: object
    running: object
    source_says: str
    target_says: str

    @property
    def delta(self):
        return self.target - self.source


@dataclass(frozen=True)
class Reconciliation:
    """``source``'s total of ``column`` walked to ``target``'s, for the network ``name``;
    params likewise (they differ only where a tool skips some modules' parameters)."""

    name: str
    source: str
    target: str
    column: str
    start: object
    steps: tuple[Step, ...]
    params: tuple[object, object]
    batch: int

    @property
    def end(self):
        return self.steps[-1].running if self.steps else self.start

    @property
    def unit(self) -> str:
        return COLUMN_NAMES[self.column]

    def rows(self) -> list[dict]:
        """The start, one row per op kind, the end: exact numbers and the reasons."""
        src, dst = get(self.source), get(self.target)
        converted = {"flops": ", as FLOPs (2 per MAC it counts)",
                     "macs": ", as MACs (half the FLOPs it counts)"}[self.column]
        rows = [{"step": "start", "kind": f"{src.name} total", "ops": None, "source": None,
                 "target": None, "delta": None, "running": self.start,
                 "why": f"{src.title}" + (converted if src.headline != self.column
                                          and src.name != "archcalc" else "")}]
        for s in self.steps:
            why = (f"{dst.name}: {s.target_says}" if s.source_says == s.target_says
                   else f"{dst.name}: {s.target_says}; {src.name}: {s.source_says}")
            rows.append({"step": "kind", "kind": s.kind, "ops": s.ops, "source": s.source,
                         "target": s.target, "delta": s.delta, "running": s.running,
                         "why": why})
        rows.append({"step": "end", "kind": f"{dst.name} total", "ops": None, "source": None,
                     "target": None, "delta": self.end - self.start, "running": self.end,
                     "why": f"{dst.title} ({dst.unit})"})
        return rows


def _says(convention, op, column: str) -> str:
    """What ``convention`` counts for ``op`` in ``column``: its rule's words (archcalc's
    MAC formula when it is compared in MACs)."""
    rule = convention.rule_for(type(op))
    if convention.name == "archcalc" and column == "macs":
        return f"MACs {rule.detail[1]}" if rule.detail[1] != "0" else "0 MACs"
    return rule.says


def reconcile(source: Analysis, target: Analysis) -> Reconciliation:
    """Walk ``source``'s total to ``target``'s: two analyses of one network under two
    conventions, compared in the column the target prints."""
    src, dst = get(source.convention), get(target.convention)
    column = dst.headline
    kinds: dict[str, list] = {}
    for node, a, b in zip(source.network.nodes, source.columns[column], target.columns[column]):
        entry = kinds.setdefault(explain_key(node.op), [0, 0, 0, node.op])
        entry[0] += 1
        entry[1] += a
        entry[2] += b
    start = sum(source.columns[column])
    steps, running = [], start
    for kind, (ops, a, b, op) in kinds.items():
        if not a and not b:
            continue
        running += b - a
        steps.append(Step(kind, ops, a, b, running, _says(src, op, column),
                          _says(dst, op, column)))
    return Reconciliation(source.name, src.name, dst.name, column, start, tuple(steps),
                          (source.totals.params, target.totals.params), source.batch)


def matrix(analyses: list[Analysis]) -> tuple[list[tuple[str, str]], list[dict]]:
    """One network under several conventions, side by side: per op kind each convention's
    printed figure (archcalc's own: both MACs and FLOPs), then the totals and the params.
    Returns the columns as ``(key, header)`` and the rows."""
    columns, values, params = [], [], {}
    for a in analyses:
        conv = get(a.convention)
        heads = ("macs", "flops") if conv.name == "archcalc" else (conv.headline,)
        for head in heads:
            key = f"{conv.name} {COLUMN_NAMES[head]}" if conv.name == "archcalc" else conv.name
            columns.append((key, f"{key} ({conv.unit})" if conv.name != "archcalc" else key))
            values.append(a.columns[head])
            params[key] = a.totals.params
    keys = [k for k, _ in columns]
    nodes = analyses[0].network.nodes
    kinds: dict[str, dict] = {}
    for i, node in enumerate(nodes):
        kind = explain_key(node.op)
        row = kinds.setdefault(kind, {"step": "kind", "kind": kind, "ops": 0,
                                      **dict.fromkeys(keys, 0)})
        row["ops"] += 1
        for k, v in zip(keys, values):
            row[k] += v[i]
    rows = [r for r in kinds.values() if any(r[k] for k in keys)]
    rows.append({"step": "end", "kind": "total", "ops": len(nodes),
                 **{k: sum(v) for k, v in zip(keys, values)}})
    rows.append({"step": "end", "kind": "params", "ops": None, **params})
    return columns, rows
