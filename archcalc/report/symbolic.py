"""Closed forms as text: plain (terminal), Markdown with LaTeX, LaTeX and JSON share these
helpers.  SymPy is imported only with ``--symbolic``, by the producer of the forms."""

from __future__ import annotations

import re

METRICS = (("params", "params"), ("macs", "MACs"), ("flops", "FLOPs"),
           ("bytes_read", "bytes read"), ("bytes_written", "bytes written"),
           ("peak_activation_bytes", "peak activations (bytes)"))
RATIOS = ("params", "macs", "flops")


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_POWER = re.compile(r"\*\*\(?(-?\d+)\)?")


def plain(expr) -> str:
    """``D_f**2*M*N`` as ``D_f²·M·N``, ``x**(-2)`` as ``x⁻²``."""
    text = _POWER.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), str(expr))
    return text.replace("*", "·")


def latex(expr) -> str:
    import sympy as sp

    return sp.latex(expr)


def assumption_text(cond, render=plain) -> str:
    """One generic-case assumption (``Ne(M, N)`` as ``M ≠ N``)."""
    import sympy as sp

    ops = {sp.Ne: ("≠", r"\neq"), sp.Eq: ("=", "=")}
    for kind, (text, tex) in ops.items():
        if isinstance(cond, kind):
            sign = text if render is plain else tex
            return f"{render(cond.lhs)} {sign} {render(cond.rhs)}"
    return render(cond)


def rows(doc, render=plain) -> list[dict]:
    """Per candidate: name, each metric and ratio rendered, the assumptions, or the error."""
    out = []
    for f in doc.forms:
        row = {"name": f.name, "error": f.error,
               "assumptions": [assumption_text(a, render) for a in f.assumptions]}
        for key, _ in METRICS:
            row[key] = render(f.totals[key]) if key in f.totals else ""
        for key in RATIOS:
            ratio = f.ratios.get(key)
            row[f"{key}_ratio"] = "" if ratio is None else render(ratio)
        out.append(row)
    return out


def text(doc) -> str:
    """The terminal form."""
    setting = f" ({doc.setting})" if doc.setting else ""
    lines = [f"Closed forms from the cost rules themselves{setting}:",
             "  " + "; ".join(f"{s} = {m}" for s, m in doc.symbols), ""]
    for row in rows(doc):
        lines.append(f"{row['name']}:")
        if row["error"]:
            lines += [f"  no closed form: {row['error']}", ""]
            continue
        for key, title in METRICS:
            lines.append(f"  {title:26s}= {row[key]}")
        for key, title in METRICS:
            if key in RATIOS:
                lines.append(f"  {title + ' / first':26s}= {row[key + '_ratio']}")
        if row["assumptions"]:
            lines.append("  assuming " + ", ".join(row["assumptions"])
                         + " (the structure differs otherwise)")
        lines.append("")
    return "\n".join(lines)
