"""The command line: a thin typer layer over :mod:`archcalc.api` and the presenters.

Every :class:`ArchcalcError` becomes one red line on stderr and exit status 2.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import Enum
from typing import Annotated, Optional

import typer

from .errors import ArchcalcError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Exact parameter, MAC, FLOP and memory costs of neural-network specs.")


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class By(str, Enum):
    layer = "layer"
    block = "block"
    op = "op"


InputOpt = Annotated[Optional[str], typer.Option("--input", help="Input HxWxC, e.g. 56x56x24.")]
WidthOpt = Annotated[Optional[float], typer.Option("--width-mult", help="Width multiplier α.")]
DepthOpt = Annotated[Optional[float], typer.Option("--depth-mult", help="Depth multiplier: stage repeats ceil(n·d).")]
ResOpt = Annotated[Optional[int], typer.Option("--resolution", help="Input side in pixels (ρ = R/224).")]
NormOpt = Annotated[Optional[str], typer.Option("--norm", help="bn or none (weights only).")]
ActOpt = Annotated[Optional[str], typer.Option("--act", help="Default activation.")]
DtypeOpt = Annotated[Optional[str], typer.Option("--dtype", help="fp32, fp16, bf16 or int8.")]
BatchOpt = Annotated[int, typer.Option("--batch", min=1, help="Batch size N.")]
MemoryOpt = Annotated[str, typer.Option("--memory", help="Traffic policy: unfused or fused.")]
FoldOpt = Annotated[bool, typer.Option("--fold-bn", help="Fold BN into the preceding conv.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutOpt = Annotated[Optional[str], typer.Option("-o", "--output", help="Write to FILE.")]
ByOpt = Annotated[By, typer.Option("--by", help="Group by layer, block or op kind.")]
ReplaceOpt = Annotated[Optional[list[str]], typer.Option(
    "--replace", help="Swap block kinds, e.g. dwsep=conv (repeatable).")]


def _options(input, width, resolution, norm, act, dtype, batch, memory, fold_bn, replace,
             depth=None):
    from .api import Options
    from .spec.load import parse_input, parse_replace

    return Options(input=parse_input(input) if input else None, width=width,
                   resolution=resolution, norm=norm, act=act, dtype=dtype, batch=batch,
                   memory=memory, fold_bn=fold_bn, depth=depth,
                   replace=tuple(parse_replace(r) for r in replace or ()))


def emit(text: str, output: Optional[str]) -> None:
    """Print, or write ``output`` atomically (never a half-written file)."""
    if not output:
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(output))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".archcalc-")
    except OSError as exc:
        raise ArchcalcError(f"cannot write output ({exc.strerror})", source=output) from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, output)


def render(renderable, output: Optional[str] = None, min_width: int = 100) -> str:
    """A rich renderable as text: colours on a terminal, plain in a file or a pipe."""
    import io

    from rich.console import Console

    console = Console(record=True, width=max(min_width, Console().width), file=io.StringIO())
    console.print(renderable)
    return console.export_text(styles=not output and sys.stdout.isatty())


@app.command()
def compare(
    candidates: Annotated[Optional[list[str]], typer.Argument(
        help="Inline blocks, spec files or zoo:NAME; none: the embedded default.")] = None,
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, dtype: DtypeOpt = None, batch: BatchOpt = 1,
    memory: MemoryOpt = "unfused", fold_bn: FoldOpt = False, format: FormatOpt = Format.table,
    output: OutOpt = None, by: ByOpt = By.layer, replace: ReplaceOpt = None,
    symbolic: Annotated[bool, typer.Option("--symbolic", help="Print closed forms (SymPy).")] = False,
    depth_mult: DepthOpt = None,
):
    """Compare blocks or networks side by side, with ratios to the first."""
    if symbolic:
        from .report.symbolic import closed_form_text

        emit(closed_form_text(), output)
        return
    from . import api
    from .report import rows, text

    result = api.compare(candidates or (), _options(input, width_mult, resolution, norm, act,
                                                    dtype, batch, memory, fold_bn, replace,
                                                    depth_mult))
    if format is Format.json:
        emit(text.to_json(rows.comparison_doc(result, by.value)), output)
    elif format is Format.csv:
        emit(text.to_csv(rows.comparison_rows(result)), output)
    elif format is Format.markdown:
        from . import conventions
        emit(text.to_markdown(rows.comparison_rows(result), result.note, conventions.FOOTER), output)
    else:
        from .report.table import comparison_table, rollup_table

        tables = [comparison_table(result)]
        if by is not By.layer:
            tables += [rollup_table(a, rows.rollup_rows(a, by.value), by.value)
                       for a in result.analyses]
        emit("".join(render(t, output) for t in tables), output)


@app.command()
def analyze(
    spec: Annotated[str, typer.Argument(help="Spec file, inline block or zoo:NAME.")],
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, dtype: DtypeOpt = None, batch: BatchOpt = 1,
    memory: MemoryOpt = "unfused", fold_bn: FoldOpt = False, format: FormatOpt = Format.table,
    output: OutOpt = None, by: ByOpt = By.layer, replace: ReplaceOpt = None,
    depth_mult: DepthOpt = None,
):
    """Per-layer costs of one spec, with block subtotals and totals."""
    from . import api

    result = api.analyze(spec, _options(input, width_mult, resolution, norm, act, dtype, batch,
                                        memory, fold_bn, replace, depth_mult))
    _emit_analysis(result, format, output, by)


def _emit_analysis(result, format: Format, output, by: By, **extra) -> None:
    """One analysis in the chosen format; ``extra`` fields go into the JSON document."""
    from . import conventions
    from .report import rows, text

    table = rows.layer_rows(result) if by is By.layer else rows.rollup_rows(result, by.value)
    if format is Format.json:
        emit(text.to_json({**rows.analysis_doc(result, by.value), **extra,
                           "conventions": conventions.as_dict()}), output)
    elif format is Format.csv:
        emit(text.to_csv(table), output)
    elif format is Format.markdown:
        emit(text.to_markdown(table, result.name, conventions.FOOTER), output)
    else:
        from .report.table import analysis_table, rollup_table

        emit(render(analysis_table(result) if by is By.layer
                    else rollup_table(result, table, by.value), output, 124), output)


@app.command()
def check(
    specs: Annotated[list[str], typer.Argument(help="Spec files, inline blocks, zoo:NAME or zoo:all.")],
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, batch: BatchOpt = 1, fold_bn: FoldOpt = False,
    replace: ReplaceOpt = None, format: FormatOpt = Format.table, output: OutOpt = None,
    all_rows: Annotated[bool, typer.Option("--all-rows", help="Every layer, also with several specs.")] = False,
    depth_mult: DepthOpt = None,
):
    """Build real torch modules and prove the counts against fvcore, FlopCounterMode and numel.

    Exit 0 when every layer agrees exactly, 1 otherwise."""
    from . import api
    from .report import check as present, text

    opts = _options(input, width_mult, resolution, norm, act, None, batch, "unfused", fold_bn,
                    replace, depth_mult)
    refs = [name for ref in specs for name in api.expand_zoo_all(ref)]
    cross_check = _bridge().cross_check
    results = []
    if len(refs) > 1 and format is Format.table:
        from rich.progress import track

        for ref in track(refs, description="checking", transient=True, console=_stderr()):
            results.append(cross_check(api.analyze(ref, opts)))
    else:
        results = [cross_check(api.analyze(ref, opts)) for ref in refs]
    if format is Format.json:
        emit(text.to_json(present.check_doc(results)), output)
    elif format in (Format.csv, Format.markdown):
        rows = [row for r in results for row in present.check_rows(r)]
        emit(text.to_csv(rows) if format is Format.csv else text.to_markdown(rows), output)
    else:
        full = all_rows or len(results) == 1
        emit("".join(render(present.check_table(r, only_mismatches=not full), output, 150)
                     if full or not r.ok else present.summary_line(r) + "\n"
                     for r in results), output)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command(name="build")
def build_cmd(
    spec: Annotated[str, typer.Argument(help="Spec file, inline block or zoo:NAME.")],
    input: InputOpt = None, width_mult: WidthOpt = None, resolution: ResOpt = None,
    norm: NormOpt = None, act: ActOpt = None, fold_bn: FoldOpt = False,
    replace: ReplaceOpt = None,
    print_: Annotated[bool, typer.Option("--print", help="Print the module tree.")] = False,
    save: Annotated[Optional[str], typer.Option("--save", help="Save the eval-mode module (torch.save).")] = None,
):
    """Build the torch.nn.Module for a spec (one module per archcalc layer)."""
    from . import api

    opts = _options(input, width_mult, resolution, norm, act, None, 1, "unfused", fold_bn, replace)
    module = _bridge().to_module(spec, opts)
    params = sum(p.numel() for p in module.parameters())
    if print_ or not save:
        emit(f"{module}\n# {params:,} parameters (sum of numel)\n", None)
    if save:
        import torch

        torch.save(module, save)


@app.command()
def inspect(
    model: Annotated[str, typer.Argument(help="package.module:factory returning a torch.nn.Module.")],
    input: Annotated[str, typer.Option("--input", help="Input HxWxC.")] = "224x224x3",
    dtype: DtypeOpt = None, batch: BatchOpt = 1, memory: MemoryOpt = "unfused",
    format: FormatOpt = Format.table, output: OutOpt = None, by: ByOpt = By.layer,
    emit_spec: Annotated[Optional[str], typer.Option("--emit-spec", help="Write the model as a spec file.")] = None,
):
    """Analyze a real torch.nn.Module (traced with torch.fx, or module hooks as a fallback)."""
    from .spec.load import parse_input

    bridge = _bridge()
    opts = _options(None, None, None, None, None, dtype, batch, memory, False, None)
    result, method = bridge.inspect_module(bridge.load_factory(model), parse_input(input),
                                           options=opts)
    if method == "hooks":
        sys.stderr.write("archcalc: note: torch.fx could not trace this model; traced leaf "
                         "modules with hooks (functional ops such as + and * are not seen)\n")
    if emit_spec:
        from .spec.emit import spec_yaml

        emit(spec_yaml(result.network), emit_spec)
    _emit_analysis(result, format, output, by, traced_with=method)


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
def zoo(format: FormatOpt = Format.table, output: OutOpt = None):
    """List the zoo entries with their exact params and MACs (224×224×3, α = 1)."""
    from . import api
    from .report import rows, text

    names = api.expand_zoo_all("zoo:all")
    table = rows.zoo_rows(api.compare(names), [api.load(name) for name in names])
    if format is Format.json:
        emit(text.to_json(table), output)
    elif format is Format.csv:
        emit(text.to_csv(table), output)
    elif format is Format.markdown:
        emit(text.to_markdown(table, "archcalc zoo"), output)
    else:
        from .report.table import zoo_table

        emit(render(zoo_table(table), output), output)


def main() -> None:
    try:
        code = app(standalone_mode=False)  # a typer.Exit comes back as its exit code
    except ArchcalcError as exc:
        sys.stderr.write(f"archcalc: error: {exc}\n")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
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
