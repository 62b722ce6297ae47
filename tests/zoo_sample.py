"""The zoo entries the default suite builds as real torch modules (cross-check, fx round
trip): each spec file's own network up to 6 GMACs, so `make test` stays within minutes on
two cores.  `make check-zoo` (ARCHCALC_FULL_ZOO=1) builds every entry, variants included.
Every entry's params and MACs are checked against torchvision's figures in any case
(tests/test_zoo*.py)."""

import os

import archcalc
from archcalc.zoo import zoo_entry, zoo_names

BUDGET_MACS = 6 * 10**9


def torch_zoo() -> list[str]:
    if os.environ.get("ARCHCALC_FULL_ZOO") == "1":
        return zoo_names()
    return [name for name in zoo_names() if zoo_entry(name)[1] is None
            and archcalc.analyze(f"zoo:{name}").totals.macs <= BUDGET_MACS]
