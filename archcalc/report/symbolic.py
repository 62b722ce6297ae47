"""Text of the closed forms (SymPy imported only here, on ``--symbolic``)."""

from __future__ import annotations


def _pretty(expr) -> str:
    return str(expr).replace("**2", "²").replace("**(-2)", "⁻²").replace("*", "·")


def closed_form_text() -> str:
    from ..symbolic import SYMBOLS, closed_forms

    lines = ["Closed forms from archcalc's own cost rules (weights only, stride 1, same padding):",
             "  " + "; ".join(f"{k} = {v}" for k, v in SYMBOLS.items()), ""]
    for f in closed_forms():
        lines += [f"{f.name}:",
                  f"  params            = {_pretty(f.params)}",
                  f"  MACs              = {_pretty(f.macs)}",
                  f"  MACs / standard   = {_pretty(f.macs_ratio)}", ""]
    return "\n".join(lines)
