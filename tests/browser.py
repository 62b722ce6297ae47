"""Headless Chromium for the HTML report's browser test, with no Python packages beyond the
standard library.

How the checks work (and why they are robust):

* **Rendering.**  ``--dump-dom`` prints the DOM after the page's scripts ran;
  ``--virtual-time-budget`` lets the asynchronous work (unpacking the embedded plotly.js,
  ``Plotly.newPlot``) finish first.  The report marks ``<body data-rendered="N">`` once all
  N figures are drawn, and each plot ``<div>`` then holds plotly's ``<svg class="main-svg">``.
* **Console errors.**  The report's first script copies every script error, unhandled
  rejection, ``console.error`` call, failed resource load and Content-Security-Policy
  violation into ``<pre id="archcalc-errors">``; the dumped DOM shows it.
* **Network requests.**  Three layers: the report's CSP forbids fetches, fonts, remote
  scripts and images and the page lists any request it blocked (see above); a probe script
  appended to a copy of the page dumps ``performance.getEntriesByType("resource")`` (every
  resource the page loaded) into ``<pre id="probe-resources">``; and Chromium runs with
  ``--host-resolver-rules="MAP * ~NOTFOUND"`` so that no lookup can leave the machine even
  if both of the above were defeated.  :func:`control_page` is a negative control proving
  the recorder and the probe do see a request and a console error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
BUDGET_MS = 10000

# Appended before </body> of a copy of the page: waits until the report says it has drawn
# its figures (or gave up), then lists every resource the page loaded.
PROBE = """<script>(function(){var tries=0;function dump(){
var state=document.body.getAttribute("data-rendered");
if(!state&&tries++<150){setTimeout(dump,50);return;}
var pre=document.createElement("pre");pre.id="probe-resources";
pre.textContent=JSON.stringify(performance.getEntriesByType("resource").map(function(e){return e.name;}));
document.body.appendChild(pre);}dump();})();</script>"""


def find_chromium() -> str | None:
    """The Chromium binary: ``$ARCHCALC_CHROMIUM``, else the first of the usual names on PATH."""
    override = os.environ.get("ARCHCALC_CHROMIUM")
    if override:
        return override if shutil.which(override) else None
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


def _flags(profile: Path) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--mute-audio",
            '--host-resolver-rules=MAP * ~NOTFOUND', f"--user-data-dir={profile}",
            f"--virtual-time-budget={BUDGET_MS}"]


@dataclass
class Launch:
    """One running Chromium; :meth:`wait` returns its stdout (the DOM for ``--dump-dom``)."""

    proc: subprocess.Popen
    started: float
    what: str

    def wait(self, timeout: float = 90) -> str:
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise AssertionError(f"chromium timed out ({self.what})") from None
        self.seconds = time.perf_counter() - self.started
        if self.proc.returncode != 0:
            raise AssertionError(f"chromium exited {self.proc.returncode} ({self.what}): "
                                 f"{err.decode(errors='replace')[-2000:]}")
        return out.decode("utf-8", errors="replace")


def probe_copy(page: Path) -> Path:
    """A copy of ``page`` beside it (so relative references still resolve) with the probe."""
    copy = page.with_name(page.stem + ".probe.html")
    text = page.read_text(encoding="utf-8")
    copy.write_text(text.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    return copy


def dump_dom(chromium: str, page: Path, profile: Path) -> Launch:
    """Start ``--dump-dom`` of a probed copy of ``page`` (returns at once)."""
    url = probe_copy(page).resolve().as_uri()
    proc = subprocess.Popen([chromium, *_flags(profile), "--dump-dom", url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return Launch(proc, time.perf_counter(), f"dump-dom {page.name}")


def screenshot(chromium: str, page: Path, png: Path, profile: Path,
               size: str = "1400,2400") -> Launch:
    """Start a screenshot of ``page`` into ``png`` (returns at once)."""
    proc = subprocess.Popen([chromium, *_flags(profile), "--hide-scrollbars",
                             f"--window-size={size}", f"--screenshot={png}",
                             page.resolve().as_uri()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return Launch(proc, time.perf_counter(), f"screenshot {page.name}")


@dataclass
class Rendered:
    """What a dumped DOM says about the page."""

    dom: str

    @property
    def rendered(self) -> str | None:
        m = re.search(r'<body[^>]*\sdata-rendered="([^"]*)"', self.dom)
        return m.group(1) if m else None

    @property
    def errors(self) -> str:
        m = re.search(r'<pre id="archcalc-errors"[^>]*>(.*?)</pre>', self.dom, re.S)
        assert m, "the report has no #archcalc-errors element"
        return m.group(1).strip()

    @property
    def resources(self) -> list[str]:
        m = re.search(r'<pre id="probe-resources">(.*?)</pre>', self.dom, re.S)
        assert m, "the probe did not run"
        return json.loads(m.group(1).replace("&amp;", "&").replace("&lt;", "<")
                          .replace("&gt;", ">").replace("&quot;", '"'))

    def plot_divs(self) -> dict[str, str]:
        """Each plot container's id and its inner markup (up to the next container)."""
        starts = [(m.start(), m.group(1)) for m in
                  re.finditer(r'<div class="plot[^"]*" id="([^"]+)"', self.dom)]
        return {fig_id: self.dom[pos:(starts[i + 1][0] if i + 1 < len(starts) else None)]
                for i, (pos, fig_id) in enumerate(starts)}


def control_page(recorder_head: str) -> str:
    """A page with the report's CSP and error recorder that requests a remote image and
    calls ``console.error``: the recorder must report both (a negative control)."""
    return (f"<!DOCTYPE html><html><head><meta charset=utf-8>{recorder_head}</head><body>"
            '<pre id="archcalc-errors" hidden></pre>'
            '<img src="https://example.invalid/pixel.png" alt="">'
            '<script>console.error("control error");'
            'document.body.setAttribute("data-rendered","0");</script></body></html>')
