"""Hardware profiles, shipped like the zoo: peak FLOP/s per dtype and DRAM bandwidth, each
figure cited (``sources``), for roofline latency (:mod:`archcalc.roofline`).

A profile is a YAML file with ``name``, ``title``, ``kind``, ``peak_flops`` (FLOP/s per dtype:
``fp32``, ``fp16``, ``bf16``, ``int8``; at least one), ``bandwidth`` (bytes/s) and ``sources``;
``--hardware`` takes a shipped name or a user file of the same form.  A profile measured by
``archcalc calibrate`` adds ``overhead_s`` (seconds every layer costs beyond its roofline
time) and ``efficiency`` (per rate class of :mod:`archcalc.roofline`, the fraction of the
roofline rate such layers attain), and ``measured`` (the calibration's raw figures).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import ArchcalcError
from ..roofline import RATE_CLASSES, efficiency_of

DTYPES = ("fp32", "fp16", "bf16", "int8")
KEYS = ("name", "title", "kind", "peak_flops", "bandwidth", "sources", "notes", "overhead_s",
        "efficiency", "measured")


@dataclass(frozen=True)
class Profile:
    """Peaks of one machine: ``peak_flops`` per dtype (FLOP/s), ``bandwidth`` (bytes/s)."""

    name: str
    title: str
    kind: str
    peak_flops: tuple[tuple[str, float], ...]
    bandwidth: float
    sources: tuple[str, ...]
    notes: str = ""
    path: str = ""
    overhead_s: float = 0.0
    efficiency: tuple[tuple[str, float], ...] = ()
    measured: tuple[tuple[str, object], ...] = ()

    def efficiency_of(self, rate_class: str) -> float:
        """The fraction of the roofline rate layers of ``rate_class`` attain (1 unless
        calibrated)."""
        return efficiency_of(dict(self.efficiency), rate_class)

    def peak(self, dtype: str) -> float:
        """Peak FLOP/s for ``dtype``; a profile without it is an error."""
        peaks = dict(self.peak_flops)
        if dtype not in peaks:
            raise ArchcalcError(f"hardware {self.name} has no {dtype} peak (it gives "
                                f"{', '.join(peaks)})", field="--dtype")
        return peaks[dtype]

    def roof(self, dtype: str, intensity: float) -> float:
        """Attainable FLOP/s at ``intensity`` FLOP/byte: ``min(peak, intensity × bandwidth)``."""
        return min(self.peak(dtype), intensity * self.bandwidth)

    @property
    def ridge(self) -> dict[str, float]:
        """Arithmetic intensity (FLOP/byte) where each dtype's roof turns from memory- to
        compute-bound."""
        return {d: p / self.bandwidth for d, p in self.peak_flops}

    def as_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "kind": self.kind,
                "peak_flops": dict(self.peak_flops), "bandwidth": self.bandwidth,
                "sources": list(self.sources), "notes": self.notes,
                **({"overhead_s": self.overhead_s, "efficiency": dict(self.efficiency),
                    "measured": dict(self.measured)} if self.calibrated else {})}

    @property
    def calibrated(self) -> bool:
        """True for a profile measured by ``archcalc calibrate``."""
        return bool(self.efficiency or self.overhead_s)


def _shipped() -> dict[str, Path]:
    return {p.name[:-5]: Path(str(p)) for p in resources.files(__name__).iterdir()
            if p.name.endswith(".yaml")}


def names() -> list[str]:
    return sorted(_shipped())


def _number(value, where: str, source: str, line) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value <= 0:
        raise ArchcalcError(f"expected a positive number, got {str(value)[:40]!r}",
                            source=source, line=line, field=where)
    return float(value)


def read(path: str) -> Profile:
    """A profile from a YAML file: every field checked, errors with file, line and field."""
    from ..spec.source import read_spec_file

    data, lines = read_spec_file(path)
    if not isinstance(data, dict):
        raise ArchcalcError("a hardware profile is a mapping", source=path)

    def line(key):
        return lines.get(key)

    for key in data:
        if key not in KEYS:
            raise ArchcalcError(f"unknown key {str(key)[:40]!r}; expected one of "
                                f"{', '.join(KEYS)}", source=path, line=line(str(key)),
                                field=str(key)[:40])
    for key in ("name", "peak_flops", "bandwidth"):
        if key not in data:
            raise ArchcalcError(f"missing required key {key!r}", source=path)
    peaks = data["peak_flops"]
    if not isinstance(peaks, dict) or not peaks:
        raise ArchcalcError("expected a mapping of dtype to FLOP/s", source=path,
                            line=line("peak_flops"), field="peak_flops")
    for dtype in peaks:
        if dtype not in DTYPES:
            raise ArchcalcError(f"unknown dtype {str(dtype)[:20]!r}; expected one of "
                                f"{', '.join(DTYPES)}", source=path,
                                line=line(f"peak_flops.{dtype}"), field=f"peak_flops.{dtype}")
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ArchcalcError("expected a list of citations", source=path, line=line("sources"),
                            field="sources")
    efficiency = data.get("efficiency", {})
    if not isinstance(efficiency, dict):
        raise ArchcalcError("expected a mapping of rate class to a fraction", source=path,
                            line=line("efficiency"), field="efficiency")
    for key in efficiency:
        if key not in RATE_CLASSES:
            raise ArchcalcError(f"unknown rate class {str(key)[:20]!r}; expected one of "
                                f"{', '.join(RATE_CLASSES)}", source=path,
                                line=line(f"efficiency.{key}"), field=f"efficiency.{key}")
    measured = data.get("measured", {})
    if not isinstance(measured, dict):
        raise ArchcalcError("expected a mapping", source=path, line=line("measured"),
                            field="measured")
    threads = measured.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        raise ArchcalcError(f"expected a positive whole number, got {str(threads)[:20]!r}",
                            source=path, line=line("measured.threads"), field="measured.threads")
    overhead = data.get("overhead_s", 0.0)
    if overhead != 0.0:
        overhead = _number(overhead, "overhead_s", path, line("overhead_s"))
    name = data["name"]
    if not isinstance(name, str) or not name:
        raise ArchcalcError("expected a name", source=path, line=line("name"), field="name")
    return Profile(
        name, str(data.get("title", name)), str(data.get("kind", "")),
        tuple((d, _number(v, f"peak_flops.{d}", path, line(f"peak_flops.{d}")))
              for d, v in peaks.items()),
        _number(data["bandwidth"], "bandwidth", path, line("bandwidth")), tuple(sources),
        str(data.get("notes", "")), path, overhead,
        tuple((k, _number(v, f"efficiency.{k}", path, line(f"efficiency.{k}")))
              for k, v in efficiency.items()),
        tuple((str(k), v) for k, v in measured.items()))


@cache
def _load_shipped(name: str) -> Profile:
    return read(str(_shipped()[name]))


def get(ref: str) -> Profile:
    """The shipped profile called ``ref``, or the profile in the file ``ref``."""
    if ref in _shipped():
        return _load_shipped(ref)
    if ref.endswith((".yaml", ".yml", ".json", ".toml")) or os.sep in ref:
        return read(ref)
    raise ArchcalcError(f"unknown hardware {ref[:40]!r}; expected one of {', '.join(names())} "
                        "or a profile file (.yaml)", field="--hardware")
