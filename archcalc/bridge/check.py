"""Cross-check: build the module, count it with fvcore, FlopCounterMode and ``numel``, and
compare layer by layer with archcalc's records under each tool's convention, and each leaf
module's output shape with the IR's (in torch's memory order, batch first)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from ..analysis import Analysis
from ..conventions.archcalc import ARCHCALC
from ..conventions.flop_counter import FLOP_COUNTER
from ..conventions.fvcore import FVCORE
from ..errors import ArchcalcError


@dataclass(frozen=True)
class CheckRow:
    layer: str
    op: str
    params: int
    numel: int
    fvcore_expected: int | None
    fvcore: int
    torch_expected: int
    torch: int
    note: str
    out_shape: tuple[int, ...] | None = None
    torch_out_shape: tuple[int, ...] | None = None
    flops: int = 0
    flops_measured: int = 0

    @property
    def numel_delta(self) -> int:
        return self.numel - self.params

    @property
    def fvcore_delta(self) -> int | None:
        """fvcore's count minus its expectation; ``None`` where fvcore counts nothing here."""
        if self.fvcore_expected is None and not self.fvcore:
            return None
        return self.fvcore - (self.fvcore_expected or 0)

    @property
    def torch_delta(self) -> int:
        return self.torch - self.torch_expected

    @property
    def flops_delta(self) -> int:
        """archcalc's FLOPs counted on the module's aten ops minus its rule on the IR."""
        return self.flops_measured - self.flops

    def as_dict(self) -> dict:
        return {"layer": self.layer, "op": self.op, "params": self.params, "numel": self.numel,
                "numel_delta": self.numel_delta, "fvcore_expected": self.fvcore_expected,
                "fvcore": self.fvcore, "fvcore_delta": self.fvcore_delta,
                "torch_expected": self.torch_expected, "torch": self.torch,
                "torch_delta": self.torch_delta, "flops": self.flops,
                "flops_measured": self.flops_measured, "flops_delta": self.flops_delta,
                "out_shape": _text(self.out_shape),
                "torch_out_shape": _text(self.torch_out_shape), "ok": self.ok, "note": self.note}

    @property
    def shape_ok(self) -> bool:
        return self.out_shape == self.torch_out_shape

    @property
    def ok(self) -> bool:
        return (self.params == self.numel and self.fvcore == (self.fvcore_expected or 0)
                and self.torch == self.torch_expected and self.flops == self.flops_measured
                and self.shape_ok)


def _text(shape) -> str | None:
    return None if shape is None else "×".join(map(str, shape))


@dataclass(frozen=True)
class CheckResult:
    name: str
    rows: tuple[CheckRow, ...]
    fvcore_total: int
    torch_total: int
    numel_total: int
    fvcore_skipped: tuple[tuple[str, int], ...]
    flops_measured_total: int = 0

    @property
    def mismatches(self) -> list[CheckRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def totals_ok(self) -> bool:
        """The tools' whole-model totals equal the sum of their per-layer counts, so no work
        escaped the per-layer comparison."""
        return (self.fvcore_total == sum(r.fvcore for r in self.rows)
                and self.torch_total == sum(r.torch for r in self.rows)
                and self.flops_measured_total == sum(r.flops_measured for r in self.rows)
                and self.numel_total == sum(r.numel for r in self.rows))

    @property
    def ok(self) -> bool:
        return self.totals_ok and not self.mismatches


@contextmanager
def _torch_errors(what: str, layer: list):
    """Any torch error as one :class:`ArchcalcError` line, naming ``layer[0]`` when known."""
    from .modules import one_line

    try:
        yield
    except ArchcalcError:
        raise
    except Exception as exc:  # noqa: BLE001 - torch may raise anything; say it in one line
        where = f" layer {layer[0]}" if layer and layer[0] else ""
        raise ArchcalcError(f"torch failed {what}{where}: {one_line(exc)}") from None


def _record_shapes(model, names, shapes: dict, running: list) -> list:
    """Hooks keeping ``running[0]`` = the leaf running now and ``shapes[name]`` = each leaf's
    output shape; returns their handles."""
    def hooks(name):
        def pre(module, args):
            running[0] = name

        def post(module, args, out):
            shapes[name], running[0] = tuple(out.shape), None

        leaf = model.get_submodule(name)
        return leaf.register_forward_pre_hook(pre), leaf.register_forward_hook(post)

    return [h for name in names for h in hooks(name)]


def _under(by_module: dict, name: str) -> int:
    """The count of module ``name`` and its children."""
    return sum(v for k, v in by_module.items() if k == name or k.startswith(name + "."))


def _row(node, r, model, fv, torch_counts, aten, shapes, batch) -> CheckRow:
    """One layer: params by numel, each tool's count against its convention's rule evaluated
    on the IR, output shape."""
    ins, op = node.in_shapes, node.op
    fv_expected = None if node.train_only else FVCORE.count(op, ins, node.out_shape, batch)
    note = ("training only: not run at inference" if node.train_only
            else FVCORE.rule_for(type(op)).says)
    expected = None if node.train_only else (batch, *node.out_shape.torch_dims)
    got = shapes.get(r.name)
    if got != expected:
        note = f"torch output {_text(got)} ≠ archcalc {_text(expected)}; {note}"
    return CheckRow(
        layer=r.name, op=r.category, params=r.params,
        numel=sum(p.numel() for p in model.get_submodule(r.name).parameters()),
        fvcore_expected=fv_expected or None, fvcore=fv.by_module.get(r.name, 0),
        torch_expected=0 if node.train_only else FLOP_COUNTER.count(op, ins, node.out_shape,
                                                                    batch),
        torch=torch_counts.by_module.get(r.name, 0),
        note=note, out_shape=expected, torch_out_shape=got,
        flops=r.flops, flops_measured=_under(aten.by_module, r.name))


def cross_check(analysis: Analysis) -> CheckResult:
    """Count the module built from ``analysis.network`` with every tool and compare; a torch
    error while building or running it becomes a one-line :class:`ArchcalcError`."""
    from .modules import build_module, zero_input

    net, running, shapes = analysis.network, [None], {}
    with _torch_errors("building the module", running):
        model = build_module(net)
    x = zero_input(net, analysis.batch)
    hooks = _record_shapes(model, [n.name for n in net.nodes], shapes, running)
    with _torch_errors("running", running):
        torch_counts = FLOP_COUNTER.measure(model, x)
    for h in hooks:
        h.remove()
    with _torch_errors("tracing with fvcore", running):
        fv = FVCORE.measure(model, x)
    with _torch_errors("counting aten ops", running):  # shapes only: on the meta device
        aten = ARCHCALC.measure(model.to("meta"), x.to("meta"))
    rows = [_row(node, r, model, fv, torch_counts, aten, shapes, analysis.batch)
            for node, r in zip(net.nodes, analysis.records)]
    return CheckResult(analysis.name, tuple(rows), fv.count, torch_counts.count,
                       sum(p.numel() for p in model.parameters()), fv.unsupported, aten.count)
