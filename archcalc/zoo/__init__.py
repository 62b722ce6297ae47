"""The shipped model zoo: one spec file per network family, named as torchvision names it.

A file is one entry, plus one entry per name its ``variants:`` declares (e.g.
``efficientnet_b0.yaml`` declares ``efficientnet_b1`` … ``efficientnet_b7``: the same table
with other multipliers and input size)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import ArchcalcError


def _files() -> dict[str, Path]:
    return {p.name[:-5]: Path(str(p)) for p in resources.files(__name__).iterdir()
            if p.name.endswith(".yaml")}


@lru_cache(maxsize=1)
def _entries() -> dict[str, tuple[Path, str | None]]:
    """Entry name -> (spec file, variant name or ``None`` for the file's own network)."""
    import yaml

    from ..spec.load import variant_names

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries: dict[str, tuple[Path, str | None]] = {}
    for base, path in sorted(_files().items()):
        entries[base] = (path, None)
        for name in variant_names(yaml.load(path.read_text(encoding="utf-8"), Loader=loader)):
            if name in entries:
                raise ArchcalcError(f"zoo entry {name!r} declared twice", source=str(path),
                                    field=f"variants.{name}")
            entries[name] = (path, name)
    return entries


def zoo_names() -> list[str]:
    """Names of the shipped entries, variants included, sorted."""
    return sorted(_entries())


def zoo_entry(name: str) -> tuple[Path, str | None]:
    """(spec file, variant) of entry ``name``; raises a clear error listing the entries if
    unknown."""
    files = _files()
    if name in files:  # a name from the listing, never a path
        return files[name], None
    entry = _entries().get(name)
    if entry is None:
        raise ArchcalcError(f"unknown zoo entry {name!r}; entries: {', '.join(zoo_names())}",
                            source=f"zoo:{name}")
    return entry
