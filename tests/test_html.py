"""The offline HTML report: structure, escaping, size, speed, and a real headless Chromium
rendering every chart with no console error and no network request."""

import base64
import gzip
import html as htmllib
import json
import os
import re
import time
from pathlib import Path

import pytest

import archcalc
from archcalc.report import html
from archcalc.report.document import Report, View

from . import browser

ZOO3 = ("zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:mobilenet_v3_large")
SIZE_LIMIT = 5_000_000  # bytes; the "under 5 MB" read strictly (decimal)
EVIL_NAME = "</script><script>alert(1)</script>"
EVIL_LAYER = "<b>x</b>"
EVIL_SPEC = f"""\
archcalc: 1
name: {json.dumps(EVIL_NAME)}
input: [32, 32, 16]
layers:
  - conv: {{out: 16, k: 3, name: {json.dumps(EVIL_LAYER)}}}
  - dwsep: {{out: 32, name: "a&b \\"q\\" 'q'"}}
"""
FIGURES_JSON = re.compile(r'<script type="application/json" id="archcalc-figures">(.*?)</script>',
                          re.S)


def figures_of(page: str) -> dict:
    m = FIGURES_JSON.search(page)
    assert m, "no figure data in the page"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The three-zoo-network report (embedded plotly.js) and the seed comparison (shared
    plotly.js beside it), written by the CLI as a user would, with their generation times."""
    out = tmp_path_factory.mktemp("html")
    zoo = out / "zoo3.html"
    seed = out / "seed.html"
    timings = {}
    for path, args in ((zoo, [*ZOO3, "-o", str(zoo)]),
                       (seed, ["-o", str(seed), "--plotly-js", "plotly.min.js"])):
        start = time.perf_counter()
        _run_cli("report", *args)
        timings[path.name] = time.perf_counter() - start
    sweep = out / "sweep.html"
    _run_cli("sweep", "zoo:mobilenet_v2", "--width-mult", "0.35:1.4:0.35", "--resolution",
             "96:224:32", "-o", str(sweep), "--plotly-js", "plotly.min.js")
    return {"dir": out, "zoo": zoo, "seed": seed, "sweep": sweep, "timings": timings}


def _run_cli(*args):
    import sys

    from archcalc.cli import main

    argv, sys.argv = sys.argv, ["archcalc", *args]
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, f"archcalc {' '.join(args)} exited {exc.code}"
    finally:
        sys.argv = argv


# ---------------------------------------------------------------- structure and size

def test_zoo_report_is_one_offline_file_under_5_mb(pages):
    page = pages["zoo"].read_text(encoding="utf-8")
    size = pages["zoo"].stat().st_size
    print(f"\nthree-network report: {size:,} bytes, written in {pages['timings']['zoo3.html']:.2f} s")
    assert size < SIZE_LIMIT
    # plotly.js is embedded exactly once (compressed); nothing is referenced by URL
    assert page.count('id="archcalc-plotly-gz"') == 1
    assert not re.search(r"""<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=""",
                         page, re.I)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert "<link" not in page.lower() and "@import" not in page and "url(" not in page
    assert "default-src 'none'" in html.CSP and "connect-src 'none'" in html.CSP
    assert f'http-equiv="Content-Security-Policy" content="{htmllib.escape(html.CSP)}"' in page


def test_embedded_plotly_is_the_installed_plotly_js_unchanged(pages):
    page = pages["zoo"].read_text(encoding="utf-8")
    packed = re.search(r'id="archcalc-plotly-gz">([^<]*)</script>', page).group(1)
    source = gzip.decompress(base64.b64decode(packed)).decode("utf-8")
    assert source == html.plotly_js()
    assert len(source) > 3_000_000 and "Plotly" in source[:2000]


def test_sections_numbers_and_footer(pages):
    page = pages["zoo"].read_text(encoding="utf-8")
    for section in ("summary", "totals", "op-kinds", "blocks", "activations", "closed-forms",
                    "layers", "conventions"):
        assert f"id={section}>" in page, section
    # exact totals from the analysis, with thousands separators, and ratios to the first
    v2 = archcalc.analyze("zoo:mobilenet_v2")
    assert f"{v2.totals.params:,}" == "3,504,872" and "3,504,872" in page
    assert '<span class="ratio">0.828×</span>' in page  # v2 params / v1 params
    # one layer table and one by-op table per candidate, in <details>
    assert page.count("<details><summary>mobilenet_") == 3
    assert "MobileNetV1 Table 2 view" in page
    # closed forms: standard, depthwise-separable, inverted residual, and the 1/N + 1/Dk² ratio
    assert "1/N + 1/D<sub>k</sub><sup>2</sup>" in page
    # footer: conventions, version, the exact command
    from archcalc import __version__
    from archcalc.conventions.archcalc import FOOTER

    assert htmllib.escape(FOOTER, quote=True) in page
    assert f"archcalc {__version__}" in page
    assert re.search(r"<code class=command>archcalc report zoo:mobilenet_v1 zoo:mobilenet_v2 "
                     r"zoo:mobilenet_v3_large -o \S+zoo3\.html</code>", page)


def test_figures_have_titles_unit_axes_and_exact_hover(pages):
    data = figures_of(pages["zoo"].read_text(encoding="utf-8"))
    assert data["config"] == {"responsive": True, "displaylogo": False}
    figs = {f["id"]: f for f in data["figures"]}
    assert set(figs) == {"fig-totals", "fig-op-kinds", "fig-blocks-0", "fig-blocks-1",
                         "fig-blocks-2", "fig-activations"}
    for f in figs.values():
        assert f["layout"]["title"]["text"]
        assert "template" not in f["layout"]  # shipped once, in data["template"]
    totals = figs["fig-totals"]
    titles = [a["text"] for a in totals["layout"]["annotations"]]
    assert titles == ["Params (count)", "MACs (count)", "FLOPs (count)",
                      "Memory traffic (bytes)", "Peak activations (bytes)"]
    # binary-prefixed byte axes, SI count axes, all labelled by the one formatter
    assert "MiB" in " ".join(totals["layout"]["yaxis4"]["ticktext"])
    assert any(t.endswith(" M") for t in totals["layout"]["yaxis2"]["ticktext"])
    # hover text: exact integers with thousands separators
    hovers = " ".join(c for t in totals["data"] for c in t["customdata"])
    assert "568,740,352 (568.74 M)" in hovers  # MobileNetV1 MACs
    act = figs["fig-activations"]
    assert act["layout"]["yaxis"]["title"]["text"].startswith("live activations")
    assert [t["name"] for t in act["data"] if t["mode"].startswith("lines")] == [
        "mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large"]
    a = archcalc.analyze("zoo:mobilenet_v1")
    line = act["data"][0]
    assert line["y"] == [r["live_activation_bytes"] for r in a.layer_rows()]
    assert "dwsep1.pw.bn" in " ".join(line["customdata"])
    shares = next(t for t in figs["fig-op-kinds"]["data"] if t["name"] == "conv 1x1")
    assert shares["x"][0] == pytest.approx(0.9486, abs=1e-4)  # MobileNetV1 Table 2: 94.86%


def test_seed_report_with_shared_plotly_js(pages):
    page = pages["seed"].read_text(encoding="utf-8")
    size = pages["seed"].stat().st_size
    shared = pages["dir"] / "plotly.min.js"
    print(f"\nseed report: {size:,} bytes beside a shared plotly.js of "
          f"{shared.stat().st_size:,} bytes, written in {pages['timings']['seed.html']:.2f} s")
    assert '<script src="plotly.min.js"></script>' in page
    assert 'id="archcalc-plotly-gz"' not in page
    assert size < 200_000
    assert shared.read_text(encoding="utf-8") == html.plotly_js()
    for name in ("conv(out=24,k=3)", "dwsep(out=24,k=3)", "ir(t=6,out=24,k=3)"):
        assert name in page
    assert "MobileNetV2 Table 2" in page  # the comparison's note
    assert "id=blocks>" not in page  # single-block candidates: no per-block chart


def test_generation_time_of_three_zoo_networks():
    result = archcalc.compare(list(ZOO3))
    report = Report(result, title="archcalc report", command="archcalc report ...")
    html.present_report(report, View())  # warm: imports, the compressed plotly.js
    start = time.perf_counter()
    page = html.present_report(report, View())
    seconds = time.perf_counter() - start
    print(f"\npresent_report, three zoo networks: {seconds:.2f} s ({len(page):,} characters)")
    assert seconds < 5  # goal 2 s; the bound leaves room for slow CI machines


def test_single_analysis_page_has_no_ratios(cli, tmp_path):
    out = tmp_path / "a.html"
    code, _, err = cli("analyze", "zoo:mobilenet_v2", "-f", "html", "-o", out)
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert 'class="ratio"' not in page and "<details open><summary>mobilenet_v2" in page
    assert "fig-blocks-0" in page


def test_axis_ticks_use_the_units_formatter():
    ticks = html.axis_ticks(9_633_792, "bytes")
    assert ticks["ticktext"][:3] == ["0 B", "2 MiB", "4 MiB"] and ticks["tickvals"][1] == 2 * 2**20
    assert ticks["tickvals"][-1] >= 9_633_792
    counts = html.axis_ticks(568_740_352, "count")
    assert counts["ticktext"][:3] == ["0", "200 M", "400 M"]
    assert html.axis_ticks(3, "count")["tickvals"] == [0, 1, 2, 3]
    assert html.axis_ticks(0, "count")["tickvals"] == [0]


# ---------------------------------------------------------------- escaping

def test_user_text_is_escaped_in_markup_and_in_chart_json(tmp_path, cli):
    spec = tmp_path / "evil.yaml"
    spec.write_text(EVIL_SPEC, encoding="utf-8")
    out = tmp_path / "evil.html"
    code, _, err = cli("report", spec, "conv(out=32,k=3)", "-o", out)
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    for raw in (EVIL_NAME, EVIL_LAYER, "<script>alert", "<b>", "a&b"):
        assert raw not in page, raw
    # only the report's own four scripts exist, and each closes once
    assert page.count("<script") == 4 and page.count("</script>") == 4
    assert htmllib.escape(EVIL_NAME) in page and "&lt;b&gt;x&lt;/b&gt;.conv" in page
    # the chart data is valid JSON; names in it are escaped for plotly's label markup
    data = figures_of(page)
    labels = json.dumps(data, ensure_ascii=False)
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in labels
    assert "&lt;b&gt;x&lt;/b&gt;.conv" in labels and EVIL_LAYER not in labels
    assert "a&amp;b" in labels
    # the JSON inside <script> has no raw <, > or &
    raw_json = FIGURES_JSON.search(page).group(1)
    assert not set("<>&") & set(raw_json)


def test_script_json_escapes_markup_characters():
    text = html.script_json({"name": "</script>&\u2028"})
    assert text == '{"name":"\\u003c/script\\u003e\\u0026\\u2028"}'
    assert json.loads(text) == {"name": "</script>&\u2028"}


# ---------------------------------------------------------------- headless Chromium

@pytest.fixture(scope="module")
def chromium():
    path = browser.find_chromium()
    if path is None:
        pytest.skip("no Chromium binary found (install Debian's chromium package, e.g. "
                    "`make browser`, or set ARCHCALC_CHROMIUM); the browser test needs one")
    return path


@pytest.fixture(scope="module")
def browsed(pages, chromium, tmp_path_factory):
    """All Chromium runs at once (they are independent): the DOM of both reports and of
    the negative control, and a screenshot of the three-network report."""
    work = tmp_path_factory.mktemp("browser")
    control = work / "control.html"
    head = (f'<meta http-equiv="Content-Security-Policy" content="{htmllib.escape(html.CSP)}">'
            f"<script>{html.RECORDER}</script>")
    control.write_text(browser.control_page(head), encoding="utf-8")
    png = Path(os.environ.get("ARCHCALC_SCREENSHOT") or work / "report.png")
    start = time.perf_counter()
    launches = {
        "zoo": browser.dump_dom(chromium, pages["zoo"], work / "p1"),
        "seed": browser.dump_dom(chromium, pages["seed"], work / "p2"),
        "control": browser.dump_dom(chromium, control, work / "p3"),
        "shot": browser.screenshot(chromium, pages["zoo"], png, work / "p4"),
        "sweep": browser.dump_dom(chromium, pages["sweep"], work / "p5"),
        "sweep_shot": browser.screenshot(chromium, pages["sweep"], png.with_name("sweep.png"),
                                         work / "p6"),
    }
    doms = {k: browser.Rendered(v.wait()) for k, v in launches.items()}
    seconds = time.perf_counter() - start
    return {"doms": doms, "png": png, "seconds": seconds,
            "each": {k: v.seconds for k, v in launches.items()}}


def _assert_rendered_offline(page: browser.Rendered, figure_ids):
    assert page.errors == "", page.errors
    assert page.rendered == str(len(figure_ids)), page.rendered
    divs = page.plot_divs()
    assert set(divs) == set(figure_ids)
    for fig_id, markup in divs.items():
        assert '<svg class="main-svg"' in markup, f"{fig_id} holds no plotly SVG"
    # Resource Timing lists every http(s) or data load, not file:// ones (the shared
    # plotly.js beside the seed report is proven loaded by the drawn charts instead)
    assert page.resources == []


def test_browser_renders_every_chart_offline(browsed, pages):
    doms = browsed["doms"]
    zoo_ids = [f["id"] for f in figures_of(pages["zoo"].read_text(encoding="utf-8"))["figures"]]
    _assert_rendered_offline(doms["zoo"], zoo_ids)
    seed_ids = [f["id"] for f in figures_of(pages["seed"].read_text(encoding="utf-8"))["figures"]]
    _assert_rendered_offline(doms["seed"], seed_ids)
    # bars are drawn, with the hover data attached
    assert doms["zoo"].dom.count('class="point"') > 100
    print(f"\nbrowser: {browsed['seconds']:.1f} s for all runs in parallel; each "
          + ", ".join(f"{k} {v:.1f} s" for k, v in browsed["each"].items()))


def test_browser_renders_the_sweep_page(browsed, pages):
    """The design-space page: the MACs-params scatter and the α × ρ heat map draw offline,
    and every configuration is in its table."""
    ids = [f["id"] for f in figures_of(pages["sweep"].read_text(encoding="utf-8"))["figures"]]
    assert ids == ["fig-sweep-scatter", "fig-sweep-heatmap"]
    _assert_rendered_offline(browsed["doms"]["sweep"], ids)
    assert pages["sweep"].read_text(encoding="utf-8").count("<tr class=\"\">") == 4 * 5


def test_browser_checks_see_requests_and_console_errors(browsed):
    """Negative control: the same recorder and probe do report a blocked remote image and a
    console.error, so the empty lists above mean something."""
    control = browsed["doms"]["control"]
    assert "control error" in control.errors
    assert "blocked request (img-src): https://example.invalid/pixel.png" in control.errors
    assert control.resources == ["https://example.invalid/pixel.png"]


def test_browser_screenshot(browsed):
    png = browsed["png"]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 2400)
    print(f"\nscreenshot of the three-network report: {png}")


def test_candidates_sharing_a_name_keep_their_own_bars(cli, tmp_path):
    out = tmp_path / "dup.html"
    assert cli("report", "zoo:mobilenet_v2", "zoo:mobilenet_v2", "-o", out)[0] == 0
    html = out.read_text()
    assert '"1. mobilenet_v2"' in html and '"2. mobilenet_v2"' in html


def test_closed_forms_follow_the_compared_blocks(cli, tmp_path):
    out = tmp_path / "forms.html"
    assert cli("report", "conv(out=24)", "dwsep(out=24)", "-o", out)[0] == 0
    forms = out.read_text().split("id=closed-forms")[1].split("</section>")[0]
    assert "the compared block kinds" in forms
    assert ">conv</th>" in forms and ">dwsep</th>" in forms and ">ir</th>" not in forms
