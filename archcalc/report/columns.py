"""Every column any presenter shows, defined once: machine name, human header, unit.

``key`` is the field of the analysis rows (and the CSV/JSON field name), ``header`` what a
person reads (units in the header where the cells do not carry them), ``unit`` selects the
formatter in :mod:`archcalc.report.units`.  ``drop`` orders the columns a narrow terminal
gives up first (1 first, 0 never); ``ratio`` shows the row's ``<key>_ratio`` beside the value;
``wrap`` lets a text column wrap instead of being dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .units import fmt


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    unit: str = "count"
    drop: int = 0
    ratio: bool = False
    wrap: bool = False

    @property
    def numeric(self) -> bool:
        return self.unit not in ("text", "shape")

    def title(self, exact: bool = False) -> str:
        """The header; exact byte counts carry their unit in it (scaled ones in the cells)."""
        return f"{self.header} (bytes)" if exact and self.unit == "bytes" else self.header

    def cell(self, row: dict, exact: bool = False) -> str:
        """The formatted value of this column in ``row`` (``""`` where the row lacks it)."""
        return fmt(row[self.key], self.unit, exact) if self.key in row else ""


def col(key: str) -> Column:
    """The column named ``key``."""
    return COLUMNS[key]


COLUMNS = {c.key: c for c in (
    Column("name", "layer", "text", wrap=True),
    Column("candidate", "candidate", "text", wrap=True),
    Column("block", "block", "text", wrap=True),
    Column("op", "op", "text", wrap=True),
    Column("spec", "spec", "text", drop=2, wrap=True),
    Column("category", "op kind", "text", drop=4),
    Column("shape", "shape", "text", drop=2),
    Column("in_shape", "input shape", "shape", drop=2),
    Column("out_shape", "output shape", "shape", drop=2),
    Column("input", "input", "shape", drop=6),
    Column("layers", "layers", "int", drop=3),
    Column("params", "params", "count"),
    Column("params_share", "% params", "share", drop=4),
    Column("macs", "MACs", "count"),
    Column("macs_share", "% MACs", "share", drop=4),
    Column("flops", "FLOPs", "count"),
    Column("bytes_read", "bytes read", "bytes", drop=5),
    Column("bytes_written", "bytes written", "bytes", drop=5),
    Column("bytes", "traffic", "bytes", drop=3),
    Column("peak_activation_bytes", "peak act.", "bytes"),
    Column("live_activation_bytes", "live act.", "bytes", drop=5),
    Column("arithmetic_intensity", "FLOP/B", "intensity", drop=1),
    Column("latency_s", "latency", "seconds"),
    Column("measured_s", "measured", "seconds"),
    Column("overhead_s", "per-layer overhead", "seconds"),
    Column("error", "error", "error", drop=1),
    Column("bound", "bound", "text", drop=2),
    Column("memory_bound_share", "memory-bound", "share", drop=2),
    # --mode train (archcalc/cost/training.py)
    Column("backward_macs", "bwd MACs", "count", drop=3),
    Column("backward_flops", "bwd FLOPs", "count"),
    Column("recompute_flops", "recompute FLOPs", "count", drop=2),
    Column("train_macs", "step MACs", "count", drop=3),
    Column("train_flops", "step FLOPs", "count"),
    Column("saved_bytes", "saved", "bytes", drop=3),
    Column("held_bytes", "held for bwd", "bytes", drop=5),
    Column("forward_activation_bytes", "fwd act.", "bytes", drop=5),
    Column("backward_activation_bytes", "bwd act.", "bytes", drop=5),
    Column("saved_activation_bytes", "saved act.", "bytes"),
    Column("forward_peak_bytes", "fwd peak", "bytes", drop=4),
    Column("backward_peak_bytes", "bwd peak", "bytes", drop=4),
    Column("weight_bytes", "weights", "bytes", drop=5),
    Column("gradient_bytes", "gradients", "bytes", drop=5),
    Column("master_weight_bytes", "fp32 master", "bytes", drop=5),
    Column("optimizer_state_bytes", "optimizer state", "bytes", drop=5),
    Column("train_memory_bytes", "step memory", "bytes"),
    Column("saved_activation_bytes_no_checkpoint", "saved act. no ckpt", "bytes", drop=2),
    Column("train_memory_bytes_no_checkpoint", "step memory no ckpt", "bytes"),
    Column("dtype", "dtype", "text", drop=6),
    Column("batch", "batch", "int", drop=6),
    Column("memory", "traffic policy", "text", drop=6),
    Column("width_rule", "width multiplier rule", "text", drop=1, wrap=True),
    Column("description", "description", "text", drop=1, wrap=True),
)}

SUMMARY = tuple(col(k) for k in ("params", "macs", "flops", "bytes", "peak_activation_bytes",
                                 "arithmetic_intensity"))
LAYER = tuple(col(k) for k in ("name", "category", "shape", "params", "macs", "flops", "bytes",
                               "arithmetic_intensity"))
ROLLUP = tuple(col(k) for k in ("layers", "params", "params_share", "macs", "macs_share",
                                "flops", "bytes", "arithmetic_intensity"))
ZOO = tuple(col(k) for k in ("candidate", "input", "params", "macs", "flops",
                             "peak_activation_bytes", "width_rule"))
# Long-form machine tables (CSV, XLSX): one row per layer (or group) per candidate.
LONG_KEYS = tuple(col(k) for k in ("name", "block", "op", "category", "in_shape", "out_shape"))
LONG_NUMBERS = tuple(col(k) for k in ("params", "macs", "flops", "bytes_read", "bytes_written",
                                      "live_activation_bytes"))
LONG = LONG_KEYS + LONG_NUMBERS
ROLLUP_NUMBERS = (col("layers"),) + LONG_NUMBERS[:5]


# --mode train: the summary, the layer table and the step memory, what each part holds.
TRAIN_SUMMARY = (col("params"), replace(col("macs"), drop=1), replace(col("flops"), drop=2),
                 replace(col("backward_flops"), drop=3), col("train_flops"),
                 col("saved_activation_bytes"), col("train_memory_bytes"))
CHECKPOINTED = tuple(col(k) for k in ("recompute_flops", "train_memory_bytes_no_checkpoint"))
TRAIN_LAYER = tuple(col(k) for k in ("name", "category", "shape", "params", "macs", "flops",
                                     "backward_flops", "saved_bytes"))
TRAIN_ROLLUP = tuple(col(k) for k in ("backward_macs", "backward_flops", "saved_bytes"))
TRAIN_LONG = tuple(col(k) for k in ("backward_macs", "backward_flops", "recompute_flops",
                                    "saved_bytes", "held_bytes", "forward_activation_bytes",
                                    "backward_activation_bytes"))
STEP_MEMORY = tuple(replace(col(k), drop=d) for k, d in (
    ("weight_bytes", 4), ("gradient_bytes", 2), ("master_weight_bytes", 1),
    ("optimizer_state_bytes", 4), ("forward_peak_bytes", 3), ("backward_peak_bytes", 3),
    ("train_memory_bytes", 0)))


def with_ratio(columns) -> tuple[Column, ...]:
    """The same columns showing each value's ratio to the baseline beside it."""
    return tuple(replace(c, ratio=True) for c in columns)


def ratio_of(column: Column) -> Column:
    """The column of ``column``'s ratio to the baseline (``<key>_ratio``)."""
    return Column(f"{column.key}_ratio", f"{column.header} ratio", "ratio", column.drop)


def rollup_key(by: str) -> tuple[Column, ...]:
    """The leading columns of a ``--by block`` or ``--by op`` table."""
    return (col("block"), col("spec")) if by == "block" else (replace(col("category"), drop=0),)
