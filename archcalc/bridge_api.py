"""Public API of the torch bridge (imports torch and fvcore; load it lazily)."""

from __future__ import annotations

from typing import NamedTuple

from .api import Options, _options, analyze
from .errors import ArchcalcError
from .roofline import REPEATS
from .bridge.check import CheckResult, cross_check
from .bridge.modules import build_module


def calibrate(dtype: str = "fp32", n_threads: int | None = None, repeats: int = REPEATS,
              device: str = "cpu", progress=None):
    """A hardware profile of this machine (:func:`archcalc.calibrate.run`)."""
    from .calibrate import run

    return run(dtype, n_threads, repeats, device, progress)


def to_module(ref, options: Options | None = None, **kwargs):
    """An eval-mode ``torch.nn.Module`` for a spec; module paths equal archcalc layer names."""
    return build_module(analyze(ref, options, **kwargs).network)


def check(ref, options: Options | None = None, **kwargs) -> CheckResult:
    """Cross-check a spec against fvcore, FlopCounterMode and numel, layer by layer."""
    return cross_check(analyze(ref, options, **kwargs))


__all__ = ["CheckResult", "Inspection", "calibrate", "check", "cross_check", "emit_checked", "inspect_module",
           "load_factory", "to_module"]


# Conventions an imported model is counted under exactly (they count aten ops, as the
# importer's referee does, not module types or Python-level calls).
INSPECT_CONVENTIONS = ("archcalc", "fvcore", "torch")


class Inspection(NamedTuple):
    """What ``inspect`` found: the ``analysis``, how the model was traced (``fx`` or
    ``hooks``) and ``notes`` (unused parameters, training-only layers, the fallback)."""

    analysis: object
    method: str
    notes: tuple[str, ...] = ()


def inspect_module(module, input_hwc=(224, 224, 3), name: str | None = None,
                   options: Options | None = None, **kwargs):
    """Analyze a real ``torch.nn.Module``: traced into archcalc's IR (torch.fx, or module hooks
    where fx cannot trace), every op checked against the aten ops torch runs, then costed like
    any spec (``dtype``, ``batch``, ``memory``, ``convention`` and ``mode`` of :class:`Options`
    apply).
    Returns an :class:`Inspection`: the analysis, the method and the notes the CLI prints."""
    from .analysis import analyze_network
    from .bridge.fx_import import network_from_module

    opts = _options(options, kwargs)
    if opts.convention not in INSPECT_CONVENTIONS:
        raise ArchcalcError(f"inspect counts under {', '.join(INSPECT_CONVENTIONS)}: "
                            f"{opts.convention} tells modules from functional calls, which the "
                            "import does not keep", field="--convention")
    net, method, notes = network_from_module(module, input_hwc, name)
    analysis = analyze_network(net, dtype=opts.dtype or "fp32", batch=opts.batch,
                               memory=opts.memory, spec_text=net.name,
                               convention=opts.convention, training=opts.training)
    return Inspection(analysis, method, notes)


def _import_target(module_name: str):
    """The module ``FILE.py`` (by path) or ``package.module`` (the current directory
    importable, as ``python -m`` makes it)."""
    import importlib
    import importlib.util
    import os
    import sys

    if module_name.endswith(".py"):
        path = os.path.abspath(module_name)
        if not os.path.isfile(path):
            raise ImportError(f"no such file {module_name}")
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, os.path.dirname(path))  # its sibling imports resolve
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(os.path.dirname(path))
        return module
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    return importlib.import_module(module_name)


def load_factory(target: str):
    """``FILE.py:ATTR`` or ``package.module:ATTR`` -> the ``nn.Module`` it names (called when
    ATTR is a factory or class); the current directory is importable."""
    import torch

    from .errors import ArchcalcError

    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        raise ArchcalcError(f"expected FILE.py:ATTR or package.module:ATTR, got {target!r}",
                            field="MODEL")
    try:
        obj = _import_target(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, SyntaxError) as exc:
        raise ArchcalcError(f"cannot load {target!r}: {type(exc).__name__}: {exc}",
                            field="MODEL") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's file may do anything
        raise ArchcalcError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}",
                            field="MODEL") from None
    try:
        model = obj if isinstance(obj, torch.nn.Module) else obj()
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's factory may do anything
        raise ArchcalcError(f"calling {target!r} failed: {type(exc).__name__}: {exc}",
                            field="MODEL") from None
    if not isinstance(model, torch.nn.Module):
        raise ArchcalcError(f"{target!r} gave a {type(model).__name__}, not a torch.nn.Module",
                            field="MODEL")
    return model


def emit_checked(analysis) -> str:
    """The spec text of an inspected model, written only when it reproduces the model: the
    spec, analysed again, has the same params, MACs and FLOPs, and its module checks
    exactly.  (Its layers are blocks of their own, so its ``fused`` traffic counts each layer
    alone.)"""
    import os
    import tempfile

    from .errors import ArchcalcError
    from .spec.emit import spec_yaml

    text = spec_yaml(analysis.network)
    fd, path = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        again = analyze(path, dtype=analysis.dtype, batch=analysis.batch)
        counts = ("params", "macs", "flops")
        if any(getattr(again.totals, k) != getattr(analysis.totals, k) for k in counts):
            raise ArchcalcError("the emitted spec does not reproduce the model's totals; "
                                "not written", field="--emit-spec")
        result = cross_check(again)
        if not result.ok:
            raise ArchcalcError(f"the emitted spec's module does not check exactly "
                                f"({len(result.mismatches)} layers differ); not written",
                                field="--emit-spec")
    finally:
        os.unlink(path)
    return text
