"""One self-contained, offline HTML review report with plotly charts.

The page holds plain HTML tables (readable with JavaScript off) and plotly figures built with
``plotly.graph_objects`` and drawn by the page itself with ``Plotly.newPlot``.  Every number
comes from :mod:`archcalc.analysis` and every number shown as text goes through
:func:`archcalc.report.units.fmt`; nothing here computes a cost, a sum, a share or a ratio.

Offline by construction:

* plotly.js is embedded once, gzip-compressed and base64-encoded (1.9 MB instead of 4.8 MB),
  and unpacked by the browser's ``DecompressionStream``; with ``--plotly-js NAME`` the page
  loads the shared copy ``NAME`` beside it instead (a relative ``<script src>``).
* a Content-Security-Policy forbids every fetch (``connect-src``, ``font-src``, remote
  scripts and images), and the page lists any blocked request, script error or
  ``console.error`` in a visible ``#archcalc-errors`` box, so a broken report says so.

Escaping: user text (spec, block and layer names, block spec text) is HTML-escaped in the
markup; inside the figures' JSON it is HTML-escaped too (plotly reads labels as a small HTML
dialect) and the JSON has ``<``, ``>`` and ``&`` written as ``\\u003c``, ``\\u003e``,
``\\u0026``, so no name can end the ``<script>`` element that carries it.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import math
from dataclasses import replace
from functools import lru_cache

from .. import __version__
from ..conventions import get as get_convention
from ..analysis import Analysis
from . import columns as C
from .document import Report, Section, analysis_section, step_memory_section, summary_section
from .units import fmt

PLOT_CONFIG = {"responsive": True, "displaylogo": False}
CANDIDATE_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2",
                    "#eeca3b", "#9d755d", "#ff9da6", "#bab0ac")
CATEGORY_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a",
                   "#637939", "#8c6d31", "#7b4173", "#3182bd")
DASHES = ("solid", "dash", "dot", "dashdot")  # overlapping profiles stay visible
# The totals chart: (row field, subplot title); the unit comes from the column definition.
METRICS = (("params", "Params"), ("macs", "MACs"), ("flops", "FLOPs"),
           ("bytes", "Memory traffic"), ("peak_activation_bytes", "Peak activations"))
CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline' file:; "
       "style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'; font-src 'none'; "
       "base-uri 'none'; form-action 'none'")


def plotly_js() -> str:
    """The plotly.js source of the installed plotly package (for a shared copy)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@lru_cache(maxsize=1)
def _packed_plotly_js() -> str:
    """plotly.js gzip-compressed (deterministically: no timestamp) and base64-encoded."""
    return base64.b64encode(gzip.compress(plotly_js().encode("utf-8"), 6, mtime=0)).decode()


# ---------------------------------------------------------------- text and escaping

def esc(text) -> str:
    """User text for HTML markup and attributes."""
    return html.escape(str(text), quote=True)


def _label(text) -> str:
    """User text for a plotly label: plotly reads ``<b>``, ``<br>`` ... in labels, and
    decodes ``&lt;`` ``&gt;`` ``&amp;``, so escaped text shows literally."""
    return html.escape(str(text), quote=False)


def script_json(data) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>``, ``&`` and the JS line separators
    are ``\\u`` escapes, so no string in it can close the element."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _exact(value, unit: str) -> str:
    """``3,913,728 B (3.73 MiB)`` / ``568,740,352 (569 M)``: exact, then scaled."""
    exact = fmt(value, unit, exact=True) + (" B" if unit == "bytes" else "")
    scaled = fmt(value, unit)
    return exact if scaled.replace(" B", "") == fmt(value, unit, exact=True) else f"{exact} ({scaled})"


def _tick_label(value, unit: str) -> str:
    """An axis label through the one formatter, without trailing zeros (``2.50 M`` -> ``2.5 M``)."""
    number, space, suffix = fmt(value, unit).partition(" ")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number + space + suffix


def axis_ticks(top, unit: str) -> dict:
    """Linear axis from 0 to ``top`` with ticks at 1-2-2.5-5 steps of the unit's scale
    (decimal for counts, binary for bytes) labelled by :func:`fmt`."""
    if unit == "share":
        return {"range": [0, 1], "tickformat": ".0%"}
    if not top or top <= 0:
        return {"range": [0, 1], "tickvals": [0], "ticktext": ["0"]}
    base = 1024 if unit == "bytes" else 1000
    scale = 1
    while top >= scale * base:
        scale *= base
    raw = top / scale / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw) * scale
    step = max(step, 1)
    count = math.ceil(top / step - 1e-9)
    values = [i * step for i in range(count + 1)]
    values = [int(v) if float(v).is_integer() else v for v in values]
    return {"range": [0, values[-1] * 1.02], "tickvals": values,
            "ticktext": [_tick_label(v, unit) for v in values]}


def _round(value, digits: int = 6):
    return None if value is None else round(value, digits)


# ---------------------------------------------------------------- figures

def _figure_json(fig, fig_id: str, height: int) -> dict:
    """A figure as the page draws it (the template is shipped once, not per figure)."""
    data = fig.to_plotly_json()
    layout = data["layout"]
    layout.pop("template", None)
    layout["height"] = height
    return {"id": fig_id, "data": data["data"], "layout": layout}


def _base_layout(title: str, **extra) -> dict:
    return dict(title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
                margin={"l": 70, "r": 20, "t": 90, "b": 60}, hoverlabel={"align": "left"},
                legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "x": 0,
                        "xanchor": "left"},
                **extra)


def totals_figure(report: Report) -> dict:
    """Grouped bars: one subplot per metric, one bar per candidate (legend colours)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = report.comparison.summary_rows()
    fig = make_subplots(rows=1, cols=len(METRICS), horizontal_spacing=0.075,
                        subplot_titles=[f"{title} ({_unit_name(key)})" for key, title in METRICS])
    for i, (key, title) in enumerate(METRICS, start=1):
        unit = C.col(key).unit
        for j, row in enumerate(rows):
            fig.add_trace(go.Bar(
                x=[title], y=[row[key]], name=_label(row["name"]), legendgroup=str(j),
                showlegend=i == 1, marker_color=CANDIDATE_COLORS[j % len(CANDIDATE_COLORS)],
                offsetgroup=str(j),
                customdata=[f"<b>{_label(row['name'])}</b><br>{title}: {_exact(row[key], unit)}"
                            + (f"<br>{fmt(row[key + '_ratio'], 'ratio')} of "
                               f"{_label(rows[0]['name'])}" if len(rows) > 1 else "")],
                hovertemplate="%{customdata}<extra></extra>"), row=1, col=i)
        fig.update_yaxes(axis_ticks(max(r[key] for r in rows), unit), row=1, col=i)
        fig.update_xaxes(showticklabels=False, row=1, col=i)
    legend_rows = 1 + (len(rows) - 1) // 5
    fig.update_layout(_base_layout("Totals per candidate", barmode="group", bargap=0.15),
                      legend={"x": 0, "xanchor": "left", "y": -0.03, "yanchor": "top"},
                      margin={"t": 80, "b": 20 + 24 * legend_rows})
    fig.update_annotations(font_size=13)
    return _figure_json(fig, "fig-totals", 360 + 24 * legend_rows)


def _unit_name(key: str) -> str:
    return "bytes" if C.col(key).unit == "bytes" else "count"


def _category_colors(analyses) -> dict:
    """One colour per op category, in order of first appearance across the candidates."""
    colors: dict[str, str] = {}
    for a in analyses:
        for r in a.records:
            colors.setdefault(r.category, CATEGORY_COLORS[len(colors) % len(CATEGORY_COLORS)])
    return colors


def candidate_labels(analyses) -> list[str]:
    """Candidate names as chart categories, numbered when two candidates share a name (so
    their bars stay apart)."""
    names = [_label(a.name) for a in analyses]
    if len(set(names)) == len(names):
        return names
    return [f"{i}. {name}" for i, name in enumerate(names, start=1)]


def op_kind_figure(report: Report, colors: dict) -> dict:
    """The MobileNetV1 Table 2 view: shares of MACs and params by op kind, one stacked bar
    per candidate."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    analyses = report.analyses
    names = candidate_labels(analyses)
    by_op = [{r["category"]: r for r in a.rollup_rows("op")} for a in analyses]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=["Share of MACs", "Share of params"])
    for category, color in colors.items():
        for col, (key, what) in enumerate((("macs", "MACs"), ("params", "params")), start=1):
            points = [(name, rows[category]) for name, rows in zip(names, by_op)
                      if category in rows]
            fig.add_trace(go.Bar(
                orientation="h", y=[n for n, _ in points],
                x=[_round(r[f"{key}_share"]) for _, r in points],
                name=_label(category), legendgroup=category, showlegend=col == 1,
                marker_color=color,
                customdata=[f"<b>{n}</b><br>{_label(category)} ({fmt(r['layers'], 'int')} "
                            f"layers)<br>{fmt(r[f'{key}_share'], 'share')} of {what}: "
                            f"{_exact(r[key], 'count')}" for n, r in points],
                hovertemplate="%{customdata}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(axis_ticks(1, "share"))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names,
                     automargin=True)
    fig.update_layout(_base_layout("Where MACs and params go, by op kind (MobileNetV1 Table 2 view)",
                                   barmode="stack", bargap=0.3))
    fig.update_layout(legend={"y": -0.1, "yanchor": "top", "x": 0, "orientation": "h",
                              "title": {"text": C.col("category").header + " "}},
                      margin={"t": 70, "r": 10, "b": 40})
    legend_rows = 1 + len(colors) // 7
    return _figure_json(fig, "fig-op-kinds", 180 + 60 * len(analyses) + 26 * legend_rows)


def block_figure(a: Analysis, index: int, colors: dict) -> dict:
    """MACs and params per block along the network, each block's bar stacked from its
    layers and coloured by op kind (hover: the layer and its exact count)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    spec_of = {b.name: b.text for b in a.network.blocks}
    order = [_label(b.name) for b in a.network.blocks]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=["MACs per block", "Params per block"])
    rows = a.layer_rows()
    for category, color in colors.items():
        layers = [r for r in rows if r["category"] == category]
        for row_no, key in ((1, "macs"), (2, "params")):
            points = [r for r in layers if r[key]]
            if not points:
                continue
            fig.add_trace(go.Bar(
                x=[_label(r["block"]) for r in points], y=[r[key] for r in points],
                name=_label(category), legendgroup=category, marker_color=color,
                showlegend=not any(t.legendgroup == category for t in fig.data),
                customdata=[f"<b>{_label(r['name'])}</b> ({_label(category)})<br>"
                            f"block {_label(r['block'])}: {_label(spec_of.get(r['block'], ''))}"
                            f"<br>{C.col(key).header}: {_exact(r[key], 'count')}"
                            for r in points],
                hovertemplate="%{customdata}<extra></extra>"), row=row_no, col=1)
    for row_no, key in ((1, "macs"), (2, "params")):
        top = max((r[key] for r in a.rollup_rows("block")), default=0)
        fig.update_yaxes(axis_ticks(top, "count"), row=row_no, col=1,
                         title_text="MACs" if key == "macs" else "params")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order,
                     tickangle=-45 if len(order) > 8 else 0, automargin=True)
    fig.update_xaxes(title_text="block (network order)", row=2, col=1)
    fig.update_layout(_base_layout(f"{_label(a.name)}: MACs and params per block, by op kind",
                                   barmode="stack", bargap=0.2))
    fig.update_layout(legend={"y": 1.0, "yanchor": "top", "x": 1.01, "orientation": "v",
                              "title": {"text": C.col("category").header}},
                      margin={"t": 70, "r": 10})
    return _figure_json(fig, f"fig-blocks-{index}", 560)


def activation_figure(report: Report) -> dict:
    """Activation bytes live while each op runs, along the network; the peak is marked."""
    import plotly.graph_objects as go

    fig = go.Figure()
    top = 0
    for j, a in enumerate(report.analyses):
        rows = a.layer_rows()
        color = CANDIDATE_COLORS[j % len(CANDIDATE_COLORS)]
        name = _label(a.name)
        fig.add_trace(go.Scatter(
            x=list(range(len(rows))), y=[r["live_activation_bytes"] for r in rows],
            mode="lines" if len(rows) > 60 else "lines+markers", marker={"size": 5},
            line={"shape": "hvh", "width": 2, "color": color, "dash": DASHES[j % len(DASHES)]},
            name=name,
            legendgroup=str(j),
            customdata=[f"<b>{name}</b> #{i} {_label(r['name'])} ({_label(r['category'])}, "
                        f"{r['out_shape']})<br>live: {_exact(r['live_activation_bytes'], 'bytes')}"
                        for i, r in enumerate(rows)],
            hovertemplate="%{customdata}<extra></extra>"))
        peak = next((i for i, r in enumerate(rows) if r["name"] == a.peak_at), None)
        if peak is not None:
            fig.add_trace(go.Scatter(
                x=[peak], y=[a.totals.peak_activation_bytes], mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": color,
                        "line": {"width": 1, "color": "#333"}},
                name=f"peak of {name}", legendgroup=str(j), showlegend=False,
                customdata=[f"<b>{name}</b> peak activations at {_label(a.peak_at)}<br>"
                            f"{_exact(a.totals.peak_activation_bytes, 'bytes')}"],
                hovertemplate="%{customdata}<extra></extra>"))
        top = max(top, a.totals.peak_activation_bytes,
                  max((r["live_activation_bytes"] for r in rows), default=0))
    fig.update_yaxes(axis_ticks(top, "bytes"), title_text=f"live activations ({report.analyses[0].dtype}, bytes)")
    fig.update_xaxes(title_text="layer index (execution order); hover for the layer", rangemode="tozero")
    fig.update_layout(_base_layout("Activation memory along the network (◆ = peak)",
                                   hovermode="closest"))
    return _figure_json(fig, "fig-activations", 440)


def training_figure(report: Report) -> dict:
    """What the forward pass holds for the backward pass once each op has run (solid), and
    the activation memory while each op runs backward (dotted), along the network."""
    import plotly.graph_objects as go

    fig = go.Figure()
    top = 0
    for j, a in enumerate(report.analyses):
        rows = a.layer_rows()
        color = CANDIDATE_COLORS[j % len(CANDIDATE_COLORS)]
        name = _label(a.name)
        for key, what, dash in (("held_bytes", "held for backward", "solid"),
                                ("backward_activation_bytes", "in backward", "dot")):
            fig.add_trace(go.Scatter(
                x=list(range(len(rows))), y=[r[key] for r in rows],
                mode="lines" if len(rows) > 60 else "lines+markers", marker={"size": 4},
                line={"shape": "hv", "width": 2, "color": color, "dash": dash},
                name=f"{name}: {what}", legendgroup=str(j),
                customdata=[f"<b>{name}</b> #{i} {_label(r['name'])} ({_label(r['category'])})"
                            f"<br>saves {_exact(r['saved_bytes'], 'bytes')}<br>{what}: "
                            f"{_exact(r[key], 'bytes')}" for i, r in enumerate(rows)],
                hovertemplate="%{customdata}<extra></extra>"))
            top = max(top, max((r[key] for r in rows), default=0))
    fig.update_yaxes(axis_ticks(top, "bytes"),
                     title_text=f"activations ({report.analyses[0].dtype}, bytes)")
    fig.update_xaxes(title_text="layer index (execution order); hover for the layer",
                     rangemode="tozero")
    fig.update_layout(_base_layout("Saved activations along the network, and the backward "
                                   "pass's activation memory", hovermode="closest"))
    rows = 1 + (2 * len(report.analyses) - 1) // 4
    fig.update_layout(legend={"y": -0.16, "yanchor": "top", "x": 0},
                      margin={"t": 60, "b": 90 + 22 * rows})
    return _figure_json(fig, "fig-training", 460 + 22 * rows)


# Inside the plot's empty lower-right corner (log-log charts whose points run diagonally).
CORNER_LEGEND = {"orientation": "v", "x": 0.99, "xanchor": "right", "y": 0.02,
                 "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"}


def roofline_figure(a: Analysis, colors: dict) -> dict:
    """The roofline of ``a``'s hardware: one point per layer (arithmetic intensity, FLOP/s it
    attains), coloured by op kind, under the memory and compute roofs (log-log)."""
    import plotly.graph_objects as go

    hw, fig = a.hardware, go.Figure()
    rows = [r for r in a.layer_rows() if r["flops"] and r["bytes"]]
    xs = [r["arithmetic_intensity"] for r in rows]
    lo, hi = min(xs + [hw.ridge[a.dtype]]) / 2, max(xs + [hw.ridge[a.dtype]]) * 2
    roof = [lo, hw.ridge[a.dtype], hi]
    fig.add_trace(go.Scatter(x=roof, y=[hw.roof(a.dtype, x) for x in roof], mode="lines",
                             line={"color": "#333", "width": 2}, name=f"{hw.title} roof",
                             hoverinfo="skip"))
    for category in dict.fromkeys(r["category"] for r in rows):
        group = [r for r in rows if r["category"] == category]
        fig.add_trace(go.Scatter(
            x=[r["arithmetic_intensity"] for r in group],
            y=[r["attainable_flops"] for r in group], mode="markers", name=_label(category),
            marker={"size": 8, "color": colors.get(category), "line": {"width": 0.5,
                                                                       "color": "#333"}},
            customdata=[f"<b>{_label(r['name'])}</b> ({_label(category)})<br>"
                        f"{r['arithmetic_intensity']:.2f} FLOP/B, {r['bound']}-bound<br>"
                        f"{fmt(r['latency_s'], 'seconds')}" for r in group],
            hovertemplate="%{customdata}<extra></extra>"))
    fig.update_layout(**_base_layout(f"{_label(a.name)} on {hw.title} ({a.dtype})"),
                      xaxis={"type": "log", "title": "arithmetic intensity (FLOP/byte)"},
                      yaxis={"type": "log", "title": "attainable FLOP/s"})
    fig.update_layout(legend=CORNER_LEGEND)
    return _figure_json(fig, "fig-roofline", 600)


def figures(report: Report) -> list[dict]:
    colors = _category_colors(report.analyses)
    out = [totals_figure(report), op_kind_figure(report, colors)]
    out += [block_figure(a, i, colors) for i, a in enumerate(report.analyses)
            if len(a.network.blocks) > 1]
    out.append(activation_figure(report))
    if report.comparison.baseline.training is not None:
        out.append(training_figure(report))
    if report.comparison.baseline.hardware is not None:
        out.append(roofline_figure(report.comparison.baseline, colors))
    timed = report.comparison.baseline.prediction_error()
    if timed is not None and timed["layers"]:
        out.append(measured_figure(report.comparison.baseline, colors))
    return out


def measured_figure(a: Analysis, colors: dict) -> dict:
    """Each layer's measured time against the roofline's prediction (log-log), coloured by
    op kind, on the line where they agree."""
    import plotly.graph_objects as go

    rows = [r for r in a.layer_rows() if r.get("measured_s") and r["latency_s"]]
    ends = [min(min(r["latency_s"], r["measured_s"]) for r in rows) / 1.5,
            max(max(r["latency_s"], r["measured_s"]) for r in rows) * 1.5]
    fig = go.Figure(go.Scatter(x=ends, y=ends, mode="lines", name="prediction = measurement",
                               line={"color": "#333", "width": 1, "dash": "dot"},
                               hoverinfo="skip"))
    for category in dict.fromkeys(r["category"] for r in rows):
        group = [r for r in rows if r["category"] == category]
        fig.add_trace(go.Scatter(
            x=[r["latency_s"] for r in group], y=[r["measured_s"] for r in group],
            mode="markers", name=_label(category),
            marker={"size": 8, "color": colors.get(category), "line": {"width": 0.5,
                                                                       "color": "#333"}},
            customdata=[f"<b>{_label(r['name'])}</b> ({_label(category)})<br>predicted "
                        f"{fmt(r['latency_s'], 'seconds')}, measured "
                        f"{fmt(r['measured_s'], 'seconds')} ({fmt(r['error'], 'error')})"
                        for r in group],
            hovertemplate="%{customdata}<extra></extra>"))
    fig.update_layout(**_base_layout(f"{_label(a.name)}: measured vs predicted, per layer"),
                      xaxis={"type": "log", "title": "predicted (s)"},
                      yaxis={"type": "log", "title": f"measured (s), {a.measured.describe()}"})
    fig.update_layout(legend=CORNER_LEGEND)
    return _figure_json(fig, "fig-measured", 560)


def _template() -> dict:
    import plotly.io as pio

    template = pio.templates["plotly_white"].to_plotly_json()
    template["layout"]["font"] = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, "
                                            "'Helvetica Neue', Arial, sans-serif",
                                  "color": "#222", "size": 12}
    return template


# ---------------------------------------------------------------- tables and sections

def _cell(column: C.Column, row: dict) -> str:
    text = esc(column.cell(row, exact=True))
    if column.ratio and f"{column.key}_ratio" in row:
        text += f' <span class="ratio">{esc(fmt(row[f"{column.key}_ratio"], "ratio"))}</span>'
    return text


def table(section: Section, heading: str = "h3", title: bool = True) -> str:
    """A section as a plain HTML table (numbers right-aligned; block and total rows marked)."""
    cols = section.columns
    head = "".join(f'<th{" class=num" if c.numeric else ""} scope=col>{esc(c.header)}</th>'
                   for c in cols)
    body = "\n".join(
        f'<tr class="{esc(row.get("row", ""))}">'
        + "".join(f'<td{" class=num" if c.numeric else ""}>{_cell(c, row)}</td>' for c in cols)
        + "</tr>" for row in section.rows)
    caption = "".join(f"<p class=caption>{esc(line)}</p>"
                      for line in section.caption.splitlines() if line)
    top = f"<{heading}>{esc(section.title)}</{heading}>" if title else ""
    return (f"{top}<div class=scroll><table><thead><tr>{head}</tr></thead>"
            f"<tbody>\n{body}\n</tbody></table></div>{caption}")


def _summary(report: Report) -> str:
    section = summary_section(report)
    if len(report.analyses) == 1:
        section = replace(section, columns=tuple(replace(c, ratio=False) for c in section.columns))
    caption = "\n".join(line for line in section.caption.splitlines()
                        if line != report.context())  # the header shows the context
    return table(replace(section, caption=caption), title=False)


def _candidate_details(report: Report) -> str:
    single = len(report.analyses) == 1
    parts = []
    for a in report.analyses:
        layers = analysis_section(a, "layer")
        by_op = analysis_section(a, "op")
        parts.append(
            f"<details{' open' if single else ''}><summary>{esc(a.name)}: "
            f"{esc(a.network.input_shape)} → {esc(a.network.output_shape)} · "
            f"{_count(len(a.records), 'layer')} · {_count(len(a.network.blocks), 'block')}"
            f"</summary>"
            + (f"<p class=caption>{esc(a.description)}</p>" if a.description else "")
            + table(by_op, "h4") + table(layers, "h4") + "</details>")
    return "\n".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{fmt(n, 'int')} {noun}{'' if n == 1 else 's'}"


def _formula(expr) -> str:
    """A SymPy expression as readable HTML: ``D_k**2*M`` -> D<sub>k</sub><sup>2</sup>·M."""
    import re

    text = esc(str(expr))
    text = re.sub(r"\b([A-Za-z](?:_[A-Za-z0-9]+)?)\*\*\(-(\d+)\)", r"1/\1**\2", text)
    text = re.sub(r"\*\*\((-?\d+)\)", lambda m: f"<sup>{m.group(1).replace('-', '−')}</sup>", text)
    text = re.sub(r"\*\*(\d+)", r"<sup>\1</sup>", text)
    text = re.sub(r"\b([A-Za-z])_([A-Za-z0-9]+)", r"\1<sub>\2</sub>", text)
    return text.replace("*", "·").replace(" + ", " + ")


def closed_forms_html(report: Report) -> str:
    """The closed forms of the compared block kinds among standard conv, depthwise-separable
    and inverted residual (all three, as a reference, when none is compared), from
    archcalc's own cost rules (SymPy, imported here only)."""
    from ..api import closed_forms

    reference = closed_forms()
    forms = [replace(f, name=f.name.split("(")[0]) for f in reference.forms]
    kinds = {b.kind for a in report.analyses for b in a.network.blocks}
    compared = [f for f in forms if f.name in kinds]
    which = ("the compared block kinds" if compared else
             "the reference blocks (none of the candidates uses them)")
    rows = "\n".join(f"<tr><th scope=row>{esc(f.name)}</th>"
                     f"<td class=math>{_formula(f.totals['params'])}</td>"
                     f"<td class=math>{_formula(f.totals['macs'])}</td>"
                     f"<td class=math>{_formula(f.ratios['macs'])}</td></tr>"
                     for f in compared or forms)
    symbols = " · ".join(f"<span class=math>{_formula(k)}</span> {esc(v)}"
                         for k, v in reference.symbols)
    return (f"<p>Closed forms of {which}, derived by SymPy from archcalc's own block "
            "expansions and cost rules (weights only, no BN or activations; stride 1, same "
            f"padding), so they cannot drift from the numbers above.</p><p class=caption>{symbols}</p>"
            "<div class=scroll><table class=forms><thead><tr><th scope=col>block</th>"
            "<th scope=col>params</th><th scope=col>MACs</th><th scope=col>MACs / standard conv"
            f"</th></tr></thead><tbody>\n{rows}\n</tbody></table></div>")


def _footer(command: str, convention=None) -> str:
    """The counting convention (archcalc's own unless given): its summary, per-op rules and
    the producing command."""
    convention = convention or get_convention()
    rules = convention.as_dict()
    per_op = rules.pop("per_op")
    summary = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rules.items())
    head = "".join(f"<th scope=col>{esc(C.COLUMNS[k].header if k in C.COLUMNS else k)}</th>"
                   for k in per_op[0])
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row.values()) + "</tr>"
                   for row in per_op)
    command = (f"<p>Produced by <code class=command>{esc(command)}</code></p>"
               if command else "")
    return (f"<footer><h2 id=conventions>Counting conventions</h2>"
            f"<p>{esc(convention.footer)}</p><dl>{summary}</dl>"
            "<details><summary>Per-op rules</summary><div class=scroll><table><thead><tr>"
            f"{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
            f"<p>archcalc {esc(__version__)}</p>{command}</footer>")


# ---------------------------------------------------------------- page

STYLE = """
:root{color-scheme:light;--muted:#5b6570;--line:#d8dde3;--band:#f5f7f9}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:#1d2329;margin:0;background:#fff}
main,header,footer{max-width:1240px;margin:0 auto;padding:0 24px}
header{padding-top:20px}h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}h3,h4{font-size:15px;margin:16px 0 6px}
.context,.caption{color:var(--muted);margin:4px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:6px 0}
th,td{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;
white-space:nowrap}
thead th{background:var(--band);border-bottom:2px solid var(--line)}
.num{text-align:right}.ratio{color:var(--muted);font-size:12px}
tr.block td{background:var(--band);font-style:italic}tr.total td{font-weight:600;
border-top:2px solid #9aa4ae}
.plot{min-height:300px;margin:8px 0 18px}
details{margin:8px 0;border:1px solid var(--line);border-radius:6px;padding:4px 12px}
summary{cursor:pointer;font-weight:600;padding:4px 0}
.math{font-family:"STIX Two Math","Cambria Math","Latin Modern Math",Georgia,serif;
font-size:15px}
table.forms td{white-space:normal}
#archcalc-errors{background:#fff4f2;border:1px solid #e4a093;color:#8a1c0b;padding:8px 12px;
white-space:pre-wrap;max-width:1190px;margin:12px auto}
#archcalc-errors::before{content:"This page reported problems (charts may be missing; the tables are complete):\\A";
font-weight:600}
footer{color:var(--muted);padding-bottom:32px}footer dt{font-weight:600;color:#1d2329}
footer dd{margin:0 0 6px 18px}code.command{color:#1d2329;background:var(--band);padding:1px 4px;
white-space:pre-wrap;word-break:break-all}
"""

# First script of the page: lists script errors, console.error calls, failed resources and
# requests the Content-Security-Policy blocked in #archcalc-errors (shown when not empty).
RECORDER = """
(function(){
  var lines=[];
  function note(msg){
    lines.push(String(msg));
    var box=document.getElementById("archcalc-errors");
    if(box){box.textContent=lines.join("\\n");box.hidden=false;}
  }
  window.archcalcNote=note;
  window.addEventListener("error",function(e){
    if(e instanceof ErrorEvent){note("error: "+e.message+(e.filename?" ("+e.filename+":"+e.lineno+")":""));}
    else if(e.target&&(e.target.src||e.target.href)){note("failed to load "+(e.target.src||e.target.href));}
  },true);
  window.addEventListener("unhandledrejection",function(e){note("error: "+(e.reason&&e.reason.message||e.reason));});
  document.addEventListener("securitypolicyviolation",function(e){
    note("blocked request ("+e.violatedDirective+"): "+e.blockedURI);
  });
  var original=console.error;
  console.error=function(){
    note("console.error: "+Array.prototype.map.call(arguments,String).join(" "));
    return original.apply(console,arguments);
  };
})();
"""

# Last script: unpack plotly.js if it is embedded, then draw every figure.
RENDER = """
(function(){
  var spec=JSON.parse(document.getElementById("archcalc-figures").textContent);
  function loadPlotly(){
    if(window.Plotly){return Promise.resolve();}
    var packed=document.getElementById("archcalc-plotly-gz");
    if(!packed){return Promise.reject(new Error("plotly.js did not load: is the shared copy beside the report?"));}
    if(typeof DecompressionStream==="undefined"){
      return Promise.reject(new Error("this browser cannot unpack the embedded plotly.js (no DecompressionStream); the tables are complete"));}
    var text=atob(packed.textContent.replace(/\\s+/g,""));
    packed.remove();
    var bytes=new Uint8Array(text.length);
    for(var i=0;i<text.length;i++){bytes[i]=text.charCodeAt(i);}
    var stream=new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function(source){
      var script=document.createElement("script");
      script.text=source;
      document.head.appendChild(script);
      script.remove();
    });
  }
  loadPlotly().then(function(){
    var config=spec.config;
    return Promise.all(spec.figures.map(function(f){
      f.layout.template=spec.template;
      return Plotly.newPlot(f.id,f.data,f.layout,config);
    }));
  }).then(function(){
    document.body.setAttribute("data-rendered",String(spec.figures.length));
  }).catch(function(e){
    document.body.setAttribute("data-rendered","failed");
    window.archcalcNote("charts not drawn: "+(e&&e.message||e));
  });
})();
"""


def _plot(fig: dict) -> str:
    return f'<div class=plot id="{esc(fig["id"])}"></div>'


def _page(title: str, context: list[str], sections: list[str], figs: list[dict], footer: str,
          view) -> str:
    """A self-contained page: header, sections, footer, the figures' data and plotly.js
    (embedded, or a shared copy beside the page), under a CSP that forbids every request."""
    if view.plotlyjs == "embed":
        plotly = (f'<script type="application/gzip;base64" id="archcalc-plotly-gz">'
                  f"{_packed_plotly_js()}</script>")
    else:
        plotly = f'<script src="{esc(view.plotlyjs)}"></script>'
    payload = {"config": PLOT_CONFIG, "template": _template(), "figures": figs}
    body = [
        f"<header><h1>{esc(title)}</h1>"
        + "".join(f"<p class=context>{esc(line)}</p>" for line in context) + "</header>",
        '<pre id="archcalc-errors" hidden></pre>',
        "<noscript><p class=context>The charts need JavaScript; every number is in the "
        "tables.</p></noscript>",
        "<main>", *sections, "</main>",
        footer,
        f'<script type="application/json" id="archcalc-figures">{script_json(payload)}</script>',
        plotly,
        f"<script>{RENDER}</script>",
    ]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="archcalc {esc(__version__)}">'
            f"<title>{esc(title)}: {esc(context[0] if context else '')}</title>"
            f"<style>{STYLE}</style><script>{RECORDER}</script></head>\n<body>\n"
            + "\n".join(part for part in body if part) + "\n</body></html>\n")


def present_report(report: Report, view) -> str:
    """The whole page as one string."""
    figs = figures(report)
    by_id = {f["id"]: f for f in figs}
    blocks = [f for f in figs if f["id"].startswith("fig-blocks-")]
    ratios = len(report.analyses) > 1 and not report.listing
    sections = [
        f"<section id=summary><h2>Summary{' (ratios to the first candidate)' if ratios else ''}"
        f"</h2>{_summary(report)}</section>",
        f"<section id=totals><h2>Totals</h2>{_plot(by_id['fig-totals'])}</section>",
        "<section id=op-kinds><h2>Where the cost goes, by op kind</h2>"
        "<p class=caption>Each bar is one candidate; segments are op kinds (the view of "
        "MobileNetV1's Table 2). The numbers are in each candidate's “by op” table below.</p>"
        f"{_plot(by_id['fig-op-kinds'])}</section>",
        ("<section id=blocks><h2>Along the network, per block</h2><p class=caption>Each block's "
         "bar is stacked from its layers, coloured by op kind; hover a segment for the layer."
         "</p>" + "".join(_plot(f) for f in blocks) + "</section>") if blocks else "",
        "<section id=activations><h2>Activation memory profile</h2><p class=caption>Bytes of "
        "activations live while each op runs (its inputs, its output and tensors held for a "
        f"later add or concat), in execution order.</p>{_plot(by_id['fig-activations'])}"
        "</section>",
        ("<section id=training><h2>Training step</h2><p class=caption>Solid: the bytes the "
         "forward pass holds for the backward pass once each op has run (each storage once; "
         "with checkpointing, the blocks' inputs). Dotted: activation memory while each op runs "
         "backward (saved tensors not yet released and activation gradients).</p>"
         f"{_plot(by_id['fig-training'])}{table(step_memory_section(report), title=False)}"
         "</section>") if "fig-training" in by_id else "",
        ("<section id=roofline><h2>Roofline</h2><p class=caption>Each layer of the first "
         "candidate at its arithmetic intensity and the FLOP/s it can attain, min(peak, "
         "intensity × bandwidth); left of the ridge a layer is memory-bound.</p>"
         f"{_plot(by_id['fig-roofline'])}</section>") if "fig-roofline" in by_id else "",
        ("<section id=measured><h2>Measured vs predicted</h2><p class=caption>Each layer of "
         "the first candidate: its time measured in the flow of the network against the "
         "roofline's prediction; above the line the layer ran slower than predicted.</p>"
         f"{_plot(by_id['fig-measured'])}</section>") if "fig-measured" in by_id else "",
        f"<section id=closed-forms><h2>Closed forms</h2>{closed_forms_html(report)}</section>",
        f"<section id=layers><h2>Per-candidate tables</h2>{_candidate_details(report)}</section>",
    ]
    return _page(report.title, [", ".join(a.name for a in report.analyses), report.context()],
                 sections, figs, _footer(report.command, report.convention), view)


SWEEP_POINTS = 20_000  # rows drawn in the scatter and listed in the table


def sweep_figures(doc) -> list[dict]:
    """The design space: MACs against params, one point per kept row (hover: its parameters
    and metrics); and for a width × resolution network sweep, the α × ρ heat map of MACs."""
    import plotly.graph_objects as go

    rows = doc.result.rows()[:SWEEP_POINTS]
    names = [a.name for a in doc.result.axes]
    hover = ["<br>".join(f"{n} = {fmt(r[n], 'number')}" for n in names)
             + f"<br>params {_exact(r['params'], 'count')}<br>MACs {_exact(r['macs'], 'count')}"
             f"<br>peak act. {_exact(r['peak_activation_bytes'], 'bytes')}" for r in rows]
    first = names[0]
    scatter = go.Figure(go.Scatter(
        x=[r["macs"] for r in rows], y=[r["params"] for r in rows], mode="markers",
        marker={"color": [r[first] for r in rows], "colorscale": "Viridis", "size": 7,
                "showscale": True, "colorbar": {"title": {"text": first}}},
        customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    scatter.update_layout(_base_layout("MACs and params of every configuration shown"),
                          xaxis=axis_ticks(max((r["macs"] for r in rows), default=1), "count"),
                          yaxis=axis_ticks(max((r["params"] for r in rows), default=1), "count"))
    scatter.update_xaxes(title={"text": "MACs"})
    scatter.update_yaxes(title={"text": "params"})
    figs = [_figure_json(scatter, "fig-sweep-scatter", 480)]
    if {"width_mult", "resolution"} <= set(names):
        alphas = sorted({r["width_mult"] for r in rows})
        sides = sorted({r["resolution"] for r in rows})
        cell = {(r["width_mult"], r["resolution"]): r for r in rows}
        z = [[cell[(a, s)]["macs"] if (a, s) in cell else None for a in alphas] for s in sides]
        text = [[(f"α {a}, {s}×{s}<br>MACs {_exact(cell[(a, s)]['macs'], 'count')}<br>params "
                  f"{_exact(cell[(a, s)]['params'], 'count')}") if (a, s) in cell else ""
                 for a in alphas] for s in sides]
        heat = go.Figure(go.Heatmap(x=[str(a) for a in alphas], y=[str(s) for s in sides], z=z,
                                    customdata=text, colorscale="Viridis",
                                    hovertemplate="%{customdata}<extra></extra>",
                                    colorbar={"title": {"text": "MACs"}}))
        heat.update_layout(_base_layout("MACs over width multiplier α × input side"))
        heat.update_xaxes(title={"text": "width multiplier α"}, type="category")
        heat.update_yaxes(title={"text": "input side (pixels)"}, type="category")
        figs.append(_figure_json(heat, "fig-sweep-heatmap", 420 + 12 * len(sides)))
    return figs


def present_sweep(doc, view) -> str:
    from .document import sweep_section

    figs = sweep_figures(doc)
    section = sweep_section(doc)
    shown = replace(section, rows=section.rows[:SWEEP_POINTS])
    sections = [f"<section id=sweep-plots><h2>Design space</h2>{''.join(_plot(f) for f in figs)}"
                "</section>",
                f"<section id=sweep-rows><h2>Rows</h2>{table(shown, title=False)}</section>"]
    return _page(f"archcalc sweep {doc.result.target}", doc.notes(), sections, figs,
                 _footer(doc.command, doc.convention), view)
