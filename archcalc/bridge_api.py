"""Public API of the torch bridge (imports torch and fvcore; load it lazily)."""

from __future__ import annotations

from .api import Options, analyze
from .bridge.check import CheckResult, cross_check
from .bridge.modules import build_module


def to_module(ref, options: Options | None = None, **kwargs):
    """An eval-mode ``torch.nn.Module`` for a spec; module paths equal archcalc layer names."""
    return build_module(analyze(ref, options, **kwargs).network)


def check(ref, options: Options | None = None, **kwargs) -> CheckResult:
    """Cross-check a spec against fvcore, FlopCounterMode and numel, layer by layer."""
    return cross_check(analyze(ref, options, **kwargs))


__all__ = ["CheckResult", "check", "cross_check", "to_module"]
