"""What a command hands to a presenter, and the tables every tabular presenter draws from it.

A :class:`Report` holds analyses (one for ``analyze``, several for ``compare``, ``report``
and ``zoo``) with how to group them; :func:`sections` lays it out as titled tables of
analysis rows and :class:`Column` definitions, so the terminal, Markdown and HTML presenters
draw the same tables.  Nothing here computes a cost: rows come from
:mod:`archcalc.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import __version__
from ..conventions import get as get_convention
from ..analysis import Analysis, Comparison
from ..spec.model import DTYPE_BYTES
from . import columns as C


@dataclass(frozen=True)
class View:
    """Presentation settings: terminal ``width`` and ``color``; ``plotlyjs`` is ``embed`` (the
    HTML file carries plotly.js) or a relative path of a shared copy beside the report."""

    width: int = 100
    color: bool = False
    plotlyjs: str = "embed"


@dataclass(frozen=True)
class Report:
    """Analyses to present.  ``detail``: show one analysis's rows (``analyze``) rather than
    the side-by-side summary; ``by``: ``layer``, ``block`` or ``op``; ``listing``: extra text
    columns per candidate (the zoo's width rule and description); ``meta``: facts about how
    the analysis was made (``traced_with`` for imported models); ``command``: the command
    line that produced it."""

    comparison: Comparison
    by: str = "layer"
    detail: bool = False
    title: str = "archcalc compare"
    command: str = ""
    listing: tuple[dict, ...] = ()
    meta: tuple[tuple[str, object], ...] = ()
    kind = "report"

    @property
    def analyses(self) -> tuple[Analysis, ...]:
        return self.comparison.analyses

    def listings(self) -> tuple[dict, ...]:
        """Per candidate its listing columns (``{}`` each without a listing)."""
        return self.listing or ({},) * len(self.analyses)

    def candidate_rows(self) -> list[dict]:
        """The comparison's summary rows, each with its ``candidate`` name and listing."""
        return [{**row, "candidate": row["name"], **info}
                for row, info in zip(self.comparison.summary_rows(), self.listings())]

    @property
    def one_input(self) -> bool:
        """True when every candidate reads the same input shape."""
        return len({a.network.input_shape for a in self.analyses}) == 1

    def context(self) -> str:
        """Input (when shared), dtype, batch and traffic policy of the baseline, in one line."""
        a = self.comparison.baseline
        shape = f"input {a.network.input_shape} · " if self.one_input else ""
        return (f"{shape}{a.dtype} · batch {a.batch} · {a.memory}" + training_context(a)
                + ("" if self.detail or self.listing or len(self.analyses) == 1
                   else f" · ratios to {a.name}"))

    @property
    def convention(self):
        """The counting convention of the analyses (the options apply to every candidate)."""
        return get_convention(self.comparison.baseline.convention)

    def footer(self) -> str:
        return (f"{self.convention.footer}\narchcalc {__version__}"
                + (f" · {self.command}" if self.command else ""))


@dataclass(frozen=True)
class CheckReport:
    """Cross-check results (:class:`archcalc.bridge.check.CheckResult`), one per spec;
    ``all_rows`` shows every layer, else only the disagreeing ones when there are several."""

    results: tuple
    all_rows: bool = False
    command: str = ""
    kind = "check"


@dataclass(frozen=True)
class SymbolicReport:
    """Closed forms (:class:`archcalc.symbolic.ClosedForm`) of the candidates, the symbols
    with what they stand for, and the setting they hold in (input, norm, dtype)."""

    forms: tuple
    symbols: tuple[tuple[str, str], ...]
    setting: str = ""
    command: str = ""
    kind = "symbolic"


@dataclass(frozen=True)
class SweepReport:
    """A sweep's kept rows (:class:`archcalc.sweep.SweepResult`) and the command."""

    result: object
    command: str = ""
    kind = "sweep"

    @property
    def convention(self):
        return get_convention(self.result.convention)

    def columns(self) -> tuple[C.Column, ...]:
        """The swept parameters by option name, then the headline metrics."""
        timed = tuple(C.col(k) for k in ("latency_s", "memory_bound_share")
                      if k in self.result.columns)
        summary = C.SUMMARY
        if "train_memory_bytes" in self.result.metrics:
            summary = C.TRAIN_SUMMARY + (C.CHECKPOINTED if "recompute_flops" in self.result.metrics
                                         and "train_memory_bytes_no_checkpoint"
                                         in self.result.metrics else ())
        return (tuple(C.Column(a.name, a.name, "number") for a in self.result.axes)
                + summary + timed)

    def notes(self) -> list[str]:
        """What happened to the grid, in sentences."""
        r = self.result
        shown = len(r.columns[next(iter(r.columns))]) if r.columns else 0
        notes = [f"{r.configurations:,} configurations of {r.target}"
                 + (f", {r.kept_by_where:,} pass --where" if r.kept_by_where != r.configurations
                    else "") + f"; {shown:,} shown"
                 + ("" if r.vectorised else "; each evaluated exactly, one at a time")]
        notes += [f"{x.count:,} refused ({x.reason}), e.g. "
                  + ", ".join(f"{k}={v}" for k, v in x.example.items()) for x in r.refusals]
        if r.exact_rows:
            notes.append(f"{r.exact_rows:,} rows reach 2**53 and were recomputed with exact "
                         "Python integers")
        return notes


@dataclass(frozen=True)
class ExplainReport:
    """Reconciliations (:class:`archcalc.reconcile.Reconciliation`) of one or more specs, or
    (``--vs all``) ``matrices``: per spec ``(name, columns, rows)`` of
    :func:`archcalc.reconcile.matrix`."""

    reconciliations: tuple
    command: str = ""
    matrices: tuple = ()
    kind = "explain"

    def sections(self) -> list[Section]:
        return ([explain_section(r) for r in self.reconciliations]
                + [matrix_section(*m) for m in self.matrices])


@dataclass(frozen=True)
class HardwareReport:
    """Hardware profiles: peaks, bandwidth, ridge points and sources."""

    profiles: tuple
    command: str = ""
    kind = "hardware"

    def rows(self) -> list[dict]:
        return [{"hardware": p.name, "title": p.title, "kind": p.kind,
                 **{f"peak_{d}": v for d, v in p.peak_flops}, "bandwidth": p.bandwidth,
                 **{f"ridge_{d}": v for d, v in p.ridge.items()},
                 **({"overhead_s": p.overhead_s} if p.calibrated else {}),
                 **{f"efficiency_{k}": v for k, v in p.efficiency},
                 "sources": " | ".join(p.sources)} for p in self.profiles]

    def sections(self) -> list[Section]:
        from ..hardware import DTYPES
        from ..roofline import RATE_CLASSES

        text = lambda key, header, wrap=True: C.Column(key, header, "text", wrap=wrap)  # noqa: E731
        calibrated = [p for p in self.profiles if p.calibrated]
        cols = (text("hardware", "hardware", False), text("title", "title"),
                *(C.Column(f"peak_{d}", f"{d} FLOP/s", "rate") for d in DTYPES
                  if any(d in dict(p.peak_flops) for p in self.profiles)),
                C.Column("bandwidth", "bytes/s", "rate"),
                C.Column("ridge_fp32", "fp32 ridge FLOP/B", "intensity"),
                *((C.col("overhead_s"),) if calibrated else ()),
                *(C.Column(f"efficiency_{k}", f"{k} eff.", "ratio") for k in RATE_CLASSES
                  if any(k in dict(p.efficiency) for p in calibrated)),
                C.Column("sources", "sources", "text", drop=1, wrap=True))
        caption = ("theoretical peaks from the vendors' documents; ridge = peak / bandwidth, "
                   "the intensity where a layer turns compute-bound")
        for p in calibrated:
            m = dict(p.measured)
            caption += (
                f"\n{p.name}: measured ({m.get('threads')} threads, torch {m.get('torch')}): "
                f"GEMM {C.fmt(m.get('gemm_flops'), 'rate')}FLOP/s, depthwise conv "
                f"{C.fmt(m.get('depthwise_flops'), 'rate')}FLOP/s, copy "
                f"{C.fmt(m.get('bandwidth'), 'rate')}B/s; per layer {C.fmt(p.overhead_s, 'seconds')} "
                f"+ roofline / efficiency, fitted on {m.get('fit_layers')} layers (median error "
                f"{C.fmt(m.get('fit_median_error'), 'share')}), checked on "
                f"{m.get('validation_layers')} others: median error "
                f"{C.fmt(m.get('validation_median_error'), 'share')} (the pure roofline's: "
                f"{C.fmt(m.get('uncalibrated_validation_median_error'), 'share')})")
        return [Section("archcalc hardware", cols, self.rows(), caption)]


@dataclass(frozen=True)
class MemoryReport:
    """What each candidate materialises per spatial resolution
    (:class:`archcalc.cost.materialised.MaterialisedView`, one per candidate) at ``dtype``;
    ``slices``: as asked (``None``: each block's expansion ratio t)."""

    views: tuple
    dtype: str
    first_layer_trick: bool = True
    slices: int | None = None
    command: str = ""
    kind = "memory"

    def definition(self) -> str:
        """The view's definition, in sentences, as these options make it."""
        trick = ("the stem and the block after it count as one block (V2 Table 3's first-layer "
                 "trick; --no-first-layer-trick turns it off)" if self.first_layer_trick else
                 "every block on its own (the first-layer trick is off)")
        t = (f"{self.slices} slices (--slices)" if self.slices else
             "t slices, t its expansion ratio (expanded over input channels)")
        return (f"Materialised: a tensor that crosses a block boundary, i.e. one the fused "
                f"traffic policy writes to memory; a block's internal tensors (an inverted "
                f"residual's expanded tensor, a separable block's depthwise output) stay on chip "
                f"(MobileNetV2 §5.1); the network input is read, never written; {trick}. Per "
                f"resolution (H×W of the tensor): the largest materialised tensor; the working "
                f"set, the largest inputs + output of a block whose output has that resolution; "
                f"for an inverted residual with an expansion conv, the §5.1 bound when its "
                f"expanded tensor is computed in {t}: inputs + output + one slice of the "
                f"expanded tensor, beside its sequential peak (the largest live set while its ops "
                f"run one after another, every tensor materialised). Peak: the largest "
                f"materialised tensor (Table 3's max row). {self.dtype}: "
                f"{DTYPE_BYTES[self.dtype]} bytes an element; one sample.")

    def footer(self) -> str:
        return f"archcalc {__version__}" + (f" · {self.command}" if self.command else "")

    def levels(self, view) -> list[dict]:
        """One row per resolution of ``view``: exact bytes, the blocks named."""
        return [{"resolution": resolution_text(lv), "h": lv.h, "w": lv.w,
                 "tensor": lv.largest.name, "channels": lv.largest.shape.c,
                 "bytes": lv.largest.bytes, **_working(lv.working_set), **_sliced(lv.sliced)}
                for lv in view.levels]

    def blocks(self, view) -> list[dict]:
        """One row per block of ``view``."""
        return [{"block": b.name, "resolution": resolution_text(b.shape),
                 "inputs_bytes": b.inputs, "output_bytes": b.output,
                 "working_set_bytes": b.working_set, "sequential_peak_bytes": b.sequential_peak,
                 "slices": b.slices, "slice_bytes": b.slice_bytes, "sliced_bytes": b.sliced}
                for b in view.blocks]

    def sections(self) -> list[Section]:
        """The candidates side by side as V2 Table 3 lays them out, then each in detail."""
        by_res: dict[str, dict] = {}
        for i, view in enumerate(self.views):
            for row in self.levels(view):
                cell = by_res.setdefault(row["resolution"], {
                    "resolution": row["resolution"], "area": row["h"] * row["w"]})
                cell.update({f"c{i}_channels": row["channels"], f"c{i}_bytes": row["bytes"]})
        rows = sorted(by_res.values(), key=lambda r: -r["area"])
        rows.append({"resolution": "max", "row": "total", **{
            k: v for i, view in enumerate(self.views) if view.peak is not None
            for k, v in ((f"c{i}_channels", view.peak.shape.c), (f"c{i}_bytes", view.peak_bytes))}})
        cols = (C.Column("resolution", "resolution", "text"),  # Table 3's "channels/memory"
                *(c for i, view in enumerate(self.views)
                  for c in (C.Column(f"c{i}_channels", "ch", "int", drop=1, wrap=True),
                            C.Column(f"c{i}_bytes", view.name, "bytes", wrap=True))))
        side = Section("archcalc memory: the largest materialised tensor per resolution "
                       "(MobileNetV2 Table 3's view)", cols, rows,
                       f"{self.dtype} · first-layer trick "
                       f"{'on' if self.first_layer_trick else 'off'} · definition below")
        text = lambda key, header, drop=0: C.Column(key, header, "text", drop, wrap=True)  # noqa: E731
        detail = (C.Column("resolution", "resolution", "text"), text("tensor", "largest tensor", 2),
                  C.Column("channels", "ch", "int"), C.Column("bytes", "size", "bytes"),
                  C.Column("working_set_bytes", "working set", "bytes"),
                  text("working_set_block", "block", 3),
                  text("sliced_block", "§5.1 block", 3), C.Column("slices", "t", "int", 1),
                  C.Column("sliced_bytes", "§5.1 bound", "bytes"),
                  C.Column("sequential_peak_bytes", "sequential peak", "bytes"))
        return [side] + [Section(f"{view.name}: per resolution", detail, self.levels(view),
                                 f"peak {C.fmt(view.peak_bytes, 'bytes', exact=True)} bytes"
                                 + (f" ({view.peak.name}, {view.peak.shape})" if view.peak
                                    else ""))
                         for view in self.views]


def resolution_text(shape) -> str:
    """``112×112`` (or ``197 tokens``) of anything with ``h``, ``w`` and ``layout``."""
    if shape.layout == "tokens":
        return f"{shape.h} token" + ("" if shape.h == 1 else "s")
    return f"{shape.h}×{shape.w}"


def _working(block) -> dict:
    if block is None:
        return {}
    return {"working_set_block": block.name, "inputs_bytes": block.inputs,
            "output_bytes": block.output, "working_set_bytes": block.working_set}


def _sliced(block) -> dict:
    if block is None:
        return {}
    return {"sliced_block": block.name, "slices": block.slices,
            "slice_bytes": block.slice_bytes, "sliced_bytes": block.sliced,
            "sequential_peak_bytes": block.sequential_peak}


@dataclass(frozen=True)
class ConventionsReport:
    """The conventions: all of them side by side, or the rules of the ones ``named``."""

    named: tuple[str, ...] = ()
    command: str = ""
    kind = "conventions"

    def sections(self) -> list[Section]:
        from ..conventions import names, per_op_rows, source_rows, summary_rows

        text = lambda key, header, wrap=True: C.Column(key, header, "text", wrap=wrap)  # noqa: E731
        if self.named:
            return [Section(f"convention {n}: rules and sources",
                            (text("op", "op types"), text("counts", "counts"),
                             text("source", "source")), source_rows(n), get_convention(n).footer)
                    for n in self.named]
        return [Section("archcalc conventions", (text("convention", "convention", False),
                                                 text("tool", "tool"), text("counts", "counts"),
                                                 text("unit", "prints"), text("params", "params")),
                        summary_rows(), "archcalc conventions NAME: each rule with its source"),
                Section("what each convention counts, per op",
                        (text("op", "op"), *(text(n, n) for n in names())), per_op_rows())]


def matrix_section(name: str, columns, rows) -> Section:
    """Every convention's figure per op kind of one network, with totals and params."""
    cols = (C.Column("kind", "op kind", "text", wrap=True), C.Column("ops", "ops", "int"),
            *(C.Column(key, header, "int") for key, header in columns))
    return Section(f"archcalc explain {name}: every convention", cols, rows,
                   "each tool's printed figure, in its own unit, on the module archcalc's "
                   "bridge builds; op kinds that every convention counts as 0 are not listed")


def explain_section(rec) -> Section:
    """One reconciliation as a table: start, one row per op kind, end (exact counts)."""
    columns = (C.Column("kind", "op kind", "text", wrap=True), C.Column("ops", "ops", "int"),
               C.Column("source", rec.source, "int"), C.Column("target", rec.target, "int"),
               C.Column("delta", "Δ", "delta"), C.Column("running", "running total", "int"),
               C.Column("why", "why", "text", drop=1, wrap=True))
    params = ("" if rec.params[0] == rec.params[1] else
              f" · params {rec.params[0]:,} → {rec.params[1]:,} ({rec.target} skips "
              f"{rec.params[0] - rec.params[1]:,})")
    return Section(f"archcalc explain {rec.name}: {rec.source} → {rec.target} ({rec.unit}, "
                   f"batch {rec.batch})", columns, rec.rows(),
                   f"{rec.start:,} → {rec.end:,} {rec.unit}{params}; op kinds that count 0 "
                   "under both are not listed")


def sweep_section(doc: SweepReport) -> Section:
    return Section(f"archcalc sweep {doc.result.target}", doc.columns(), doc.result.rows(),
                   "; ".join(doc.notes()))


@dataclass(frozen=True)
class Section:
    """One titled table: columns, rows (``row`` marks ``layer`` rows, ``block`` subtotal
    rows between them, ``group`` rows of a ``--by`` table, ``total`` rows), a caption."""

    title: str
    columns: tuple[C.Column, ...]
    rows: list[dict]
    caption: str = ""


def training_context(a: Analysis) -> str:
    """`` · training step, OPTIMIZER[, checkpoint per block]`` (``--mode train``), else ``""``."""
    if a.training is None:
        return ""
    t = a.training.settings
    return (f" · training step, {t.optimizer}"
            + (", activations checkpointed per block" if t.checkpoint == "blocks" else ""))


def step_memory_section(report: Report) -> Section:
    """The step memory of each candidate, part by part (``--mode train``)."""
    a = report.comparison.baseline
    ckpt = a.training.settings.checkpoint == "blocks"
    columns = (C.col("candidate"),) + C.STEP_MEMORY + (C.CHECKPOINTED[1:] if ckpt else ())
    mixed = ("; fp32 master weights and optimizer state beside the "
             f"{a.dtype} weights and gradients" if a.training.totals["master_weight_bytes"]
             else "")
    return Section("training step memory", columns,
                   [{**r, "candidate": r["name"]} for r in report.comparison.summary_rows()],
                   "step memory = weights + gradients + fp32 master + optimizer state + the "
                   "larger of the forward peak (activations live, what is saved for backward "
                   "held) and the backward peak (saved tensors not yet released + activation "
                   f"gradients){mixed}")


def _with_shape(row: dict) -> dict:
    return {**row, "shape": f"{row['in_shape']} → {row['out_shape']}"}


def _layer_rows_with_blocks(a: Analysis) -> list[dict]:
    """Layer rows, each multi-layer block followed by its subtotal row, then the total."""
    blocks = {r["block"]: r for r in a.rollup_rows("block")}
    rows = []
    records = a.layer_rows()
    for i, r in enumerate(records):
        rows.append({**_with_shape(r), "row": "layer"})
        block = blocks[r["block"]]
        if (i + 1 == len(records) or records[i + 1]["block"] != r["block"]) and block["layers"] > 1:
            rows.append({**block, "name": r["block"], "category": "block",
                         "shape": block["spec"], "row": "block"})
    rows.append({**a.total_row(), "name": "total", "row": "total"})
    return rows


def timed_columns(a: Analysis) -> tuple[C.Column, ...]:
    """The timing columns of ``a``'s layer rows: the roofline's (with a profile), the
    measurement's, and the error between them (with both)."""
    return tuple(C.col(k) for k, on in (("latency_s", a.hardware), ("measured_s", a.measured),
                                        ("error", a.hardware and a.measured),
                                        ("bound", a.hardware)) if on is not None)


def analysis_section(a: Analysis, by: str) -> Section:
    """One analysis grouped ``by`` layer, block or op, ending with the network totals."""
    t = a.totals
    trained = a.training is not None
    if trained:
        step = a.training_totals()
        peak = (f"saved for backward {C.fmt(step['saved_activation_bytes'], 'bytes')} · step "
                f"memory {C.fmt(step['train_memory_bytes'], 'bytes')}")
    else:
        peak = f"peak activations {C.fmt(t.peak_activation_bytes, 'bytes')} at {a.peak_at}"
    caption = (f"{a.dtype} · batch {a.batch} · {a.memory}{training_context(a)} · {peak}"
               + _on_hardware(a))
    if by == "layer":
        return Section(f"{a.name}: {a.network.input_shape} → {a.network.output_shape}",
                       (C.TRAIN_LAYER if trained else C.LAYER) + timed_columns(a),
                       _layer_rows_with_blocks(a), caption)
    key = "block" if by == "block" else "category"
    rows = [{**r, "row": "group"} for r in a.rollup_rows(by)]
    rows.append({**a.total_row(), key: "total", "row": "total"})
    return Section(f"{a.name} by {by}", C.rollup_key(by) + C.ROLLUP
                   + (C.TRAIN_ROLLUP if trained else ()), rows, caption)


def _on_hardware(a: Analysis) -> str:
    """The roofline caption: predicted latency on the profile, and how much is memory-bound;
    the measurement, and how far the prediction is from it."""
    t, out = a.latency(), ""
    if a.hardware is not None:
        out = (f" · roofline on {a.hardware.title}: {C.fmt(t['latency_s'], 'seconds')} "
               f"predicted, {C.fmt(t['memory_bound_share'], 'share')} of it memory-bound")
    if a.measured is not None:
        out += f" · {C.fmt(t['measured_s'], 'seconds')} {a.measured.describe()}"
        e = a.prediction_error()
        if e is not None:
            out += (f" · error {C.fmt(e['error'], 'error')} for the network, median "
                    f"{C.fmt(e['median_layer_error'], 'share')} per layer")
    return out


def summary_section(report: Report) -> Section:
    """Candidates side by side with ratios to the first (the zoo: with its listing columns)."""
    rows = [{**row, "row": "candidate"} for row in report.candidate_rows()]
    if report.listing:
        return Section(report.title, C.ZOO, rows, report.context())
    caption = "\n".join(([report.comparison.note] if report.comparison.note else [])
                        + [report.context()])
    inputs = () if report.one_input else (C.col("input"),)
    base = report.comparison.baseline
    timed = tuple(C.col(k) for k, on in (("latency_s", base.hardware), ("measured_s", base.measured))
                  if on is not None)
    after = tuple(C.col(k) for k, on in (("error", base.hardware and base.measured),
                                         ("memory_bound_share", base.hardware)) if on is not None)
    return Section(report.title, (C.col("candidate"),) + inputs
                   + C.with_ratio(_summary_columns(base) + timed) + after, rows,
                   caption + _on_hardware(report.comparison.baseline).replace(" · ", "\n", 1))


def _summary_columns(a: Analysis) -> tuple[C.Column, ...]:
    """The headline totals: inference's, or a training step's (with the checkpointing trade
    where activations are checkpointed)."""
    if a.training is None:
        return C.SUMMARY
    return C.TRAIN_SUMMARY + (C.CHECKPOINTED if a.training.settings.checkpoint == "blocks"
                              else ())


def sections(report: Report) -> list[Section]:
    """The tables of a report: one analysis's rows, or the summary plus, with ``--by block``
    or ``--by op``, each candidate's breakdown."""
    trained = [step_memory_section(report)] if report.comparison.baseline.training else []
    if report.detail:
        return [analysis_section(a, report.by) for a in report.analyses] + trained
    out = [summary_section(report)] + trained
    if report.by != "layer":
        out += [analysis_section(a, report.by) for a in report.analyses]
    return out
