"""Cross-check: build the module, count it with fvcore, FlopCounterMode and ``numel``, and
compare layer by layer with archcalc's records under each tool's convention."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from ..analysis import Analysis
from .conventions import FLOP_COUNTER, FVCORE


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

    def as_dict(self) -> dict:
        return {"layer": self.layer, "op": self.op, "params": self.params, "numel": self.numel,
                "numel_delta": self.numel_delta, "fvcore_expected": self.fvcore_expected,
                "fvcore": self.fvcore, "fvcore_delta": self.fvcore_delta,
                "torch_expected": self.torch_expected, "torch": self.torch,
                "torch_delta": self.torch_delta, "ok": self.ok, "note": self.note}

    @property
    def ok(self) -> bool:
        return (self.params == self.numel and self.fvcore == (self.fvcore_expected or 0)
                and self.torch == self.torch_expected)


@dataclass(frozen=True)
class CheckResult:
    name: str
    rows: tuple[CheckRow, ...]
    fvcore_total: int
    torch_total: int
    numel_total: int
    fvcore_skipped: tuple[tuple[str, int], ...]

    @property
    def mismatches(self) -> list[CheckRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def totals_ok(self) -> bool:
        """The tools' whole-model totals equal the sum of their per-layer counts, so no work
        escaped the per-layer comparison."""
        return (self.fvcore_total == sum(r.fvcore for r in self.rows)
                and self.torch_total == sum(r.torch for r in self.rows)
                and self.numel_total == sum(r.numel for r in self.rows))

    @property
    def ok(self) -> bool:
        return self.totals_ok and not self.mismatches


def cross_check(analysis: Analysis) -> CheckResult:
    """Count the module built from ``analysis.network`` with every tool and compare."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from .modules import build_module, zero_input

    net = analysis.network
    model = build_module(net)
    x = zero_input(net, analysis.batch)
    with warnings.catch_warnings():  # fvcore traces with torch.jit, which warns it is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        from fvcore.nn import FlopCountAnalysis

        fv = FlopCountAnalysis(model, x)
        fv.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
        by_module = fv.by_module()
    with torch.no_grad(), FlopCounterMode(display=False) as mode:
        model(x)
    counts = mode.get_flop_counts()
    prefix = type(model).__name__
    rows = []
    for node, r in zip(net.nodes, analysis.records):
        leaf = model.get_submodule(r.name)
        fv_expected, note = ((None, "training only: not run at inference") if node.train_only
                             else FVCORE(node.op, r, analysis.batch))
        rows.append(CheckRow(
            layer=r.name, op=r.category, params=r.params,
            numel=sum(p.numel() for p in leaf.parameters()),
            fvcore_expected=fv_expected, fvcore=int(by_module.get(r.name, 0)),
            torch_expected=0 if node.train_only else FLOP_COUNTER(node.op, r, analysis.batch)[0],
            torch=int(sum(counts.get(f"{prefix}.{r.name}", {}).values())),
            note=note))
    return CheckResult(analysis.name, tuple(rows), int(fv.total()),
                       int(sum(counts.get("Global", {}).values())),
                       sum(p.numel() for p in model.parameters()),
                       tuple(sorted(fv.unsupported_ops().items())))
