"""The shipped model zoo, named as torchvision names its builders.

A file defines one entry named after the file, or, with a top-level ``variants:`` mapping, a
family: one entry per variant (a paper's table of configurations, e.g. VGG's columns A–E),
each the file's network with some defaults and stage repeats overridden.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import ArchcalcError


@cache
def _entries() -> dict[str, tuple[str, str | None]]:
    """Entry name -> (file name, variant name or None)."""
    import yaml

    entries = {}
    for p in resources.files(__name__).iterdir():
        if p.name.endswith(".yaml"):
            data = yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            for variant in data.get("variants") or [None]:
                entries[variant or p.name[:-5]] = (p.name, variant)
    return entries


def zoo_names() -> list[str]:
    """Names of the shipped entries, sorted."""
    return sorted(_entries())


def zoo_entry(name: str) -> tuple[Path, str | None]:
    """File and variant of entry ``name``; raises a clear error listing the entries if unknown."""
    if name not in _entries():
        raise ArchcalcError(f"unknown zoo entry {name!r}; entries: {', '.join(zoo_names())}",
                            source=f"zoo:{name}")
    file, variant = _entries()[name]
    return Path(str(resources.files(__name__) / file)), variant
