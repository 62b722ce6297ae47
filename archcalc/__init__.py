"""archcalc: exact architecture costs (params, MACs, FLOPs, memory traffic, peak activations)
of neural-network specs, before any model exists.

The names below load on first use, so ``import archcalc`` (and the CLI's start, where a
Ctrl-C must end quietly) costs nothing until they are needed."""

from importlib import import_module

__all__ = ["ArchcalcError", "Comparison", "Options", "analyze", "compare", "load"]
__version__ = "0.1.0"
_HOME = {"ArchcalcError": ".errors", "Comparison": ".api", "Options": ".api", "analyze": ".api",
         "compare": ".api", "load": ".api"}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'archcalc' has no attribute {name!r}")
    value = getattr(import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
