"""The shipped model zoo: one spec file per network, named as torchvision names it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import ArchcalcError


def zoo_names() -> list[str]:
    """Names of the shipped entries, sorted."""
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir()
                  if p.name.endswith(".yaml"))


def zoo_path(name: str) -> Path:
    """Path of entry ``name``; raises a clear error listing the entries if unknown."""
    path = resources.files(__name__) / f"{name}.yaml"
    if not path.is_file():
        raise ArchcalcError(f"unknown zoo entry {name!r}; entries: {', '.join(zoo_names())}",
                            source=f"zoo:{name}")
    return Path(str(path))
