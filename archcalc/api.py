"""The public Python API: load specs, analyze them, compare them.  The CLI is a thin layer
over these functions; a notebook can call them directly."""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, replace

from .analysis import Analysis, Comparison, analyze_network
from .blocks import ACT_CHOICES, NORMS
from .build import build
from .cost.memory import POLICIES
from .cost.training import MODES, Training
from .errors import ArchcalcError
from .limits import MAX_INT, MAX_MULTIPLIER
from .spec import Spec, load_spec
from .spec.load import WIDTH_RULES, check_input, replace_blocks
from .spec.model import DTYPE_BYTES

DEFAULT_INPUT = (56, 56, 24)
DEFAULT_LAYER = ("MobileNetV2 Table 2, the second 56×56×24 bottleneck (stride 1, 24 → 24 "
                 "channels), ReLU6, BN. At equal channels the t = 6 inverted residual costs more "
                 "than a standard conv; MobileNetV2 saves by keeping bottlenecks thin (24 channels "
                 "at 56×56 where MobileNetV1 carries 128).")
DEFAULT_CANDIDATES = ("conv(out=24,k=3)", "dwsep(out=24,k=3)", "ir(t=6,out=24,k=3)")
DEFAULT_ACT = "relu6"
# MobileNetV2 Table 3's networks (ShuffleNet "2x, g = 3") and ShuffleNetV2 1x.
DEFAULT_MEMORY = ("zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:shufflenet_v1_g3_2x",
                  "zoo:shufflenet_v2_x1_0")
MEMORY_DTYPE = "fp16"  # V2 Table 3: "We assume 16-bit floats for activations"


@dataclass(frozen=True)
class Options:
    """How to evaluate a spec.  ``None`` keeps the spec's own value.

    ``input`` is ``(H, W, C)`` or ``(tokens, dim)``; ``resolution`` the input side in pixels
    (ρ = R/224 for the zoo); ``width`` the width multiplier α; ``depth`` the depth multiplier
    (stage repeats ``ceil(n·d)``); ``width_rule`` how α scales channels (``scale``:
    torchvision's, ``tfslim``: the MobileNetV3 paper's); ``memory`` ``unfused`` or ``fused``; ``replace``
    pairs of block kinds to swap, e.g. ``(("dwsep", "conv"),)``; ``mode`` ``infer`` or ``train``
    (a training step: backward pass, saved activations, step memory with ``optimizer`` ``sgd``,
    ``momentum``, ``adam`` or ``adamw`` and activation ``checkpoint`` ``none`` or ``blocks``).
    """

    input: tuple[int, ...] | None = None
    width: float | None = None
    depth: float | None = None
    width_rule: str | None = None
    resolution: int | None = None
    norm: str | None = None
    act: str | None = None
    dtype: str | None = None
    batch: int = 1
    memory: str = "unfused"
    fold_bn: bool = False
    replace: tuple[tuple[str, str], ...] = ()
    convention: str = "archcalc"
    hardware: str | None = None
    mode: str = "infer"
    optimizer: str | None = None  # only with mode train; None: Training's default (adamw)
    checkpoint: str | None = None  # only with mode train; None: Training's default (none)

    def __post_init__(self):
        """Every field checked, with the CLI option's name, as the spec loader checks files;
        ``None`` for a field the spec cannot set (batch, memory, fold_bn, replace) is its
        default."""
        for key, default in (("batch", 1), ("memory", "unfused"), ("fold_bn", False),
                             ("replace", ()), ("convention", "archcalc"), ("mode", "infer")):
            if getattr(self, key) is None:
                object.__setattr__(self, key, default)
        choices = {"norm": NORMS, "act": ACT_CHOICES, "dtype": tuple(DTYPE_BYTES),
                   "memory": POLICIES, "width_rule": WIDTH_RULES, "mode": MODES}
        for key, allowed in choices.items():
            value = getattr(self, key)
            if value is not None and (not isinstance(value, str) or value not in allowed):
                raise ArchcalcError(f"expected one of {', '.join(allowed)}, got {value!r}"[:160],
                                    field=f"--{key.replace('_', '-')}")
        for option, value, kinds, limit in (("--width-mult", self.width, (int, float),
                                             MAX_MULTIPLIER),
                                            ("--depth-mult", self.depth, (int, float),
                                             MAX_MULTIPLIER),
                                            ("--resolution", self.resolution, (int,), MAX_INT),
                                            ("--batch", self.batch, (int,), MAX_INT)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value <= limit:
                kind = "integer" if kinds == (int,) else "number"  # NaN fails 0 < value
                raise ArchcalcError(f"expected a positive {kind} of at most {limit:,}, got "
                                    + repr(value)[:60], field=option)
        if self.input is not None:
            object.__setattr__(self, "input", check_input(self.input))
        if self.convention != "archcalc":
            from .conventions import get
            get(self.convention)
        if self.mode == "train":
            self.training  # the optimizer and checkpointing checked
            for option, given in (("--fold-bn", self.fold_bn), ("--hardware", self.hardware)):
                if given:
                    raise ArchcalcError(
                        "not with --mode train: " + ("a network with BN folded away cannot be "
                                                     "trained" if option == "--fold-bn" else
                                                     "the roofline times the forward pass only"),
                        field=option)
        else:
            for option, given in (("--optimizer", self.optimizer),
                                  ("--checkpoint", self.checkpoint)):
                if given is not None:
                    raise ArchcalcError("only with --mode train", field=option)
        if self.hardware is not None:
            from .hardware import get as get_hardware
            if not isinstance(self.hardware, str):
                raise ArchcalcError("expected a hardware name or profile file",
                                    field="--hardware")
            get_hardware(self.hardware)
        if not isinstance(self.fold_bn, bool):
            raise ArchcalcError(f"expected true or false, got {self.fold_bn!r}", field="--fold-bn")
        if not (isinstance(self.replace, tuple) and all(
                isinstance(p, tuple) and len(p) == 2 and all(isinstance(k, str) for k in p)
                for p in self.replace)):
            raise ArchcalcError("expected pairs of block kinds, e.g. ((\"dwsep\", \"conv\"),)",
                                field="--replace")

    @property
    def training(self) -> Training | None:
        """The training step to count (``mode`` ``train``), or ``None`` at inference."""
        if self.mode != "train":
            return None
        given = {"optimizer": self.optimizer, "checkpoint": self.checkpoint}
        return Training(**{k: v for k, v in given.items() if v is not None})

    def apply(self, spec: Spec) -> Spec:
        """The spec with these options applied."""
        out = spec.with_defaults(norm=self.norm, act=self.act, dtype=self.dtype)
        if self.input is not None:
            out = replace(out, input=tuple(self.input))
        if self.resolution is not None:
            if len(out.input) != 3:
                raise ArchcalcError("applies to image inputs, not tokens", field="--resolution")
            out = replace(out, input=(self.resolution, self.resolution, out.input[2]),
                          resolution=1.0)
        if self.width is not None:
            out = replace(out, width=float(self.width))
        if self.depth is not None:
            out = replace(out, depth=float(self.depth))
        if self.width_rule is not None:
            out = replace(out, width_rule=self.width_rule)
        if self.replace:
            out = replace_blocks(out, self.replace)
        return out


def expand_zoo_all(ref) -> list:
    """``zoo:all`` stands for every zoo entry; anything else for itself."""
    if ref == "zoo:all":
        from .zoo import zoo_names

        return [f"zoo:{name}" for name in zoo_names()]
    return [ref]


def load(ref: "str | os.PathLike | Spec", input=None) -> Spec:
    """A :class:`Spec` from a path, ``zoo:NAME``, an inline block string or a Spec."""
    return load_spec(ref, input)


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while an analysis allocates its millions of
    small acyclic objects (it would rescan them all, again and again: 40% of the time of a
    100,000-layer spec); resumed, as it was, afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _options(options: Options | None, kwargs: dict) -> Options:
    """``options``, or :class:`Options` made of ``kwargs``; both at once is an error (one of
    them would be silently dropped)."""
    if options is not None and kwargs:
        raise ArchcalcError(f"pass Options or keywords ({', '.join(kwargs)}), not both; e.g. "
                            f"dataclasses.replace(options, {next(iter(kwargs))}=...)")
    return options or Options(**kwargs)


def _built(ref, opts: Options):
    """The spec ``ref`` names with ``opts`` applied, and its network."""
    spec = opts.apply(load_spec(ref, opts.input))
    return spec, build(spec, fold_bn=opts.fold_bn)


def analyze(ref: "str | os.PathLike | Spec", options: Options | None = None, **kwargs) -> Analysis:
    """Exact per-layer costs of one spec; keyword arguments are :class:`Options` fields."""
    opts = _options(options, kwargs)
    with _collector_paused():
        spec, net = _built(ref, opts)
        return analyze_network(net, dtype=spec.default("dtype", "fp32"), batch=opts.batch,
                               memory=opts.memory, convention=opts.convention,
                               hardware=hardware_of(opts), description=spec.description,
                               training=opts.training,
                               spec_text=str(ref) if not isinstance(ref, Spec) else spec.name)


def memory(refs=(), options: Options | None = None, first_layer_trick: bool = True,
           slices: int | None = None, command: str = ""):
    """A :class:`~archcalc.report.document.MemoryReport`: what each candidate materialises
    per spatial resolution (MobileNetV2 Table 3's view; see
    :mod:`archcalc.cost.materialised`), at the options' dtype or fp16.  No candidates:
    :data:`DEFAULT_MEMORY`.  ``slices``: slices of every expanded tensor (``None``: each
    block's expansion ratio)."""
    from .cost.materialised import materialised
    from .report.document import MemoryReport

    if slices is not None and (isinstance(slices, bool) or not isinstance(slices, int)
                               or not 1 <= slices <= MAX_INT):
        raise ArchcalcError(f"expected a positive integer, got {slices!r}"[:120], field="--slices")
    if not isinstance(first_layer_trick, bool):
        raise ArchcalcError(f"expected true or false, got {first_layer_trick!r}"[:120],
                            field="--first-layer-trick")
    opts = options or Options()
    dtype = opts.dtype or MEMORY_DTYPE
    refs = [name for ref in refs for name in expand_zoo_all(ref)] or list(DEFAULT_MEMORY)
    with _collector_paused():
        views = tuple(materialised(_built(ref, opts)[1], DTYPE_BYTES[dtype], first_layer_trick,
                                   slices) for ref in refs)
    return MemoryReport(views, dtype, first_layer_trick, slices, command)


def explain(refs, vs, options: Options | None = None, command: str = ""):
    """An :class:`~archcalc.report.document.ExplainReport`: each spec's total walked, op kind
    by op kind, from one convention to another.  ``vs``: one name (from archcalc's own to
    it), two (from the first to the second), or ``["all"]``: every convention side by side,
    per op kind."""
    from .conventions import names
    from .reconcile import matrix, reconcile
    from .report.document import ExplainReport

    from .conventions import get

    vs = list(vs)
    if "all" in vs and len(vs) > 1:
        raise ArchcalcError("--vs all compares every convention; give it alone", field="--vs")
    for name in vs:
        if name != "all":
            get(name, field="--vs")
    opts = options or Options()
    refs = [name for ref in refs for name in expand_zoo_all(ref)]
    if vs == ["all"]:
        return ExplainReport((), command, tuple(
            (ref, *matrix([analyze(ref, replace(opts, convention=n)) for n in names()]))
            for ref in refs))
    if not 1 <= len(vs) <= 2:
        raise ArchcalcError(f"expected --vs once or twice, got {len(vs)} times", field="--vs")
    source, target = (["archcalc"] + vs)[-2:]
    out = []
    for ref in refs:
        pair = [analyze(ref, replace(opts, convention=name)) for name in (source, target)]
        out.append(reconcile(*pair))
    return ExplainReport(tuple(out), command)


def hardware_of(opts: Options):
    """The hardware profile the options name, or ``None``."""
    if opts.hardware is None:
        return None
    from .hardware import get

    return get(opts.hardware)


def _candidates(refs, opts: Options) -> tuple[list, Options, str]:
    """The candidates (``zoo:all`` expanded; none: the embedded default, on its own input and
    activation), the options, and the note that explains the default."""
    refs = [name for ref in refs for name in expand_zoo_all(ref)]
    if refs:
        return refs, opts, ""
    return (list(DEFAULT_CANDIDATES), replace(opts, input=opts.input or DEFAULT_INPUT,
                                              act=opts.act or DEFAULT_ACT), DEFAULT_LAYER)


def compare(refs=(), options: Options | None = None, **kwargs) -> Comparison:
    """Analyze each candidate with the same options.  No candidates: the embedded default,
    standard vs depthwise-separable vs inverted residual on :data:`DEFAULT_LAYER`."""
    refs, opts, note = _candidates(refs, _options(options, kwargs))
    return Comparison(tuple(analyze(r, opts) for r in refs), note)


def measure(comparison: Comparison, layers: bool = True, profile=None, repeats: int | None = None,
            device: str = "cpu", n_threads: int | None = None, progress=None) -> Comparison:
    """``comparison`` with every network measured on this machine through the torch bridge
    (:mod:`archcalc.bridge.timing`; per layer too with ``layers``), and timed on ``profile``
    where given (a calibrated :class:`~archcalc.hardware.Profile`), with ``n_threads``
    threads (default: the calibrated profile's, else torch's).  Imports torch."""
    from .bridge.timing import measure as run
    from .roofline import REPEATS

    repeats = repeats or REPEATS
    out = []
    for i, a in enumerate(comparison.analyses):
        step = progress and (lambda done, total, i=i: progress(i * total + done,
                                                               len(comparison.analyses) * total))
        hardware = profile or a.hardware
        used = n_threads if n_threads is not None or hardware is None else \
            dict(hardware.measured).get("threads")  # a calibrated profile's, by default
        measured = run(a.network, a.dtype, a.batch, repeats, layers, device, used, step)
        out.append(replace(a, measured=measured, hardware=hardware))
    return replace(comparison, analyses=tuple(out))


def closed_forms(refs=(), free: str | None = None, options: Options | None = None,
                 command: str = ""):
    """A :class:`~archcalc.report.document.SymbolicReport`: each candidate's totals as closed
    forms in the names ``free`` frees (``"t,k,out"``; by default see
    :func:`archcalc.symbolic.default_free`); the embedded default counts weights only, as the
    papers' forms do."""
    from .report.document import SymbolicReport
    from .symbolic import closed_forms as forms, default_free, meanings, parse_free

    opts = options or Options()
    if opts.training:
        raise ArchcalcError("closed forms are of the inference pass; --mode train counts a "
                            "training step exactly (without --symbolic)", field="--mode")
    if not refs and opts.norm is None:
        opts = replace(opts, norm="none")
    refs, opts, _ = _candidates(refs, opts)
    specs = [opts.apply(load_spec(ref, opts.input)) for ref in refs]
    names = parse_free(free) if free else default_free(specs)
    with _collector_paused():
        result = forms(specs, names, opts)
    setting = (f"input {'×'.join(map(str, opts.input))}, " if opts.input else "") + \
        f"norm {opts.norm or 'as the spec says'}, {opts.dtype or 'fp32'}, batch {opts.batch}" + \
        ("" if opts.convention == "archcalc" else f", as {opts.convention} counts")
    return SymbolicReport(tuple(result), tuple(meanings(names).items()), setting, command)


def sweep(target: str, axes, options: Options | None = None, where: str | None = None,
          sort: str | None = None, top: int | None = None, pareto: str | None = None,
          progress=None):
    """:func:`archcalc.sweep.sweep` of ``target`` over ``axes`` (see :func:`parse_axes`), the
    filters given as text: ``where`` (``"macs<300e6 and params<4e6"``), ``sort`` (a metric,
    ``-`` first for descending), ``top`` N rows, ``pareto`` (``"macs,params"``)."""
    from . import sweep as sw

    metrics = sw.metric_names(options or Options())
    names = [a.name for a in axes] + list(metrics)
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ArchcalcError(f"expected a positive integer, got {top!r}", field="--top")
    front = None
    if pareto:
        parts = pareto.split(",")
        if len(parts) != 2:
            raise ArchcalcError(f"expected two metrics X,Y, got {pareto!r}", field="--pareto")
        front = tuple(sw.parse_order(p.strip(), metrics, "--pareto") for p in parts)
    selection = sw.Selection(sw.parse_where(where, names) if where else None,
                             sw.parse_order(sort, names) if sort else None, top, front)
    with _collector_paused():
        return sw.sweep(target, tuple(axes), options, selection, progress)
