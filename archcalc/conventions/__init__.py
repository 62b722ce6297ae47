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


def get(name: str | Convention | None = None, field: str = "--convention") -> Convention:
    """The convention called ``name`` (archcalc's own for ``None``); an unknown name is an
    error on ``field``."""
    if isinstance(name, Convention):
        return name
    if name is None or name == DEFAULT:
        from .archcalc import ARCHCALC
        return ARCHCALC
    conv = _all().get(name)
    if conv is None:
        raise ArchcalcError(f"unknown convention {str(name)[:40]!r}; expected one of "
                            f"{', '.join(names())}", field=field)
    return conv


def summary_rows() -> list[dict]:
    """One row per convention: the tool it reproduces, what it counts, how it prints it."""
    rows = []
    for name in names():
        c = get(name)
        rows.append({"convention": name, "tool": c.tool, "counts": c.summary, "unit": c.unit,
                     "params": getattr(c, "params_note", "sum(p.numel()) of the module")})
    return rows


def per_op_rows() -> list[dict]:
    """One row per archcalc rule (its op types), one column per convention: what each counts
    for those ops, in its own unit (distinct rules of one tool joined with ``/``)."""
    from .archcalc import ARCHCALC

    rows = []
    for types, rule in ARCHCALC.unique_rules():
        row = {"op": rule.label}
        for name in names():
            conv = get(name)
            says = dict.fromkeys(conv.rule_for(t).says for t in types)
            row[name] = (f"FLOPs: {rule.says}" if name == "archcalc"
                         else " / ".join(says))
        rows.append(row)
    return rows


def source_rows(name: str) -> list[dict]:
    """Each rule of convention ``name``: the op types, what it counts, the source line; then
    its backward rules (``--mode train``), where it has them."""
    conv = get(name)
    tables = [(None, "")] + ([(conv.backward, " (backward)")] if conv.trains else [])
    return [{"op": (", ".join(t.__name__ for t in types) or "every other op") + suffix,
             "counts": r.says, "source": r.source or "archcalc"}
            for table, suffix in tables for types, r in conv.unique_rules(table)]
