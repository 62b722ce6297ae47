"""Design-space sweeps: every metric of ``analyze`` over a grid of parameter values.

``archcalc sweep TARGET --NAME VALUES ...``; VALUES is ``a,b,c`` or an inclusive range
``start:stop[:step]``.  A block TARGET (an inline block: ``ir``, ``ir(se=0.25)``) sweeps its
parameters by name (``--t``, ``--k``, ``--s`` …), ``--out-ch`` for ``out``, and its input with
``--in-ch``, ``--res`` (H = W), ``--h``, ``--w``; a network TARGET (a spec file, ``zoo:NAME``)
sweeps ``--width-mult``, ``--resolution`` and ``--depth-mult``.

Blocks are evaluated by the production formulas (the one analysis driver) on NumPy arrays, a
chunk of configurations at a time, so memory stays bounded.  Where a structural decision
differs inside a chunk (a residual add iff s = 1 and in = out; the expansion conv skipped iff
t·in = in) the chunk is split by it (:class:`archcalc.num.MixedDecision`) and each part is one
graph; configurations the torch modules would reject (:class:`archcalc.num.InvalidRows`) are
dropped and counted with the reason.  The arithmetic is float64, exact for every integer below
2**53 (a cost's terms are all positive, so no intermediate exceeds the total); a row with any
count at or above 2**53 is recomputed with Python integers, exactly.  Networks (whose width
rounding and repeat counts change their graphs) are evaluated one configuration at a time,
exactly.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field, replace

import numpy as np

from .analysis import TOTAL_FIELDS, analyze_network
from .api import Options, analyze, hardware_of
from .build import build
from .cost.training import CHECKPOINTED, TOTALS
from .errors import ArchcalcError
from .num import InvalidRows, MixedDecision
from .spec import Spec, load_spec
from .spec.inline import looks_inline, parse_inline
from .spec.load import KEY_ALIASES, check_param
from .blocks import block_fields

EXACT = 2**53
COUNTS = TOTAL_FIELDS  # params, macs, flops, bytes_read, bytes_written, peak_activation_bytes
ALL_COUNTS = COUNTS + TOTALS + CHECKPOINTED  # with the training step's (--mode train)
METRICS = COUNTS + ("bytes", "arithmetic_intensity")
TIMED = ("latency_s", "memory_bound_share")  # with --hardware: roofline seconds, and share


def count_names(options: Options) -> tuple[str, ...]:
    """The counts a sweep computes: :data:`COUNTS`, and the training step's totals under
    ``--mode train``."""
    return COUNTS + (options.training.totals if options.training else ())


INPUT_AXES = ("in_ch", "res", "h", "w")
NETWORK_AXES = {"width_mult": "width", "resolution": "resolution", "depth_mult": "depth"}
RENAMED = {"out_ch": "out"}
MAX_CONFIGURATIONS = 10**10
CHUNK = 1 << 18  # configurations evaluated together: about 100 MB of arrays at most


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its option name (``in_ch``, ``t`` …) and its values."""

    name: str
    values: tuple

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def _number(text: str, option: str):
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ArchcalcError(f"expected a number, got {text!r}", field=option) from None
    if not math.isfinite(value):
        raise ArchcalcError(f"expected a finite number, got {text!r}", field=option)
    return value


def parse_values(text: str, option: str) -> tuple:
    """``"3,5,7"`` -> ``(3, 5, 7)``; ``"8:32:8"`` -> ``(8, 16, 24, 32)`` (inclusive)."""
    if ":" not in text:
        values = tuple(_number(v.strip(), option) for v in text.split(",") if v.strip())
        if not values:
            raise ArchcalcError("expected values: a,b,c or start:stop[:step]", field=option)
        return values
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise ArchcalcError(f"expected start:stop[:step], got {text!r}", field=option)
    start, stop, *rest = (_number(p.strip(), option) for p in parts)
    step = rest[0] if rest else 1
    if step <= 0 or stop < start:
        raise ArchcalcError(f"a range needs start ≤ stop and a positive step, got {text!r}",
                            field=option)
    span = (stop - start) / step
    if not span < 10**7:
        raise ArchcalcError(f"more than 10,000,000 values in {text!r}", field=option)
    count = int(math.floor(span + 1e-9)) + 1
    if count > 10**7:
        raise ArchcalcError(f"{count:,} values; at most 10,000,000 per parameter", field=option)
    if all(isinstance(v, int) for v in (start, stop, step)):
        return tuple(range(start, stop + 1, step))
    return tuple(round(start + i * step, 12) for i in range(count))


def parse_axes(args: list[str]) -> tuple[Axis, ...]:
    """``["--t", "1:8", "--k=3,5"]`` -> the axes, in the order given."""
    axes: list[Axis] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg[2:].partition("=") if arg.startswith("--") else ("", "", "")
        if not name:
            raise ArchcalcError(f"expected --NAME VALUES, got {arg!r}", field="sweep")
        if not eq:
            if i + 1 >= len(args):
                raise ArchcalcError("needs values: a,b,c or start:stop[:step]", field=arg)
            value, i = args[i + 1], i + 1
        i += 1
        axis = Axis(name.replace("-", "_"), parse_values(value, "--" + name))
        if any(a.name == axis.name for a in axes):
            raise ArchcalcError("given twice", field=axis.option)
        axes.append(axis)
    if not axes:
        raise ArchcalcError("name at least one parameter to sweep, e.g. --t 1:8", field="sweep")
    return tuple(axes)


@dataclass(frozen=True)
class Refusal:
    """Configurations dropped as invalid: how many, one of them, and why."""

    count: int
    example: dict
    reason: str


@dataclass
class SweepResult:
    """The kept rows as columns (each axis by its name, then :data:`METRICS`), in order, and
    what happened on the way: configurations in the grid, evaluated after ``--where``,
    refused, recomputed exactly, and whether the vectorised path was used."""

    target: str
    axes: tuple[Axis, ...]
    columns: dict
    configurations: int
    kept_by_where: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    exact_rows: int = 0
    vectorised: bool = True
    convention: str = "archcalc"

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric columns: the counts (the training step's too under ``--mode train``),
        ``bytes`` and ``arithmetic_intensity``, and :data:`TIMED` with a hardware profile."""
        counts = tuple(k for k in ALL_COUNTS if k in self.columns)
        return counts + METRICS[len(COUNTS):] + tuple(k for k in TIMED if k in self.columns)

    def rows(self) -> list[dict]:
        """The kept rows as dicts of Python numbers (counts as exact ints; an undefined
        intensity or memory-bound share, where nothing moves or takes time, as ``None``)."""
        keys = list(self.columns)
        values = [self.columns[k].tolist() for k in keys]
        rows = [dict(zip(keys, row)) for row in zip(*values)]
        for row in rows:  # NaN: where nothing moves, or nothing takes time
            for k in ("arithmetic_intensity", "memory_bound_share"):
                if k in row and row[k] != row[k]:
                    row[k] = None
        return rows


# --- evaluation --------------------------------------------------------------------------

def _block_spec(target: str, axes, options: Options) -> Spec:
    """The block target as a one-block spec, validated with each swept parameter at its first
    value (so names, types and choices are checked before any work)."""
    blocks = parse_inline(target)
    if len(blocks) != 1:
        raise ArchcalcError("sweep one block (or a network spec)", field="TARGET")
    fixed = [f"{RENAMED.get(a.name, a.name)}={a.values[0]}" for a in axes
             if a.name not in INPUT_AXES]
    for a in axes:
        if a.name in NETWORK_AXES:
            raise ArchcalcError("sweeps a network (a spec file or zoo:NAME), not a block",
                                field=a.option)
    text = target.strip()
    if fixed:
        text = (text[:-1] + ("," if not text.endswith("(") else "") if text.endswith(")")
                else text + "(") + ",".join(fixed) + ")"
    spec = load_spec(text, options.input)  # unknown names and bad first values fail here
    if len(spec.input) != 3 and any(a.name in INPUT_AXES for a in axes):
        raise ArchcalcError("sweeps an image input's size or channels", field="--input")
    kind = spec.layers[0].kind
    for a in axes:  # every value, as the spec loader checks one
        for value in dict.fromkeys(a.values):
            check_param(kind, "in" if a.name in INPUT_AXES else _field(kind, a.name), value,
                        a.option)
    return options.apply(spec)


def _field(kind: str, name: str) -> str:
    """The block field an axis sets: its own name, ``out`` for ``out_ch``, else the long
    name's meaning (``kernel`` for ``k``); never a layer key (``n``, ``scale``, ``name``)."""
    name = RENAMED.get(name, name)
    fields = {f.name for f in block_fields(kind)}
    return name if name in fields else KEY_ALIASES.get(name, name)


def _with_values(spec: Spec, values: dict) -> Spec:
    """``spec`` with its block parameters and input dims taken from ``values`` (arrays or
    numbers, by axis name)."""
    layer = spec.layers[0]
    params = dict(layer.params)
    params.update({_field(layer.kind, k): v for k, v in values.items() if k not in INPUT_AXES})
    layers = (replace(layer, params=tuple(params.items())),)
    if len(spec.input) != 3:  # tokens: not swept
        return replace(spec, layers=layers)
    h, w, c = spec.input
    side = values.get("res")
    h, w = values.get("h", h if side is None else side), values.get("w", w if side is None else side)
    return replace(spec, layers=layers, input=(h, w, values.get("in_ch", c)))


def _plain(value):
    """A NumPy scalar as the Python number it stands for (a whole float as an int)."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def metric_names(options: Options) -> tuple[str, ...]:
    """The metrics a sweep with ``options`` gives: its counts, ``bytes`` and
    ``arithmetic_intensity``, and roofline times with ``--hardware``."""
    return count_names(options) + METRICS[len(COUNTS):] + (TIMED if options.hardware else ())


def _exact(spec: Spec, options: Options, values: dict) -> dict:
    """One configuration through the scalar path: exact Python integers."""
    plain = {k: _plain(v) for k, v in values.items()}
    a = analyze(_with_values(spec, plain), replace(options, input=None))
    return {**a.totals.as_dict(), **a.training_totals(), "bytes": a.totals.bytes,
            "arithmetic_intensity": a.totals.arithmetic_intensity, **a.latency()}


class _Evaluator:
    """Evaluates chunks of a block grid, splitting them by structural decisions and dropping
    invalid configurations (remembering one of each kind for the report)."""

    def __init__(self, spec: Spec, options: Options):
        self.spec, self.options, self.counts = spec, options, count_names(options)
        self.hardware = hardware_of(options)
        self.refused: dict[str, list] = {}  # reason -> [count, example]

    def __call__(self, grid: dict) -> tuple[dict, np.ndarray]:
        """``(metrics, ok)`` of a chunk: float64 arrays per count, and the valid rows."""
        n = len(next(iter(grid.values())))
        out = {k: np.full(n, np.nan) for k in self.counts + (TIMED if self.hardware else ())}
        ok = np.ones(n, bool)
        self._fill({k: v.astype(float) for k, v in grid.items()}, np.arange(n), out, ok)
        return out, ok  # float64 arithmetic: it never wraps (exact below 2**53)

    def _fill(self, grid, where, out, ok) -> None:
        part = {k: v[where] for k, v in grid.items()}
        try:
            with np.errstate(all="ignore"):
                net = build(_with_values(self.spec, part), fold_bn=self.options.fold_bn)
                a = analyze_network(net, self.spec.default("dtype", "fp32"), self.options.batch,
                                    self.options.memory, convention=self.options.convention,
                                    hardware=self.hardware, training=self.options.training)
                values = {**a.totals.as_dict(), **a.latency(), **a.training_totals()}
            for k, v in values.items():
                out[k][where] = np.broadcast_to(np.asarray(v, float), where.shape)
        except MixedDecision as split:
            mask = np.broadcast_to(split.mask, where.shape)
            self._fill(grid, where[mask], out, ok)
            self._fill(grid, where[~mask], out, ok)
        except InvalidRows as bad:
            mask = np.broadcast_to(bad.mask, where.shape)
            ok[where[mask]] = False
            self._refuse(grid, where[mask])
            if not mask.all():
                self._fill(grid, where[~mask], out, ok)

    def _refuse(self, grid, rows) -> None:
        example = {k: _plain(v[rows[0]]) for k, v in grid.items()}
        try:
            _exact(self.spec, self.options, example)
            reason = "rejected by the vectorised checks"
        except ArchcalcError as exc:
            reason = exc.message
        entry = self.refused.setdefault(reason, [0, example])
        entry[0] += len(rows)


def _grid_chunks(axes, start: int, stop: int) -> dict:
    """The configurations ``start…stop-1`` of the grid (last axis fastest), as arrays."""
    shape = tuple(len(a.values) for a in axes)
    coords = np.unravel_index(np.arange(start, stop, dtype=np.int64), shape)
    return {a.name: np.asarray(a.values)[i] for a, i in zip(axes, coords)}


# --- selection ---------------------------------------------------------------------------

_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
            ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv}


def parse_where(text: str, names) -> ast.Expression:
    """A filter like ``macs<300e6 and params<4e6``: comparisons of metrics, swept parameters
    and numbers (``+ - * /`` allowed), joined by ``and``, ``or``, ``not``; nothing else."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ArchcalcError(f"cannot read {text!r}: {exc.msg}", field="--where") from None
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
               ast.Compare, ast.BinOp, ast.Name, ast.Load, ast.Constant, *_COMPARE, *_ARITH)
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise ArchcalcError(f"only comparisons of {', '.join(names)} and numbers joined "
                                f"by and/or/not are allowed, got {ast.unparse(node)!r}",
                                field="--where")
        if isinstance(node, ast.Name) and node.id not in names:
            raise ArchcalcError(f"unknown name {node.id!r}; names: {', '.join(names)}",
                                field="--where")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ArchcalcError(f"expected a number, got {node.value!r}", field="--where")
    if not _boolean(tree.body):
        raise ArchcalcError(f"expected a condition (comparisons joined by and/or/not), got "
                            f"{text!r}", field="--where")
    return tree


def _boolean(node) -> bool:
    if isinstance(node, ast.BoolOp):
        return all(_boolean(v) for v in node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _boolean(node.operand)
    return isinstance(node, ast.Compare)


def _where(tree, columns: dict) -> np.ndarray:
    """The rows of ``columns`` where the filter holds (arithmetic in float64, so a division
    by zero is infinity and never an error)."""
    env = {k: v.astype(float) for k, v in columns.items()}
    try:
        with np.errstate(all="ignore"):
            return np.broadcast_to(_eval(tree, env), len(columns["macs"]))
    except (ArithmeticError, TypeError) as exc:
        raise ArchcalcError(f"cannot evaluate: {exc}", field="--where") from None


def _eval(node, env):
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, env) for v in node.values]
        join = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = values[0]
        for v in values[1:]:
            result = join(result, v)
        return result
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        return np.logical_not(value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.Compare):
        result, left = True, _eval(node.left, env)
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, env)
            result = np.logical_and(result, _COMPARE[type(op)](left, right))
            left = right
        return result
    if isinstance(node, ast.BinOp):
        return _ARITH[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.Name):
        return env[node.id]
    return np.float64(node.value)


def parse_order(text: str, names, option: str = "--sort") -> tuple[str, bool]:
    """``"macs"`` -> ``("macs", False)`` (ascending); ``"-arithmetic_intensity"`` descending."""
    name = text.lstrip("-")
    if name not in names:
        raise ArchcalcError(f"unknown metric {name!r}; one of {', '.join(names)}", field=option)
    return name, text.startswith("-")


def _sort_key(columns: dict, name: str, descending: bool) -> np.ndarray:
    values = columns[name].astype(float)
    return -values if descending else values


def pareto_mask(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rows no other row beats (≤ on both, < on one), minimising ``x`` and ``y``."""
    order = np.lexsort((y, x))
    keep = np.zeros(len(x), bool)
    best = math.inf
    for i in order:
        if y[i] < best:
            keep[i], best = True, y[i]
    return keep


@dataclass(frozen=True)
class Selection:
    """What to keep: ``where`` (a parsed filter), the ``top`` N by ``sort``, the ``pareto``
    front of two metrics (each ``(name, descending)``)."""

    where: ast.Expression | None = None
    sort: tuple[str, bool] | None = None
    top: int | None = None
    pareto: tuple | None = None

    def apply(self, columns: dict) -> dict:
        """Keep the selected rows of ``columns`` (sorted when ``sort`` or ``top`` is given)."""
        if self.pareto:
            (xn, xd), (yn, yd) = self.pareto
            keep = pareto_mask(_sort_key(columns, xn, xd), _sort_key(columns, yn, yd))
            columns = {k: v[keep] for k, v in columns.items()}
        if self.sort or self.top:
            name, descending = self.sort or ("macs", False)
            key = _sort_key(columns, name, descending)
            if self.top and self.top < len(key):  # the N best first, then only they are sorted
                first = np.argpartition(key, self.top - 1)[:self.top]
                columns, key = {k: v[first] for k, v in columns.items()}, key[first]
            order = np.argsort(key, kind="stable")
            columns = {k: v[order[:self.top]] for k, v in columns.items()}
        return columns


def _concat(a: dict | None, b: dict) -> dict:
    return b if a is None else {k: np.concatenate([a[k], b[k]]) for k in a}


# --- the sweep ---------------------------------------------------------------------------

def _finish(columns: dict) -> dict:
    """Totals with ``bytes`` and intensity; counts as int64 (exact below 2**53) or, where a
    row was recomputed exactly, Python ints."""
    for k in (k for k in columns if k in ALL_COUNTS):
        values = columns[k]
        if values.dtype == float:
            columns[k] = values.astype(np.int64)
    columns["bytes"] = columns["bytes_read"] + columns["bytes_written"]
    with np.errstate(all="ignore"):
        ai = columns["flops"].astype(float) / columns["bytes"].astype(float)
    columns["arithmetic_intensity"] = np.where(columns["bytes"] == 0, np.nan, ai)
    return columns


def sweep(target: str, axes: tuple[Axis, ...], options: Options | None = None,
          selection: Selection = Selection(), progress=None) -> SweepResult:
    """Every configuration of ``axes`` for ``target``, filtered and selected by ``selection``.
    ``progress(done, total)`` is called after each chunk."""
    opts = options or Options()
    size = math.prod(len(a.values) for a in axes)
    if size > MAX_CONFIGURATIONS:
        raise ArchcalcError(f"{size:,} configurations; at most {MAX_CONFIGURATIONS:,}",
                            field="sweep")
    if not looks_inline(target) or any(a.name in NETWORK_AXES for a in axes):
        return _network_sweep(target, axes, opts, selection, size, progress)
    spec = _block_spec(target, axes, opts)
    evaluate = _Evaluator(spec, opts)
    kept, where_count, exact_rows = None, 0, 0
    for start in range(0, size, CHUNK):
        grid = _grid_chunks(axes, start, min(size, start + CHUNK))
        metrics, ok = evaluate(grid)
        columns = {**{k: v[ok] for k, v in grid.items()}, **{k: v[ok] for k, v in metrics.items()}}
        big = np.zeros(ok.sum(), bool)
        for k in evaluate.counts:
            big |= columns[k] >= EXACT
        if big.any():
            exact_rows += int(big.sum())
            columns = _exactly(spec, opts, axes, columns, big)
        columns = _finish(columns)
        if selection.where is not None:
            mask = _where(selection.where, columns)
            columns = {k: v[mask] for k, v in columns.items()}
        where_count += len(columns["macs"])
        kept = _concat(kept, columns)
        if selection.pareto:  # the front of a union is the front of the parts' fronts
            kept = replace(selection, sort=None, top=None).apply(kept)
        elif selection.top:  # and the best N of a union are among the parts' best N
            kept = selection.apply(kept)
        if progress:
            progress(min(size, start + CHUNK), size)
    kept = selection.apply(kept)
    refusals = [Refusal(count, example, reason)
                for reason, (count, example) in evaluate.refused.items()]
    return SweepResult(target, axes, kept, size, where_count, refusals, exact_rows,
                       convention=opts.convention)


def _exactly(spec, opts, axes, columns: dict, big: np.ndarray) -> dict:
    """``columns`` with the ``big`` rows recomputed by the scalar path (object arrays of
    Python ints)."""
    names = count_names(opts)
    columns = {k: (v.astype(object) if k in names else v) for k, v in columns.items()}
    for i in np.flatnonzero(big):
        exact = _exact(spec, opts, {a.name: columns[a.name][i] for a in axes})
        for k in names + tuple(t for t in TIMED if t in columns):  # times from exact bytes
            columns[k][i] = exact[k]
    for k in names:  # the others as exact Python ints too, in the same object column
        small = ~big
        columns[k][small] = [int(v) for v in columns[k][small]]
    return columns


def _network_sweep(target, axes, opts, selection, size, progress) -> SweepResult:
    unknown = [a for a in axes if a.name not in NETWORK_AXES]
    if unknown:
        raise ArchcalcError(f"a network sweeps {', '.join('--' + n.replace('_', '-') for n in NETWORK_AXES)}",
                            field=unknown[0].option)
    spec = load_spec(target, opts.input)
    rows, refusals = [], {}
    shape = tuple(len(a.values) for a in axes)
    for index in range(size):
        values = {a.name: a.values[i] for a, i in zip(axes, np.unravel_index(index, shape))}
        try:
            option_values = {NETWORK_AXES[k]: v for k, v in values.items()}
            analysis = analyze(spec, replace(opts, **option_values))
        except ArchcalcError as exc:
            entry = refusals.setdefault(exc.message, [0, values])
            entry[0] += 1
            continue
        rows.append({**values, **analysis.totals.as_dict(), **analysis.latency(),
                     **analysis.training_totals()})
        if progress and index % 16 == 15:
            progress(index + 1, size)
    if refusals and not rows:
        reason, (count, example) = next(iter(refusals.items()))
        raise ArchcalcError(reason, field=axes[0].option)
    names = count_names(opts)
    columns = {k: np.array([r[k] for r in rows], dtype=object if k in names else None)
               for k in [a.name for a in axes] + list(names)
               + list(TIMED if opts.hardware else ())}
    columns = _finish({k: (v.astype(np.int64) if k in names and all(abs(x) < EXACT for x in v)
                           else v) for k, v in columns.items()})
    if selection.where is not None:
        mask = _where(selection.where, columns)
        columns = {k: v[mask] for k, v in columns.items()}
    where_count = len(columns["macs"])
    return SweepResult(target, axes, selection.apply(columns), size, where_count,
                       [Refusal(c, e, r) for r, (c, e) in refusals.items()], 0, False,
                       opts.convention)
