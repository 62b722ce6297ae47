"""Counting conventions as rule sets, one module per tool (DESIGN.md "Seams").

``archcalc`` (the default) is archcalc's own; the others reproduce what a popular counter
prints, rule by rule, each rule citing the tool's source line.  A convention is found by its
``name``: adding one is adding one module here that defines ``CONVENTION``.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ..errors import ArchcalcError
from .base import Convention

DEFAULT = "archcalc"


@cache
def _all() -> dict[str, Convention]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        conv = getattr(module, "CONVENTION", None)
        if conv is not None:
            found[conv.name] = conv
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != DEFAULT, kv[0])))


def names() -> tuple[str, ...]:
    """Every convention's name, the default first."""
    return tuple(_all())


def get(name: str | Convention | None = None) -> Convention:
    """The convention called ``name`` (archcalc's own for ``None``)."""
    if isinstance(name, Convention):
        return name
    if name is None or name == DEFAULT:
        from .archcalc import ARCHCALC
        return ARCHCALC
    conv = _all().get(name)
    if conv is None:
        raise ArchcalcError(f"unknown convention {str(name)[:40]!r}; expected one of "
                            f"{', '.join(names())}", field="--convention")
    return conv
