"""CSV, JSON and Markdown renderings of plain rows."""

from __future__ import annotations

import csv
import io
import json


def to_json(doc) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _cell(v):
    return "x".join(map(str, v)) if isinstance(v, list) else v


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def to_markdown(rows: list[dict], title: str = "", footer: str = "") -> str:
    if not rows:
        return ""
    cols = list(rows[0])

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.4g}"
        if isinstance(v, int) and not isinstance(v, bool):
            return f"{v:,}"
        return str(_cell(v))

    lines = [f"### {title}", ""] if title else []
    lines += ["| " + " | ".join(cols) + " |",
              "|" + "|".join("---:" if isinstance(rows[0][c], (int, float)) else "---"
                             for c in cols) + "|"]
    lines += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows]
    if footer:
        lines += ["", f"_{footer}_"]
    return "\n".join(lines) + "\n"
