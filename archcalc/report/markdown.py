"""Markdown for PR descriptions and design docs: human headers, exact numbers with thousands
separators, ratios as ``0.529×``, a bold totals row and the conventions footnote.  Names are
escaped (Markdown markup, ``|``, newlines, HTML) so they cannot break the table or add links."""

from __future__ import annotations

import html
import re

from .document import CheckReport, Report, Section, sections
from .units import fmt


MARKUP = re.compile(r"([\\`*\[\]|~#!])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def escape(text: str) -> str:
    """Text as literal Markdown: HTML escaped, markup characters (links, images, emphasis,
    code, table pipes) backslash-escaped, line breaks as ``<br>``."""
    text = MARKUP.sub(lambda m: "\\" + m.group(0), html.escape(text, quote=False))
    return text.replace("\r", "").replace("\n", "<br>")


def _cell(column, row: dict) -> str:
    text = escape(column.cell(row, exact=True))
    if column.ratio and f"{column.key}_ratio" in row:
        text += f" ({fmt(row[f'{column.key}_ratio'], 'ratio')})"
    return f"**{text}**" if row.get("row") == "total" and text else text


def table(section: Section) -> str:
    cols = section.columns
    lines = [f"### {escape(section.title)}", "",
             "| " + " | ".join(escape(c.title(exact=True)) for c in cols) + " |",
             "|" + "|".join("---:" if c.numeric else "---" for c in cols) + "|"]
    lines += ["| " + " | ".join(_cell(c, row) for c in cols) + " |" for row in section.rows]
    if section.caption:
        lines += ["", escape(section.caption)]
    return "\n".join(lines) + "\n"


def present_report(report: Report, view) -> str:
    body = "\n".join(table(s) for s in sections(report))
    return f"{body}\n{escape(report.footer())}\n"


def present_check(doc: CheckReport, view) -> str:
    from .check import check_sections, summary_line

    return "\n".join(table(s) if s else escape(summary_line(r)) + "\n"
                     for r, s in check_sections(doc))


def present_symbolic(doc, view) -> str:
    """One table per candidate, each form as LaTeX math (``$…$``) for papers and PRs."""
    from .symbolic import METRICS, RATIOS, latex, rows

    lines = ["### Closed forms" + (f" ({escape(doc.setting)})" if doc.setting else ""), "",
             "; ".join(f"${latex_symbol}$: {escape(m)}" for latex_symbol, m in doc.symbols), ""]
    for row in rows(doc, latex):
        lines += [f"#### {escape(row['name'])}", ""]
        if row["error"]:
            lines += [f"No closed form: {escape(row['error'])}", ""]
            continue
        lines += ["| quantity | closed form | ratio to the first |", "|---|---|---|"]
        lines += [f"| {title} | ${row[key]}$ | "
                  + (f"${row[key + '_ratio']}$" if key in RATIOS else "") + " |"
                  for key, title in METRICS]
        if row["assumptions"]:
            lines += ["", "Assuming " + ", ".join(f"${a}$" for a in row["assumptions"])
                      + " (the structure differs otherwise)."]
        lines.append("")
    return "\n".join(lines)


def present_hardware(doc, view) -> str:
    return "\n".join(table(s) for s in doc.sections())


def present_conventions(doc, view) -> str:
    return "\n".join(table(s) for s in doc.sections())


def present_memory(doc, view) -> str:
    body = "\n".join(table(s) for s in doc.sections())
    return f"{body}\n{escape(doc.definition())}\n\n{escape(doc.footer())}\n"


def present_explain(doc, view) -> str:
    return "\n".join(table(s) for s in doc.sections())


def present_sweep(doc, view) -> str:
    from .document import sweep_section

    return table(sweep_section(doc))
