"""The analysis: an immutable view over one exact cost record per op.

Per-layer records are rolled up per block, per op category and for the whole network.  Bytes
are activation elements moved (see :mod:`archcalc.cost.memory`) plus weights read, times the
dtype's bytes per element.  Every derived quantity (total bytes, arithmetic intensity in
FLOP/byte, shares of the network total, ratios to a baseline) is computed here, once, as
plain rows of exact numbers; presenters only format them.  Undefined quantities (a ratio to
a zero baseline, the intensity of an op that moves no bytes) are ``None``, never NaN.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from .conventions import get as get_convention
from .cost import Cost
from .cost.memory import live_profile, peak_activations, traffic
from .cost.training import every_node_runs, training_costs
from .errors import ArchcalcError
from .ir import Network
from .ops import Shape
from .spec.model import DTYPE_BYTES

TOTAL_FIELDS = ("params", "macs", "flops", "bytes_read", "bytes_written", "peak_activation_bytes")
RATIO_FIELDS = TOTAL_FIELDS + ("bytes", "arithmetic_intensity")


def _ratio(num, den):
    """``num / den``; ``None`` when the denominator is zero or either side is undefined."""
    return None if num is None or not den else num / den


class _Moved:
    """Traffic-derived quantities of anything with ``flops``, ``bytes_read`` and
    ``bytes_written``: written once for layers, groups of layers and whole networks."""

    @property
    def bytes(self):
        return self.bytes_read + self.bytes_written

    @property
    def arithmetic_intensity(self):
        """FLOPs per byte moved (``None`` where nothing moves)."""
        return _ratio(self.flops, self.bytes)


@dataclass(frozen=True)
class LayerRecord(_Moved):
    """One primitive op: where it sits, its shapes, its exact costs and the activation bytes
    live while it runs."""

    name: str
    block: str
    op: str
    category: str
    in_shape: Shape
    out_shape: Shape
    cost: Cost
    bytes_read: object
    bytes_written: object
    live_activation_bytes: object

    @property
    def params(self):
        return self.cost.params

    @property
    def macs(self):
        return self.cost.macs

    @property
    def flops(self):
        return self.cost.flops


@dataclass(frozen=True)
class Totals(_Moved):
    """Network totals; ``peak_activation_bytes`` is the largest live set, not a sum."""

    params: object
    macs: object
    flops: object
    bytes_read: object
    bytes_written: object
    peak_activation_bytes: object

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in TOTAL_FIELDS}


@dataclass(frozen=True)
class Rollup(_Moved):
    """Summed costs of a group of layers (a block or an op category)."""

    key: str
    layers: int
    cost: Cost
    bytes_read: object
    bytes_written: object

    @property
    def flops(self):
        return self.cost.flops


COLUMNS = ("params", "macs", "flops", "bytes_read", "bytes_written", "live_activation_bytes")
TRAINING_SUMS = ("backward_macs", "backward_flops", "recompute_flops", "saved_bytes")


@dataclass(frozen=True)
class Analysis:
    """The costs of one network: ``columns`` holds, per :data:`COLUMNS` name, one exact number
    per node of ``network`` (in node order); per-layer records, rollups and totals are views
    over them, built when first asked for."""

    name: str
    network: Network
    columns: MappingProxyType = field(hash=False)
    dtype: str
    batch: int
    memory: str
    peak_activation_bytes: object
    peak_at: str
    spec_text: str = ""
    description: str = ""
    convention: str = "archcalc"
    hardware: object = None  # a hardware Profile: roofline latency per layer and in total
    measured: object = None  # a roofline.Measured: seconds measured per layer and in total
    training: object = None  # a TrainingCost (--mode train): backward pass, saved tensors, memory

    @cached_property
    def records(self) -> tuple[LayerRecord, ...]:
        c = self.columns
        return tuple(
            LayerRecord(node.name, node.block, node.op.kind, node.op.category, node.in_shapes[0],
                        node.out_shape, Cost(p, m, f), read, written, live)
            for node, p, m, f, read, written, live in zip(
                self.network.nodes, *(c[k] for k in COLUMNS)))

    @cached_property
    def totals(self) -> Totals:
        c = self.columns
        return Totals(*(sum(c[k]) for k in TOTAL_FIELDS[:5]), self.peak_activation_bytes)

    def _rollup(self, key_of) -> list[Rollup]:
        groups: dict[str, list[LayerRecord]] = {}
        for r in self.records:
            groups.setdefault(key_of(r), []).append(r)
        return [Rollup(k, len(rs), sum((r.cost for r in rs), Cost()),
                       sum(r.bytes_read for r in rs), sum(r.bytes_written for r in rs))
                for k, rs in groups.items()]

    def by_block(self) -> list[Rollup]:
        return self._rollup(lambda r: r.block)

    def by_category(self) -> list[Rollup]:
        """Rolled up by op category (``conv 1x1``, ``conv dw 3x3``, ``fully connected`` ...)."""
        return self._rollup(lambda r: r.category)

    @cached_property
    def rate_classes(self) -> tuple:
        """Per node its :func:`archcalc.roofline.rate_class` (``None``: it does not run)."""
        from .roofline import rate_class

        return tuple(None if n.train_only else rate_class(n.op) for n in self.network.nodes)

    @cached_property
    def layer_times(self):
        """Per-layer roofline times on ``hardware`` (``None`` without a profile)."""
        if self.hardware is None:
            return None
        from .roofline import layer_times

        return layer_times(self.records, self.rate_classes, self.hardware, self.dtype)

    def _timed(self, i: int) -> dict:
        out = {}
        if self.layer_times is not None:
            t = self.layer_times[i]
            out = {"latency_s": t.latency_s, "bound": t.bound,
                   "attainable_flops": t.attainable_flops}
        if self.measured is not None and self.measured.layer_s:
            from .roofline import error

            seconds = self.measured.layer_s[i]
            out["measured_s"] = seconds
            if self.layer_times is not None:
                out["error"] = error(out["latency_s"] if seconds is not None else None,
                                     seconds)
        return out

    def _shares(self, params, macs) -> dict:
        t = self.totals
        return {"params_share": _ratio(params, t.params), "macs_share": _ratio(macs, t.macs)}

    def layer_rows(self) -> list[dict]:
        """One row per op: shapes, exact costs, bytes, intensity, shares, live activations."""
        return [{"name": r.name, "block": r.block, "op": r.op, "category": r.category,
                 "in_shape": r.in_shape, "out_shape": r.out_shape, "params": r.params,
                 "macs": r.macs, "flops": r.flops, "bytes_read": r.bytes_read,
                 "bytes_written": r.bytes_written, "bytes": r.bytes,
                 "arithmetic_intensity": r.arithmetic_intensity,
                 **self._shares(r.params, r.macs),
                 "live_activation_bytes": r.live_activation_bytes, **self._timed(i),
                 **self._trained(i)}
                for i, r in enumerate(self.records)]

    def _trained(self, i: int) -> dict:
        if self.training is None:
            return {}
        return {k: v[i] for k, v in self.training.columns.items()}

    def training_totals(self) -> dict:
        """The training step's totals (``--mode train``; empty at inference)."""
        return {} if self.training is None else dict(self.training.totals)

    def rollup_rows(self, by: str) -> list[dict]:
        """Per block (``block`` and its ``spec`` text) or per op ``category``, with shares (0..1)."""
        groups = self.by_block() if by == "block" else self.by_category()
        spec_of = {b.name: b.text for b in self.network.blocks}
        key = "block" if by == "block" else "category"
        trained = self._training_rollup(by)
        return [{key: g.key, **({"spec": spec_of.get(g.key, "")} if by == "block" else {}),
                 "layers": g.layers, "params": g.cost.params, "macs": g.cost.macs,
                 "flops": g.cost.flops, "bytes_read": g.bytes_read,
                 "bytes_written": g.bytes_written, "bytes": g.bytes,
                 "arithmetic_intensity": g.arithmetic_intensity,
                 **self._shares(g.cost.params, g.cost.macs), **trained.get(g.key, {})}
                for g in groups]

    def _training_rollup(self, by: str) -> dict:
        """Per block or op category (``by`` ``block`` or ``op``; any other: all under
        ``""``), the sums of the training columns that add up."""
        if self.training is None:
            return {}
        out: dict[str, dict] = {}
        for i, r in enumerate(self.records):
            group = out.setdefault({"block": r.block, "op": r.category}.get(by, ""), {})
            for k in TRAINING_SUMS:
                group[k] = group.get(k, 0) + self.training.columns[k][i]
        return out

    def rows(self, by: str = "layer") -> list[dict]:
        """The rows of one grouping: ``layer``, ``block`` or ``op``."""
        return self.layer_rows() if by == "layer" else self.rollup_rows(by)

    def total_row(self) -> dict:
        """The network totals as a row, in the same fields as :meth:`rows`."""
        t = self.totals
        return {**t.as_dict(), "layers": len(self.records), "bytes": t.bytes,
                "arithmetic_intensity": t.arithmetic_intensity, "params_share": 1.0,
                "macs_share": 1.0, **self.latency(), **self._training_rollup("total").get("", {}),
                **self.training_totals()}

    def latency(self) -> dict:
        """``latency_s`` and ``memory_bound_share`` on ``hardware`` (NumPy arrays in a sweep);
        ``measured_s`` where measured, and the prediction's ``error`` with both."""
        out = {} if self.measured is None else {"measured_s": self.measured.network_s}
        if self.hardware is None:
            return out
        from .roofline import error, network_latency

        c = self.columns
        moved = [r + w for r, w in zip(c["bytes_read"], c["bytes_written"])]
        total, memory = network_latency(c["flops"], moved, self.rate_classes, self.hardware,
                                        self.dtype)
        share = None if isinstance(total, float) and not total else memory / total
        if self.measured is not None:
            out["error"] = error(total, self.measured.network_s)
        return {"latency_s": total, "memory_bound_share": share, **out}

    def prediction_error(self) -> dict | None:
        """How far the roofline is from the measurement: the network's ``error``, and the
        ``median_layer_error`` (median of |error| over the layers that ran); ``None``
        unless both exist."""
        if self.hardware is None or self.measured is None:
            return None
        import statistics

        errors = [abs(r["error"]) for r in self.layer_rows() if r.get("error") is not None]
        return {"error": self.latency()["error"],
                "median_layer_error": statistics.median(errors) if errors else None,
                "layers": len(errors)}

    def to_frame(self, by: str = "layer"):
        """The rows of one grouping as a pandas DataFrame (pandas imported here, lazily)."""
        import pandas as pd

        return pd.DataFrame(self.rows(by))


@dataclass(frozen=True)
class Comparison:
    """Several analyses side by side; ratios are relative to the first (the baseline)."""

    analyses: tuple[Analysis, ...]
    note: str = ""

    @property
    def baseline(self) -> Analysis:
        return self.analyses[0]

    def ratios(self) -> list[dict]:
        """Per candidate, each total (and ``bytes``, ``arithmetic_intensity``, the predicted and
        measured ``latency_s``/``measured_s`` where there are, and the training step's totals
        under ``--mode train``) / the baseline's; ``None`` where the baseline's is zero."""
        base, base_time = self.baseline.totals, self.baseline.latency()
        trained = self.baseline.training_totals()
        timed = [k for k in ("latency_s", "measured_s") if k in base_time]
        return [{**{k: _ratio(getattr(a.totals, k), getattr(base, k)) for k in RATIO_FIELDS},
                 **{k: _ratio(a.latency()[k], base_time[k]) for k in timed},
                 **{k: _ratio(v, trained.get(k)) for k, v in a.training_totals().items()}}
                for a in self.analyses]

    def summary_rows(self) -> list[dict]:
        """One row per candidate: totals, bytes, intensity and ``<field>_ratio`` columns."""
        return [{"name": a.name, "input": a.network.input_shape, **a.totals.as_dict(),
                 **a.training_totals(),
                 "bytes": a.totals.bytes, "arithmetic_intensity": a.totals.arithmetic_intensity,
                 **a.latency(), **{f"{k}_ratio": v for k, v in r.items()}}
                for a, r in zip(self.analyses, self.ratios())]

    def to_frame(self):
        """One row per candidate with totals and ratios (pandas imported lazily)."""
        import pandas as pd

        return pd.DataFrame(self.summary_rows())


def analyze_network(net: Network, dtype: str = "fp32", batch: int = 1,
                    memory: str = "unfused", spec_text: str = "",
                    description: str = "", convention: str = "archcalc",
                    hardware=None, training=None) -> Analysis:
    """Cost every op of ``net`` for ``batch`` samples in ``dtype`` under a traffic policy and
    a counting convention (validated by :class:`archcalc.Options`).  Weights are read once
    per op; a training-only op keeps its parameters and costs nothing else.  ``training`` (a
    :class:`~archcalc.cost.training.Training`): a training step instead, every layer running,
    with its backward pass, saved tensors and memory."""
    width = DTYPE_BYTES[dtype]
    rules = get_convention(convention)
    if training is not None:
        net, rules = every_node_runs(net), _training_rules(rules, dtype)
    profile = live_profile(net, batch)
    try:  # 8 bytes a number, not a Python int's 36: a million-op network stays small
        columns = _costed(net, width, memory, batch, profile, rules, lambda: array("q"))
        columns = {k: memoryview(v).toreadonly() for k, v in columns.items()}
    except (TypeError, OverflowError):  # NumPy arrays, SymPy symbols, counts beyond int64
        columns = {k: tuple(v) for k, v in _costed(net, width, memory, batch, profile, rules,
                                                   list).items()}
    peak, at = peak_activations(net, profile, batch)
    if hardware is not None:
        hardware.peak(dtype)  # a profile without this dtype's peak is an error, before work
    trained = None if training is None else training_costs(net, rules, batch, width, columns,
                                                            training)
    return Analysis(net.name, net, MappingProxyType(columns), dtype, batch, memory,
                    width * peak, at, spec_text, description, rules.name, hardware,
                    training=trained)


def _training_rules(rules, dtype: str):
    """``rules`` in training (their training forward rules in place); a convention without
    backward rules, or int8, is an error."""
    if not rules.trains:
        from .conventions import get, names

        trains = ", ".join(n for n in names() if get(n).trains)
        raise ArchcalcError(f"convention {rules.name} counts the forward pass only ({rules.tool} "
                            f"counts no backward); --mode train counts under {trains}",
                            field="--mode")
    if DTYPE_BYTES[dtype] < 2:
        raise ArchcalcError("training is counted in fp32, fp16 or bf16, not int8", field="--dtype")
    return rules.in_training()


def _costed(net: Network, width: int, memory: str, batch, profile: list, rules,
            new) -> dict:
    """The :data:`COLUMNS` of ``net``, each a container made by ``new()``."""
    columns = {k: new() for k in COLUMNS}
    params, macs, flops, read, written, live = (columns[k].append for k in COLUMNS)
    costs: dict[tuple[int, int], Cost] = {}  # replayed blocks share op and shape objects
    for node, (r, w), elements in zip(net.nodes, traffic(net, memory, batch), profile):
        key = (id(node.op), id(node.in_shapes))
        cost = costs.get(key)
        if cost is None:
            cost = costs[key] = rules.cost(node.op, node.in_shapes, node.out_shape, batch)
        params(cost.params if rules.params_of_train_only or not node.train_only else 0)
        if node.train_only:  # at inference it neither runs nor is read
            macs(0), flops(0), read(0), written(0), live(0)
            continue
        macs(cost.macs)
        flops(cost.flops)
        read(width * (r + cost.params))
        written(width * w)
        live(width * elements)
    return columns
