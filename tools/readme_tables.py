"""Regenerate the README's generated tables (`make reports`), or check them (`--check`).

Each table sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` and is the
Markdown presenter's output of an archcalc document, so the README's per-op rules and the
"Why do counters disagree?" figures come from the rule sets themselves.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _markdown(doc) -> str:
    from archcalc.report.document import View
    from archcalc.report.registry import present

    return present("markdown", doc, View()).strip()


def blocks() -> dict[str, str]:
    """``{marker name: Markdown}`` of every generated README block."""
    from archcalc import api
    from archcalc.conventions.archcalc import backward_table, per_op_table
    from archcalc.cost.saved import TABLE
    from archcalc.report.document import ConventionsReport

    per_op = "\n".join(["| op | params | MACs | FLOPs |", "|---|---|---|---|"]
                       + [f"| {' | '.join(row)} |" for row in per_op_table()])
    backward = "\n".join(["| op | backward MACs | backward FLOPs |", "|---|---|---|"]
                         + [f"| {' | '.join(row)} |" for row in backward_table()])
    saved = "\n".join(["| op | autograd saves for backward |", "|---|---|"]
                      + [f"| {op} | {says} |" for op, says in TABLE])
    disagree = "\n\n".join([
        _markdown(api.explain(["zoo:mobilenet_v2"], ["all"],
                              command="archcalc explain zoo:mobilenet_v2 --vs all")),
        _markdown(api.explain(["zoo:mobilenet_v2"], ["fvcore"])),
        _markdown(api.explain(["zoo:mobilenet_v2"], ["thop", "torch"]))])
    return {"per-op": per_op, "backward": backward, "saved": saved, "disagree": disagree,
            "conventions": _markdown(ConventionsReport()), "memory": memory_tables()}


def memory_tables() -> str:
    """`archcalc memory`'s side-by-side table, its MobileNetV2 table and its definition."""
    from archcalc.api import memory
    from archcalc.report.markdown import escape, table

    doc = memory(command="archcalc memory -f markdown")
    side, *per_candidate = doc.sections()
    v2 = per_candidate[[v.name for v in doc.views].index("mobilenet_v2")]
    return "\n".join([table(side), table(v2), escape(doc.definition())])


def _replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = text
    for name, body in blocks().items():
        new = _replace(new, name, body)
    if "--check" in argv:
        if new != text:
            print("README.md's generated tables are stale: run make reports", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
