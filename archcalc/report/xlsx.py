"""XLSX: a workbook a reviewer can work in, whose totals and ratios are live Excel formulas.

Sheets: **Summary** (context, per candidate its settings and totals, the command and version),
one **Layers** sheet per candidate (one row per op, exact integers; traffic = read + written
as a formula; a ``SUBTOTAL(9, …)`` totals row that follows the autofilter; peak activations
as ``MAX`` of the live-activation column; block subtotals below; with ``--mode train`` the
training columns too), **Compare** (totals as formulas over the Layers sheets, ratios to the
first candidate, FLOP/byte), **Training** (``--mode train``: each candidate's training step,
exact) and **Conventions**.  Every number written is archcalc's exact count; the formulas only add them
up, so editing a layer's MACs moves the Layers, Compare and Summary totals and ratios.

Compare sums the Layers columns with ``SUM`` (not the filtered ``SUBTOTAL`` row), so filtering
a Layers sheet never changes the comparison.  Block subtotals use
``SUMPRODUCT(EXACT(block column, name) * column)``: exact, case-sensitive matching that keeps
working when rows are sorted; ``SUMIF`` would match case-insensitively and read ``*``, ``?``,
``~`` and a leading ``<``/``>``/``=`` in a user's block name as patterns.

Written with openpyxl: it writes and reads back formulas, is already the tests' dependency
and is pure Python.  Imported only when the xlsx format is asked for.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname

from .. import __version__
from ..analysis import Analysis
from . import columns as C
from .document import Report, timed_columns
from .rows import sheet_value

NUMBER_FORMATS = {"count": "#,##0", "bytes": "#,##0", "int": "#,##0",
                  "ratio": '0.000"×"', "share": "0.0%", "intensity": "0.0"}
LAYER_COLUMNS = C.LONG[:11] + (C.col("bytes"),) + C.LONG[11:]
SUMMED = ("params", "macs", "flops", "bytes_read", "bytes_written", "bytes")
# The block table sits below the layers, each sum under its layer column.
BLOCK_COLUMNS = tuple({"name": C.col("block"), "block": C.col("spec")}.get(
    c.key, c if c.key in SUMMED else None) for c in LAYER_COLUMNS)
SETTINGS = tuple(C.col(k) for k in ("dtype", "batch", "memory"))
FIRST_ROW = 2                       # first data row under a header in row 1
FORBIDDEN = str.maketrans({ch: "_" for ch in "[]:*?/\\'"})
MAX_WIDTH, FORMULA_WIDTH = 48, 14   # characters
BOLD = Font(bold=True)


class Formula(str):
    """An Excel formula, written as is; all other text is neutralised."""


def _cell_value(v):
    """What openpyxl stores: formulas as formulas, shapes as ``56x56x24``, any other text
    neutralised (so it can never start a formula), numbers unchanged."""
    return str(v) if isinstance(v, Formula) else sheet_value(v)


def _letters(columns) -> dict[str, str]:
    """Column key -> sheet column letter."""
    return {c.key: get_column_letter(i) for i, c in enumerate(columns, 1)}


LAYER_AT = _letters(LAYER_COLUMNS)


def _header(ws, top: int, columns) -> None:
    for i, c in enumerate(columns, 1):
        if c is not None:
            ws.cell(top, i, c.header).font = BOLD


def _rows(ws, top: int, columns, rows: list[dict]) -> int:
    """Write ``rows`` from row ``top``, number formats by unit; returns the next free row."""
    for r, row in enumerate(rows, top):
        for i, c in enumerate(columns, 1):
            if c is not None and c.key in row:
                cell = ws.cell(r, i, _cell_value(row[c.key]))
                cell.number_format = NUMBER_FORMATS.get(c.unit, "General")
    return top + len(rows)


def _table(ws, top: int, columns, rows: list[dict]) -> str:
    """A bold header row at ``top`` and ``rows`` under it; returns the table's range."""
    _header(ws, top, columns)
    end = _rows(ws, top + 1, columns, rows)
    return f"A{top}:{get_column_letter(len(columns))}{end - 1}"


def _lines(ws, top: int, pairs) -> int:
    """Write ``(label, text)`` pairs from row ``top``; returns the next free row."""
    for r, (label, text) in enumerate(pairs, top):
        ws.cell(r, 1, _cell_value(label)).font = BOLD
        ws.cell(r, 2, _cell_value(text))
    return top + len(pairs)


def _display_width(value) -> int:
    if isinstance(value, str) and value.startswith("="):  # only formulas: text is neutralised
        return FORMULA_WIDTH
    if isinstance(value, (int, float)):
        return len(f"{value:,}")
    return max(map(len, str(value).splitlines() or [""]))


def _fit_widths(ws, min_row: int = 1) -> None:
    """Column widths from the longest content at or below ``min_row``, capped."""
    for column in ws.iter_cols(min_row=min_row):
        width = max((_display_width(c.value) for c in column if c.value is not None), default=0)
        ws.column_dimensions[column[0].column_letter].width = min(MAX_WIDTH, width + 2)


def sheet_name(index: int, name: str) -> str:
    """``L<index> <name>``: at most 31 characters, unique by index, without Excel's forbidden
    ``[]:*?/\\`` nor apostrophes (which references to the sheet would have to escape)."""
    return f"L{index} {name.translate(FORBIDDEN)}"[:31].rstrip()


def _span(key: str, last: int, sheet: str = "") -> str:
    """The absolute range of a Layers column over the layer rows, e.g. ``$H$2:$H$153``."""
    letter, prefix = LAYER_AT[key], f"{quote_sheetname(sheet)}!" if sheet else ""
    return f"{prefix}${letter}${FIRST_ROW}:${letter}${last}"


def last_row(a: Analysis) -> int:
    """The last layer row of ``a``'s Layers sheet."""
    return FIRST_ROW + len(a.records) - 1


def _layer_rows(a: Analysis) -> list[dict]:
    """archcalc's exact layer rows; traffic is the formula read + written."""
    read, written = LAYER_AT["bytes_read"], LAYER_AT["bytes_written"]
    return [{**r, "bytes": Formula(f"={read}{i}+{written}{i}")}
            for i, r in enumerate(a.layer_rows(), FIRST_ROW)]


def _totals_row(last: int) -> dict:
    """Sums that follow the autofilter (``SUBTOTAL(9, …)``) and the peak live activations."""
    return {"name": "total (live act.: peak)",
            **{k: Formula(f"=SUBTOTAL(9,{_span(k, last)})") for k in SUMMED},
            "live_activation_bytes": Formula(f"=MAX({_span('live_activation_bytes', last)})")}


def _block_rows(a: Analysis, top: int, last: int) -> list[dict]:
    """Per block from row ``top``: name, spec and exact-match sums over the layer rows."""
    blocks = _span("block", last)
    return [{"block": b["block"], "spec": b["spec"],
             **{k: Formula(f"=SUMPRODUCT(EXACT({blocks},{LAYER_AT['name']}{r})*{_span(k, last)})")
                for k in SUMMED}}
            for r, b in enumerate(a.rollup_rows("block"), top)]


def _layers_sheet(wb: Workbook, title: str, a: Analysis) -> None:
    """One candidate's layers, its totals row right below, then the block subtotals."""
    ws = wb.create_sheet(title)
    last = last_row(a)
    columns = (LAYER_COLUMNS + (C.TRAIN_LONG if a.training is not None else ())
               + timed_columns(a))
    ws.auto_filter.ref = _table(ws, 1, columns, _layer_rows(a))
    _rows(ws, last + 1, columns, [_totals_row(last)])
    for cell in ws[last + 1]:
        cell.font = BOLD
    _table(ws, last + 3, BLOCK_COLUMNS, _block_rows(a, last + 4, last))
    ws.freeze_panes = f"B{FIRST_ROW}"
    _fit_widths(ws)


def compare_columns(report: Report) -> tuple[C.Column, ...]:
    """Candidate, input, the zoo listing's text columns, then each total and its ratio."""
    listing = tuple(C.col(k) for k in (report.listing[0] if report.listing else {})
                    if k != "candidate")
    base = report.comparison.baseline
    timed = tuple(C.col(k) for k, on in (("latency_s", base.hardware),
                                         ("measured_s", base.measured)) if on is not None)
    return ((C.col("candidate"), C.col("input")) + listing
            + tuple(x for c in C.SUMMARY + timed for x in (c, C.ratio_of(c))))


def _candidate_totals(sheet: str, last: int, row: int, at: dict[str, str]) -> dict:
    """Formulas for one Compare row: sums over its Layers sheet, FLOP/byte, ratios to row 2."""
    sums = {k: Formula(f"=SUM({_span(k, last, sheet)})")
            for k in ("params", "macs", "flops", "bytes")}
    peak = Formula(f"=MAX({_span('live_activation_bytes', last, sheet)})")
    flops, traffic = f"{at['flops']}{row}", f"{at['bytes']}{row}"
    values = {**sums, "peak_activation_bytes": peak,
              "arithmetic_intensity": Formula(f'=IF({traffic}=0,"",{flops}/{traffic})')}
    ratios = {}
    for c in C.SUMMARY:
        base, cell = f"${at[c.key]}${FIRST_ROW}", f"{at[c.key]}{row}"
        ratios[f"{c.key}_ratio"] = Formula(f'=IF(OR(N({base})=0,{cell}=""),"",{cell}/{base})')
    return {**values, **ratios}


def _compare_sheet(wb: Workbook, report: Report, titles: list[str]) -> None:
    """One row per candidate with live totals and ratios over its Layers sheet."""
    ws = wb.create_sheet("Compare")
    columns = compare_columns(report)
    at = _letters(columns)
    times = [{k: v for k, v in row.items() if k.startswith(("latency_s", "measured_s"))}
             for row in report.comparison.summary_rows()]  # measured: values, not formulas
    rows = [{"candidate": a.name, "input": a.network.input_shape, **info, **timed,
             **_candidate_totals(sheet, last_row(a), r, at)}
            for r, (a, sheet, info, timed) in enumerate(
                zip(report.analyses, titles, report.listings(), times), FIRST_ROW)]
    ws.auto_filter.ref = _table(ws, 1, columns, rows)
    ws.freeze_panes = f"B{FIRST_ROW}"
    _fit_widths(ws)


def _summary_sheet(wb: Workbook, report: Report, at: dict[str, str]) -> None:
    """Title, context, command and version, then each candidate's settings and totals
    (references to the Compare sheet)."""
    ws = wb.active
    ws.title = "Summary"
    ws["A1"] = _cell_value(report.title)
    ws["A1"].font = Font(bold=True, size=14)
    prose = ([("context", report.context())]
             + ([("note", report.comparison.note)] if report.comparison.note else [])
             + [(str(k), str(v)) for k, v in report.meta]
             + [("command", report.command), ("archcalc", __version__)])
    top = _lines(ws, 2, prose) + 1
    columns = (C.col("candidate"), C.col("input")) + SETTINGS + C.SUMMARY
    rows = [{"candidate": a.name, "input": a.network.input_shape, "dtype": a.dtype,
             "batch": a.batch, "memory": a.memory,
             **{c.key: Formula(f"=Compare!{at[c.key]}{r}") for c in C.SUMMARY}}
            for r, a in enumerate(report.analyses, FIRST_ROW)]
    ws.auto_filter.ref = _table(ws, top, columns, rows)
    ws.freeze_panes = f"B{top + 1}"
    _fit_widths(ws, min_row=top)


def _training_sheet(wb: Workbook, report: Report) -> None:
    """``--mode train``: per candidate the training step's totals (exact counts) and what
    the step memory holds."""
    ws = wb.create_sheet("Training")
    top = _lines(ws, 1, [("context", report.context())]) + 1
    totals = report.comparison.baseline.training.settings.totals
    columns = (C.col("candidate"), C.col("params")) + tuple(C.col(k) for k in totals)
    _table(ws, top, columns, [{**r, "candidate": r["name"]}
                              for r in report.comparison.summary_rows()])
    _fit_widths(ws, min_row=top)


def _conventions_sheet(wb: Workbook, report: Report) -> None:
    """The counting conventions: one line per quantity, the per-op table, the footer."""
    ws = wb.create_sheet("Conventions")
    rules = report.convention.as_dict()
    per_op = rules.pop("per_op")
    labels = [(C.COLUMNS[k].header if k in C.COLUMNS else k, str(text))
              for k, text in rules.items()]
    next_row = _lines(ws, 1, labels) + 1
    _table(ws, next_row, [C.col(k) if k in C.COLUMNS else C.Column(k, k, "text")
                          for k in per_op[0]], per_op)
    _lines(ws, ws.max_row + 2, [("footer", line) for line in report.footer().splitlines()])
    _fit_widths(ws)


def present_report(report: Report, view) -> bytes:
    """The workbook as ``.xlsx`` bytes; ``report.by`` does not change it (it always holds
    layers and block subtotals)."""
    wb = Workbook()
    titles = [sheet_name(i, a.name) for i, a in enumerate(report.analyses, 1)]
    _summary_sheet(wb, report, _letters(compare_columns(report)))
    _compare_sheet(wb, report, titles)
    for title, a in zip(titles, report.analyses):
        _layers_sheet(wb, title, a)
    if report.comparison.baseline.training is not None:
        _training_sheet(wb, report)
    _conventions_sheet(wb, report)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def present_sweep(doc, view) -> bytes:
    """**Sweep**: one row per kept configuration (swept parameters, then every metric as the
    exact count) under an autofilter, the notes below; **Conventions**."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sweep"
    axes = tuple(C.Column(a.name, a.name, "number") for a in doc.result.axes)
    columns = axes + tuple(C.col(k) for k in doc.result.metrics)
    span = _table(ws, 1, columns, doc.result.rows())
    ws.auto_filter.ref = span
    ws.freeze_panes = "A2"
    _lines(ws, ws.max_row + 2, [("note", n) for n in doc.notes()] + [("command", doc.command),
                                                                     ("archcalc", __version__)])
    _fit_widths(ws)
    rules = doc.convention.as_dict()
    rules.pop("per_op")
    conv = wb.create_sheet("Conventions")
    _lines(conv, 1, [(C.COLUMNS[k].header if k in C.COLUMNS else k, str(text))
                     for k, text in rules.items()] + [("footer", doc.convention.footer)])
    _fit_widths(conv)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
