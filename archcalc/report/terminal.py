"""Rich terminal tables.  A table wider than the terminal gives up its lowest-priority columns
first (``Column.drop``: FLOP/B, then shapes and spec text, then traffic and layer counts,
then op kinds and shares), then wraps names narrower; the headline totals (params, MACs,
FLOPs, peak activations) are never cut.  User text is never read as console markup."""

from __future__ import annotations

import io
from dataclasses import replace

from rich import box
from rich.console import Console
from rich.cells import cell_len
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..limits import MAX_TERMINAL_ROWS
from .document import CheckReport, Report, Section, sections
from .units import fmt

STYLE = {"block": "bold", "total": "bold"}
WRAP_MIN = 24  # a wrapping name column keeps at least this width (or its longest name)
WRAP_FLOOR = 8  # ... and on a very narrow terminal at least this


def _console(view) -> Console:
    return Console(record=True, width=view.width, file=io.StringIO(), color_system="truecolor",
                   force_terminal=view.color)


def _cell(column, row: dict) -> Text:
    text = Text(column.cell(row, exact=row.get("row") == "total"),
                style="dim" if row.get("row") == "block" and not column.numeric else "")
    if column.ratio and f"{column.key}_ratio" in row:
        text.append("\n" + fmt(row[f"{column.key}_ratio"], "ratio"), style="dim")
    return text


def _table(section: Section, columns, capped: bool = False, wrap_min: int = WRAP_MIN) -> Table:
    """The rich table; wrapping columns keep ``wrap_min`` characters (or their longest cell);
    ``capped`` holds them at that width, to measure the narrowest rendering."""
    table = Table(title=Text(section.title), caption=Text(section.caption), box=box.SIMPLE_HEAVY,
                  caption_justify="left")
    for c in columns:
        narrowest = min(max((len(c.cell(row)) for row in section.rows), default=0), wrap_min)
        table.add_column(c.header, justify="right" if c.numeric else "left",
                         no_wrap=not c.wrap, overflow="fold",
                         min_width=narrowest if c.wrap else None,
                         max_width=narrowest if c.wrap and capped else None)
    for row in section.rows:
        table.add_row(*(_cell(c, row) for c in columns), style=STYLE.get(row.get("row"), ""),
                      end_section=row.get("row") == "block")
    return table


def _widest_rows(section: Section) -> list[dict]:
    """The rows holding each column's widest cell: a table of them measures as wide as the
    whole table (a column is as wide as its widest cell), at a fraction of the cost."""
    keep = set()
    for c in section.columns:
        keep.add(max(range(len(section.rows)), default=None,
                     key=lambda i: max(map(cell_len, _cell(c, section.rows[i]).plain.split("\n")))))
    return [row for i, row in enumerate(section.rows) if i in keep]


def fit(console: Console, section: Section) -> Table:
    """The table that fits the console width: lowest-priority columns dropped first, then
    names wrapped narrower (down to :data:`WRAP_FLOOR`); numbers are never wrapped."""
    unbounded = console.options.update(max_width=10**6)
    widest = replace(section, rows=_widest_rows(section))

    def fits(columns, wrap_min) -> bool:
        capped = _table(widest, columns, capped=True, wrap_min=wrap_min)
        return Measurement.get(console, unbounded, capped).maximum <= console.width

    columns = list(section.columns)
    for level in sorted({c.drop for c in columns if c.drop}):
        if fits(columns, WRAP_MIN):
            return _table(section, columns)
        columns = [c for c in columns if c.drop != level]
    wrap_min = WRAP_MIN
    while wrap_min > WRAP_FLOOR and not fits(columns, wrap_min):
        wrap_min -= 2
    return _table(section, columns, wrap_min=wrap_min)


def _capped(section: Section) -> Section:
    """At most :data:`~archcalc.limits.MAX_TERMINAL_ROWS` rows, the cut said in the caption
    (a million-row table is for a file: every other format holds every row)."""
    rows = section.rows
    if len(rows) <= MAX_TERMINAL_ROWS:
        return section
    note = (f"first {MAX_TERMINAL_ROWS:,} of {len(rows):,} rows shown; -f csv, json or xlsx "
            "-o FILE holds every row")
    return replace(section, rows=rows[:MAX_TERMINAL_ROWS - 1] + rows[-1:],
                   caption=f"{section.caption}\n{note}" if section.caption else note)


def render(tables, view, text: str = "") -> str:
    """The tables, each fit to the width, then ``text`` (a paragraph, wrapped)."""
    console = _console(view)
    for section in tables:
        console.print(fit(console, _capped(section)))
    if text:
        console.print(Text(text))
    return console.export_text(styles=view.color)


def present_report(report: Report, view) -> str:
    return render(sections(report), view)


def present_check(doc: CheckReport, view) -> str:
    from .check import check_sections, summary_line

    console = _console(view)
    for result, section in check_sections(doc):
        if section is None:
            console.print(Text(summary_line(result)))
        else:
            console.print(fit(console, section))
    return console.export_text(styles=view.color)


def present_symbolic(doc, view) -> str:
    from .symbolic import text

    return text(doc) + "\n"


def present_hardware(doc, view) -> str:
    return render(doc.sections(), view)


def present_conventions(doc, view) -> str:
    return render(doc.sections(), view)


def present_memory(doc, view) -> str:
    return render(doc.sections(), view, doc.definition())


def present_explain(doc, view) -> str:
    return render(doc.sections(), view)


def present_sweep(doc, view) -> str:
    from .document import sweep_section

    return render([sweep_section(doc)], view)
