"""The command line: a thin typer layer over :mod:`archcalc.api` and the presenters.

Every :class:`ArchcalcError` becomes one red line on stderr and exit status 2.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from .errors import ArchcalcError
from .report.registry import FORMATS

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Exact parameter, MAC, FLOP and memory costs of neural-network specs.")


Format = Enum("Format", {name: name for name in FORMATS}, type=str)


class By(str, Enum):
    layer = "layer"
    block = "block"
    op = "op"


InputOpt = Annotated[Optional[str], typer.Option("--input", help="Input HxWxC, e.g. 56x56x24, or TxD tokens, e.g. 197x768.")]
WidthOpt = Annotated[Optional[float], typer.Option("--width-mult", help="Width multiplier α.")]
DepthOpt = Annotated[Optional[float], typer.Option("--depth-mult", help="Depth multiplier: stage repeats ceil(n·d).")]
WidthRuleOpt = Annotated[Optional[str], typer.Option(
    "--width-rule", help="How α scales channels: scale (torchvision) or tfslim (MobileNetV3 paper).")]
ResOpt = Annotated[Optional[int], typer.Option("--resolution", help="Input side in pixels (ρ = R/224).")]
NormOpt = Annotated[Optional[str], typer.Option("--norm", help="bn or none (weights only).")]
ActOpt = Annotated[Optional[str], typer.Option("--act", help="Default activation.")]
DtypeOpt = Annotated[Optional[str], typer.Option("--dtype", help="fp32, fp16, bf16 or int8.")]
BatchOpt = Annotated[int, typer.Option("--batch", min=1, help="Batch size N.")]
MemoryOpt = Annotated[str, typer.Option("--memory", help="Traffic policy: unfused or fused.")]
FoldOpt = Annotated[bool, typer.Option("--fold-bn", help="Fold BN into the preceding conv.")]
FormatOpt = Annotated[Optional[Format], typer.Option(
    "--format", "-f", help="Output format (default: from the -o suffix, else table).")]
OutOpt = Annotated[Optional[str], typer.Option("-o", "--output", help="Write to FILE (atomically).")]
ByOpt = Annotated[By, typer.Option("--by", help="Group by layer, block or op kind.")]
ReplaceOpt = Annotated[Optional[list[str]], typer.Option(
    "--replace", help="Swap block kinds, e.g. dwsep=conv (repeatable).")]
ConventionOpt = Annotated[str, typer.Option(
    "--convention", help="Count as a tool counts: archcalc (default), fvcore, ptflops, "
                         "ptflops_aten, thop, torchinfo, torchprofile or torch "
                         "(FlopCounterMode); see archcalc conventions.", metavar="NAME")]
HardwareOpt = Annotated[Optional[str], typer.Option(
    "--hardware", help="Roofline latency on a hardware profile: a100, h100, rtx4090, "
                       "cortex-a76, rpi4, or a profile file (.yaml); see archcalc hardware.",
    metavar="NAME|FILE")]
ModeOpt = Annotated[str, typer.Option(
    "--mode", help="infer (default) or train: a training step, with its backward pass, the "
                   "activations saved for it and the step's memory.")]
OptimizerOpt = Annotated[Optional[str], typer.Option(
    "--optimizer", help="With --mode train: sgd, momentum, adam or adamw (default), whose state "
                        "the step memory holds.")]
CheckpointOpt = Annotated[Optional[str], typer.Option(
    "--checkpoint", help="With --mode train: none (default) or blocks (activation "
                         "checkpointing per block: recomputed FLOPs for saved memory).")]
ThreadsOpt = Annotated[Optional[int], typer.Option(
    "--threads", help="Intra-op threads for the measurement (default: torch's).")]
RepeatsOpt = Annotated[Optional[int], typer.Option(
    "--repeats", min=1, help="Timed passes per measurement, 7 by default (the median is "
                             "reported; at least 5 where layers are timed).")]
DeviceOpt = Annotated[str, typer.Option("--device", help="cpu, or cuda where present.")]
PlotlyOpt = Annotated[str, typer.Option(
    "--plotly-js", help="HTML: 'embed' plotly.js (default), or a file name beside the report "
                        "to share one copy between reports.")]


def _options(input, width, resolution, norm, act, dtype, batch, memory, fold_bn, replace,
             depth=None, width_rule=None, convention="archcalc", hardware=None, mode="infer",
             optimizer=None, checkpoint=None):
    from .api import Options
    from .spec.load import parse_input, parse_replace

    return Options(input=parse_input(input) if input else None, width=width,
                   resolution=resolution, norm=norm, act=act, dtype=dtype, batch=batch,
                   memory=memory, fold_bn=fold_bn, depth=depth, width_rule=width_rule,
                   convention=convention, hardware=hardware, replace=tuple(parse_replace(r) for r in replace or ()),
                   mode=mode, optimizer=optimizer, checkpoint=checkpoint)


def _command() -> str:
    import shlex

    return "archcalc " + shlex.join(sys.argv[1:])


def _format(format: Optional[Format], output: Optional[str], document: str = "report",
            fallback: str = "table") -> str:
    """The output format: as chosen, else from ``output``'s suffix, else ``fallback``
    (checked before any work)."""
    from .report import registry

    return registry.format_for(format.value if format else None, output, document, fallback)


def show(doc, fmt: str, output: Optional[str], plotly_js: str = "embed") -> None:
    """Present ``doc`` in format ``fmt`` and print it or write it atomically."""
    from .report import registry
    from .report.document import View

    if fmt == "html" and plotly_js != "embed":
        _share_plotly_js(plotly_js, output)
    if output:
        view = View(width=120, plotlyjs=plotly_js)
    elif sys.stdout is None:
        raise ArchcalcError("standard output is closed: write to a file with -o FILE")
    else:
        from rich.console import Console

        view = View(width=Console().width, color=sys.stdout.isatty(), plotlyjs=plotly_js)
    registry.write(registry.present(fmt, doc, view), output)


def _share_plotly_js(name: str, output: Optional[str]) -> None:
    """Write plotly.js as ``name`` beside the report unless it is already there."""
    from .report import registry
    from .report.html import plotly_js

    if "/" in name or name.startswith("."):
        raise ArchcalcError("expected a file name beside the report", field="--plotly-js")
    if not output:
        raise ArchcalcError("a shared plotly.js goes beside a report file: add -o FILE",
                            field="--plotly-js")
    path = os.path.join(os.path.dirname(os.path.realpath(output)), name)
    if not os.path.exists(path):
        registry.write(plotly_js(), path)


def _report(result, by: By, detail: bool, title: str = "archcalc compare", **extra):
    from .report.document import Report

    return Report(result, by.value, detail, title, _command(), **extra)


@app.command()
def compare(
    candidates: Annotated[Optional[list[str]], typer.Argument(
        help="Inline blocks, spec files or zoo:NAME; none: the embedded default.")] = None,
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, dtype: DtypeOpt = None, batch: BatchOpt = 1,
    memory: MemoryOpt = "unfused", fold_bn: FoldOpt = False, format: FormatOpt = None,
    output: OutOpt = None, by: ByOpt = By.layer, replace: ReplaceOpt = None,
    symbolic: Annotated[bool, typer.Option(
        "--symbolic", help="Closed forms of the totals (SymPy) in the names --free frees.")] = False,
    free: Annotated[Optional[str], typer.Option(
        "--free", help="With --symbolic: names to keep as symbols, e.g. t,k,out (block "
                       "parameters; in, res, h, w for the input).", metavar="NAMES")] = None,
    plotly_js: PlotlyOpt = "embed", depth_mult: DepthOpt = None,
    width_rule: WidthRuleOpt = None, convention: ConventionOpt = "archcalc",
    hardware: HardwareOpt = None,
    measure: Annotated[bool, typer.Option(
        "--measure", help="Also measure each candidate's latency on this machine (torch) and "
                          "show its ratio beside the MAC ratio.")] = False,
    threads: ThreadsOpt = None, repeats: RepeatsOpt = None, mode: ModeOpt = "infer",
    optimizer: OptimizerOpt = None, checkpoint: CheckpointOpt = None,
):
    """Compare blocks or networks side by side, with ratios to the first."""
    from . import api

    options = _options(input, width_mult, resolution, norm, act, dtype, batch, memory, fold_bn,
                       replace, depth_mult, width_rule, convention, hardware, mode, optimizer,
                       checkpoint)
    if not measure:
        for option, value in (("--threads", threads), ("--repeats", repeats)):
            if value is not None:
                raise ArchcalcError("only with --measure", field=option)
    elif symbolic or free or mode == "train":
        raise ArchcalcError("times the network's forward pass: not with "
                            + ("--mode train" if mode == "train" else "--symbolic"),
                            field="--measure")
    if symbolic or free:
        fmt = _format(format, output, "symbolic")
        show(api.closed_forms(candidates or (), free, options, _command()), fmt, output)
        return
    fmt = _format(format, output)
    result = api.compare(candidates or (), options)
    if measure:
        _bridge()
        with _progress("measuring", 0) as progress:
            result = api.measure(result, layers=False, repeats=repeats, n_threads=threads,
                                 progress=progress)
    show(_report(result, by, False), fmt, output, plotly_js)


@app.command()
def report(
    candidates: Annotated[Optional[list[str]], typer.Argument(
        help="Inline blocks, spec files or zoo:NAME; none: the embedded default.")] = None,
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, dtype: DtypeOpt = None, batch: BatchOpt = 1,
    memory: MemoryOpt = "unfused", fold_bn: FoldOpt = False, format: FormatOpt = None,
    output: OutOpt = None, replace: ReplaceOpt = None, plotly_js: PlotlyOpt = "embed",
    depth_mult: DepthOpt = None, width_rule: WidthRuleOpt = None,
    convention: ConventionOpt = "archcalc", hardware: HardwareOpt = None,
    mode: ModeOpt = "infer", optimizer: OptimizerOpt = None, checkpoint: CheckpointOpt = None,
):
    """A review report of the candidates: HTML with charts (the default, also for an -o name
    without a known suffix) or an XLSX workbook (-o FILE.xlsx)."""
    from . import api

    fmt = _format(format, output, fallback="html")
    result = api.compare(candidates or (), _options(input, width_mult, resolution, norm, act,
                                                    dtype, batch, memory, fold_bn, replace,
                                                    depth_mult, width_rule, convention,
                                                    hardware, mode, optimizer, checkpoint))
    show(_report(result, By.layer, False, "archcalc report"), fmt, output, plotly_js)


@app.command()
def analyze(
    spec: Annotated[str, typer.Argument(help="Spec file, inline block or zoo:NAME.")],
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, dtype: DtypeOpt = None, batch: BatchOpt = 1,
    memory: MemoryOpt = "unfused", fold_bn: FoldOpt = False, format: FormatOpt = None,
    output: OutOpt = None, by: ByOpt = By.layer, replace: ReplaceOpt = None,
    plotly_js: PlotlyOpt = "embed", depth_mult: DepthOpt = None,
    width_rule: WidthRuleOpt = None, convention: ConventionOpt = "archcalc",
    hardware: HardwareOpt = None, mode: ModeOpt = "infer", optimizer: OptimizerOpt = None,
    checkpoint: CheckpointOpt = None,
):
    """Per-layer costs of one spec, with block subtotals and totals."""
    from . import api

    fmt = _format(format, output)
    result = api.analyze(spec, _options(input, width_mult, resolution, norm, act, dtype, batch,
                                        memory, fold_bn, replace, depth_mult, width_rule,
                                        convention, hardware, mode, optimizer, checkpoint))
    show(_report(api.Comparison((result,)), by, True, "archcalc analyze"), fmt, output,
         plotly_js)


@app.command(name="hardware")
def hardware_cmd(
    names: Annotated[Optional[list[str]], typer.Argument(
        help="Profiles (names or files) to show; none: every shipped one.")] = None,
    format: FormatOpt = None, output: OutOpt = None,
):
    """The hardware profiles for --hardware: peak FLOP/s per dtype, DRAM bandwidth, the ridge
    point, and the datasheets each figure comes from."""
    from .hardware import get, names as shipped
    from .report.document import HardwareReport

    fmt = _format(format, output, "hardware")
    profiles = tuple(get(n) for n in (names or shipped()))
    show(HardwareReport(profiles, _command()), fmt, output)


@app.command()
def memory(
    candidates: Annotated[Optional[list[str]], typer.Argument(
        help="Spec files, inline blocks or zoo:NAME; none: MobileNetV2 Table 3's networks "
             "(MobileNetV1, V2, ShuffleNet v1 2x g=3) and ShuffleNetV2 1x.")] = None,
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    depth_mult: DepthOpt = None,
    dtype: Annotated[str, typer.Option(
        "--dtype", help="fp16 (default: V2 Table 3's 16-bit activations), bf16, fp32 or int8.")] = "fp16",
    first_layer_trick: Annotated[bool, typer.Option(
        "--first-layer-trick/--no-first-layer-trick",
        help="Count the stem and the block after it as one block (V2 Table 3).")] = True,
    slices: Annotated[Optional[int], typer.Option(
        "--slices", min=1, help="Slices of every expanded tensor in the §5.1 bound "
                                "(default: each block's expansion ratio t).")] = None,
    format: FormatOpt = None, output: OutOpt = None,
):
    """What each network materialises per spatial resolution: the largest tensor, the
    working set and MobileNetV2's §5.1 t-slice bound (V2 Table 3's view, definition printed)."""
    from . import api

    fmt = _format(format, output, "memory")
    options = _options(input, width_mult, resolution, None, None, dtype, 1, "unfused", False,
                       None, depth_mult)
    show(api.memory(candidates or (), options, first_layer_trick, slices, _command()), fmt,
         output)


@app.command()
def conventions(
    names: Annotated[Optional[list[str]], typer.Argument(
        help="Conventions to list rule by rule with their sources; none: all, side by side.")] = None,
    format: FormatOpt = None, output: OutOpt = None,
):
    """The counting conventions archcalc reproduces (archcalc's own, fvcore, FlopCounterMode,
    ptflops, thop, torchinfo, torchprofile): what each counts per op, and its source lines."""
    from .conventions import get
    from .report.document import ConventionsReport

    fmt = _format(format, output, "conventions")
    for name in names or ():
        get(name, field="NAME")
    show(ConventionsReport(tuple(names or ()), _command()), fmt, output)


@app.command()
def explain(
    specs: Annotated[list[str], typer.Argument(help="Spec files, inline blocks or zoo:NAME.")],
    vs: Annotated[list[str], typer.Option(
        "--vs", help="The convention to reconcile with (archcalc's own total to NAME's); "
                     "twice: from the first to the second.", metavar="NAME")],
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, batch: BatchOpt = 1, fold_bn: FoldOpt = False,
    format: FormatOpt = None, output: OutOpt = None, depth_mult: DepthOpt = None,
):
    """Why counters disagree: a total walked op kind by op kind to another tool's, e.g.
    explain zoo:mobilenet_v2 --vs fvcore; explain zoo:resnet50 --vs thop --vs torch."""
    from . import api

    fmt = _format(format, output, "explain")
    options = _options(input, width_mult, resolution, norm, act, None, batch, "unfused",
                       fold_bn, None, depth_mult)
    show(api.explain(specs, vs, options, _command()), fmt, output)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def sweep(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(
        help="An inline block (ir, ir(se=0.25)) or a network (spec file, zoo:NAME).")],
    input: InputOpt = None, norm: NormOpt = None, act: ActOpt = None, dtype: DtypeOpt = None,
    batch: BatchOpt = 1, memory: MemoryOpt = "unfused", fold_bn: FoldOpt = False,
    where: Annotated[Optional[str], typer.Option(
        "--where", help='Keep rows where this holds, e.g. "macs<300e6 and params<4e6".')] = None,
    sort: Annotated[Optional[str], typer.Option(
        "--sort", help="Order by a metric (-METRIC: descending).", metavar="METRIC")] = None,
    top: Annotated[Optional[int], typer.Option("--top", min=1, help="Keep the first N rows.")] = None,
    pareto: Annotated[Optional[str], typer.Option(
        "--pareto", help="Keep the Pareto front of two metrics (minimised; -METRIC maximised), "
                         "e.g. macs,params.", metavar="X,Y")] = None,
    format: FormatOpt = None, output: OutOpt = None, plotly_js: PlotlyOpt = "embed",
    convention: ConventionOpt = "archcalc", hardware: HardwareOpt = None,
    mode: ModeOpt = "infer", optimizer: OptimizerOpt = None, checkpoint: CheckpointOpt = None,
):
    """Every metric over a grid: --NAME VALUES per swept parameter (a,b,c or start:stop[:step]),
    e.g. sweep ir --t 1:8 --k 3,5,7 --in-ch 8:1024:8 --out-ch 8:1024:8 --s 1,2 --input 56x56x8;
    sweep zoo:mobilenet_v2 --width-mult 0.35:1.4:0.05 --resolution 96:224:32."""
    from . import api
    from .report.document import SweepReport
    from .sweep import parse_axes

    fmt = _format(format, output, "sweep")
    axes = parse_axes(ctx.args)
    options = _options(input, None, None, norm, act, dtype, batch, memory, fold_bn, None,
                       convention=convention, hardware=hardware, mode=mode,
                       optimizer=optimizer, checkpoint=checkpoint)
    with _progress() as progress:
        result = api.sweep(target, axes, options, where, sort, top, pareto, progress)
    show(SweepReport(result, _command()), fmt, output, plotly_js)


class _progress:
    """A progress bar on stderr (a terminal only) for work of at least ``least`` steps."""

    def __init__(self, what: str = "sweeping", least: int = 1 << 21):
        self.what, self.least = what, least

    def __enter__(self):
        self.bar = None
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.bar is None and total >= self.least and sys.stderr.isatty():
            from rich.progress import Progress

            self.bar = Progress(transient=True, console=_stderr())
            self.bar.start()
            self.task = self.bar.add_task(self.what, total=total)
        if self.bar is not None:
            self.bar.update(self.task, completed=done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


@app.command()
def check(
    specs: Annotated[list[str], typer.Argument(help="Spec files, inline blocks, zoo:NAME or zoo:all.")],
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, batch: BatchOpt = 1, fold_bn: FoldOpt = False,
    replace: ReplaceOpt = None, format: FormatOpt = None, output: OutOpt = None,
    all_rows: Annotated[bool, typer.Option("--all-rows", help="Every layer, also with several specs.")] = False,
    depth_mult: DepthOpt = None,
):
    """Build real torch modules and prove the counts against fvcore, FlopCounterMode and numel.

    Exit 0 when every layer agrees exactly, 1 otherwise."""
    from . import api
    from .report.document import CheckReport

    fmt = _format(format, output, "check")
    opts = _options(input, width_mult, resolution, norm, act, None, batch, "unfused", fold_bn,
                    replace, depth_mult)
    refs = [name for ref in specs for name in api.expand_zoo_all(ref)]
    analyses = [api.analyze(ref, opts) for ref in refs]
    cross_check = _bridge().cross_check
    if len(analyses) > 1 and sys.stderr.isatty():
        from rich.progress import track

        analyses = track(analyses, description="checking", transient=True, console=_stderr())
    results = tuple(cross_check(a) for a in analyses)
    show(CheckReport(results, all_rows, _command()), fmt, output)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command()
def bench(
    candidates: Annotated[Optional[list[str]], typer.Argument(
        help="Inline blocks, spec files or zoo:NAME; none: the embedded default.")] = None,
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, dtype: DtypeOpt = None, batch: BatchOpt = 1,
    memory: MemoryOpt = "unfused", fold_bn: FoldOpt = False, format: FormatOpt = None,
    output: OutOpt = None, hardware: HardwareOpt = None, threads: ThreadsOpt = None,
    repeats: RepeatsOpt = None, device: DeviceOpt = "cpu", depth_mult: DepthOpt = None,
    width_rule: WidthRuleOpt = None,
):
    """Measure real latency per layer and per network (torch modules built through the
    bridge) beside the roofline's prediction on --hardware (default: calibrate this machine
    first), with the error of each."""
    from . import api
    from .roofline import REPEATS

    fmt = _format(format, output)
    opts = _options(input, width_mult, resolution, norm, act, dtype, batch, memory, fold_bn,
                    None, depth_mult, width_rule, hardware=hardware)
    result = api.compare(candidates or (), opts)
    bridge = _bridge()
    profile = None
    if hardware is None:
        sys.stderr.write("archcalc: no --hardware: calibrating this machine first (save a "
                         "profile with archcalc calibrate -o FILE.yaml)\n")
        with _progress("calibrating", 0) as progress:
            profile = bridge.calibrate(result.baseline.dtype, threads, repeats or REPEATS,
                                       device, progress)
    with _progress("measuring", 0) as progress:
        result = api.measure(result, True, profile, repeats, device, threads, progress)
    show(_report(result, By.layer, True, "archcalc bench"), fmt, output)


@app.command()
def calibrate(
    output: OutOpt = None, threads: ThreadsOpt = None, repeats: RepeatsOpt = None,
    device: DeviceOpt = "cpu", dtype: DtypeOpt = None, format: FormatOpt = None,
):
    """Measure this machine (GEMM and depthwise FLOP/s, bandwidth, per-layer overhead and
    efficiency per kind of layer, fitted on one set of layers and checked on another) and
    write a hardware profile for --hardware (-o FILE.yaml)."""
    from .calibrate import to_yaml
    from .report import registry
    from .roofline import REPEATS
    from .report.document import HardwareReport

    fmt = _format(format, None, "hardware")
    if output:
        registry.writable(output)
    bridge = _bridge()
    with _progress("calibrating", 0) as progress:
        profile = bridge.calibrate(dtype or "fp32", threads, repeats or REPEATS, device,
                                   progress)
    if output:
        registry.write(to_yaml(profile), output)
    show(HardwareReport((profile,), _command()), fmt, None)


@app.command(name="build")
def build_cmd(
    spec: Annotated[str, typer.Argument(help="Spec file, inline block or zoo:NAME.")],
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, fold_bn: FoldOpt = False,
    replace: ReplaceOpt = None, depth_mult: DepthOpt = None,
    print_: Annotated[bool, typer.Option("--print", help="Print the module tree.")] = False,
    save: Annotated[Optional[str], typer.Option("--save", help="Save the eval-mode module (torch.save).")] = None,
):
    """Build the torch.nn.Module for a spec (one module per archcalc layer)."""
    from . import api
    from .report import registry

    opts = _options(input, width_mult, resolution, norm, act, None, 1, "unfused", fold_bn, replace,
                    depth_mult)
    network = api.analyze(spec, opts).network  # a bad spec or --save fails before torch loads
    if save:
        registry.writable(save)
    module = _bridge().build_module(network)
    params = sum(p.numel() for p in module.parameters())
    if print_ or not save:
        sys.stdout.write(f"{module}\n# {params:,} parameters (sum of numel)\n")
    if save:
        import io

        import torch

        buf = io.BytesIO()
        torch.save(module, buf)
        registry.write(buf.getvalue(), save)


@app.command()
def inspect(
    model: Annotated[str, typer.Argument(
        help="FILE.py:ATTR or package.module:ATTR: a torch.nn.Module, or a class or factory returning one (the current directory is importable).")],
    input: Annotated[str, typer.Option("--input", help="Input HxWxC (or TxD tokens).")] = "224x224x3",
    dtype: DtypeOpt = None, batch: BatchOpt = 1, memory: MemoryOpt = "unfused",
    format: FormatOpt = None, output: OutOpt = None, by: ByOpt = By.layer,
    emit_spec: Annotated[Optional[str], typer.Option("--emit-spec", help="Write the model as a spec file.")] = None,
):
    """Analyze a real torch.nn.Module (traced with torch.fx, or module hooks as a fallback)."""
    from .analysis import Comparison
    from .report import registry
    from .spec.load import parse_input

    fmt = _format(format, output)
    shape = parse_input(input)  # checked before torch loads
    opts = _options(None, None, None, None, None, dtype, batch, memory, False, None)
    if emit_spec:
        registry.writable(emit_spec)
    bridge = _bridge()
    result, method, notes = bridge.inspect_module(bridge.load_factory(model), shape,
                                                  options=opts)
    for note in notes:
        sys.stderr.write(f"archcalc: note: {note}\n")
    if emit_spec:
        registry.write(bridge.emit_checked(result), emit_spec)
    show(_report(Comparison((result,)), by, True, "archcalc inspect",
                 meta=(("traced_with", method),)), fmt, output)


def _bridge():
    """The torch bridge, with a clear message when the extra is missing."""
    try:
        from . import bridge_api
    except ImportError as exc:
        raise ArchcalcError(f"the torch bridge needs the extra: pip install 'archcalc[torch]' ({exc.name} missing)") from None
    return bridge_api


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def zoo(format: FormatOpt = None, output: OutOpt = None):
    """List the zoo entries with their exact params and MACs (each at its native input, α = 1)."""
    from . import api
    from .report.rows import zoo_listing

    fmt = _format(format, output)
    names = api.expand_zoo_all("zoo:all")
    show(_report(api.compare(names), By.layer, False,
                 "archcalc zoo (native inputs, α = 1, fp32): use any entry as zoo:NAME",
                 listing=zoo_listing(api.load(name) for name in names)), fmt, output)


def main() -> None:
    try:
        code = app(standalone_mode=False)  # a typer.Exit comes back as its exit code
    except ArchcalcError as exc:
        sys.stderr.write(f"archcalc: error: {exc}\n")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except BrokenPipeError:  # the reader of our output left (e.g. `| head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except Exception as exc:
        try:  # typer >= 0.28 vendors click; older typer uses click itself
            from typer import TyperException as UsageProblem
        except ImportError:
            from click import ClickException as UsageProblem
        if not isinstance(exc, UsageProblem):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(exc.format_message() + "\n")
            sys.exit(0)
        sys.stderr.write(f"archcalc: error: {exc.format_message()}\n")
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
