"""LaTeX for papers: one ``align*`` environment per candidate (needs ``amsmath``)."""

from __future__ import annotations

from .symbolic import METRICS, RATIOS, latex, rows


def _comment(text: str) -> str:
    return "% " + " ".join(text.splitlines())


def present_symbolic(doc, view) -> str:
    lines = [_comment(f"archcalc closed forms{' (' + doc.setting + ')' if doc.setting else ''}"),
             _comment("; ".join(f"{s}: {m}" for s, m in doc.symbols))]
    for row in rows(doc, latex):
        lines.append(_comment(row["name"]))
        if row["error"]:
            lines.append(_comment(f"no closed form: {row['error']}"))
            continue
        body = [rf"\text{{{title}}} &= {row[key]}" for key, title in METRICS]
        body += [rf"\frac{{\text{{{title}}}}}{{\text{{first}}}} &= {row[key + '_ratio']}"
                 for key, title in METRICS if key in RATIOS]
        lines += [r"\begin{align*}", " \\\\\n".join(body), r"\end{align*}"]
        if row["assumptions"]:
            lines.append(_comment("assuming " + ", ".join(row["assumptions"])))
    return "\n".join(lines) + "\n"
