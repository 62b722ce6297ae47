"""Profiles of the hot path with pyinstrument, written as text to ``benchmarks/profiles/``:
ResNet-50 analysed 200 times from its spec text and 200 times from the loaded spec, and one
`archcalc compare` of a 10,000-layer spec.

Run: `make profile` (installs pyinstrument into the virtual environment first).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from common import ARCHCALC, HERE
from scale import write_specs

OUT = os.path.join(HERE, "profiles")


def profile(name: str, args: list[str]) -> None:
    path = os.path.join(OUT, f"{name}.txt")
    subprocess.run([sys.executable, "-m", "pyinstrument", "-r", "text", "-o", path, *args],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"wrote {os.path.relpath(path)}")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    loop = ("import archcalc\nspec = archcalc.load('zoo:resnet50')\n"
            "for i in range(200):\n    archcalc.analyze({}, batch=i % 4 + 1).totals\n")
    profile("resnet50_text", ["-c", loop.format("'zoo:resnet50'")])
    profile("resnet50_loaded", ["-c", loop.format("spec")])
    with tempfile.TemporaryDirectory() as tmp:
        profile("list10000", [ARCHCALC, "compare", write_specs(tmp, 10_000)["list 10000 yaml"]])


if __name__ == "__main__":
    main()
