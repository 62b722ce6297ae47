"""The presenter seam: the registry, totals in every view, safe text, the atomic writer."""

import csv
import io
import json
import os

import pytest

import archcalc
from archcalc.report import registry
from archcalc.report.document import Report, View
from archcalc.report.units import fmt, neutralise

HOSTILE = """\
name: "=HYPERLINK(\\"http://x\\",\\"y\\") | <b>x</b>"
input: [8, 8, 3]
layers:
  - conv: {out: 8, name: "@cmd"}
  - conv: {out: 8, name: "+sum"}
"""


@pytest.fixture
def hostile(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    return str(path)


def test_every_registered_format_presents_every_document_it_declares():
    from archcalc.api import Options, closed_forms, memory, sweep
    from archcalc.report.document import SweepReport
    from archcalc.sweep import parse_axes

    options = Options(input=(8, 8, 4))
    samples = {  # check reports need torch; tests/test_bridge.py presents them
        "report": Report(archcalc.compare(["conv(out=8)", "dwsep(out=8)"], options)),
        "symbolic": closed_forms(["conv(out=8)", "dwsep(out=8)"], "in,out", options),
        "sweep": SweepReport(sweep("ir(out=8)", parse_axes(["--t", "1,6"]), options)),
        "memory": memory(["conv(out=8,s=2), ir(t=6,out=8)"], options),
    }
    for fmt_name, spec in registry.FORMATS.items():
        for kind in spec.documents:
            if kind in samples:
                out = registry.present(fmt_name, samples[kind], View())
                assert out and isinstance(out, (str, bytes)), (fmt_name, kind)


@pytest.mark.parametrize("output, expected", [
    ("r.html", "html"), ("r.XLSX", "xlsx"), ("r.csv", "csv"), ("r.md", "markdown"),
    ("r.json", "json"), ("r.txt", "table"), (None, "table")])
def test_format_from_suffix(output, expected):
    assert registry.format_for(None, output) == expected
    assert registry.format_for("json", output) == "json"


def test_formatter():
    assert [fmt(3504872), fmt(3504872, exact=True), fmt(6422528, "bytes")] == [
        "3.50 M", "3,504,872", "6.12 MiB"]
    assert [fmt(63 / 240, "ratio"), fmt(1.0, "ratio"), fmt(12.34, "ratio"), fmt(None, "ratio")] == [
        "0.263×", "1.00×", "12.3×", "–"]
    assert [fmt(0.9486, "share"), fmt(0, "delta"), fmt(-5, "delta"), fmt(1024, "delta")] == [
        "94.9%", "=", "-5", "+1,024"]
    # rounding never shows 1000.00 of a prefix nor four significant digits
    assert [fmt(999), fmt(999_999), fmt(999_999_999), fmt(1023, "bytes"), fmt(0.99951, "ratio")] == [
        "999", "1.00 M", "1.00 G", "1023 B", "1.00×"]


@pytest.mark.parametrize("by", ["layer", "block", "op"])
def test_csv_and_markdown_end_with_totals(cli, by):
    _, out, _ = cli("analyze", "zoo:mobilenet_v2", "--by", by, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["row"] == "total"
    assert (int(rows[-1]["params"]), int(rows[-1]["macs"])) == (3504872, 300774272)
    # MobileNetV2's peak: the 112×112×96 expansion of the first t = 6 bottleneck, its input
    # and output alive at once (BN), fp32
    assert int(rows[-1]["peak_activation_bytes"]) == 2 * 112 * 112 * 96 * 4
    assert sum(int(r["macs"]) for r in rows[:-1] if r["row"] != "total") == 300774272
    _, out, _ = cli("analyze", "zoo:mobilenet_v2", "--by", by, "-f", "markdown")
    total = [line for line in out.splitlines() if line.startswith("| **total**")]
    assert len(total) == 1 and "**3,504,872**" in total[0] and "**300,774,272**" in total[0]
    assert "peak activations 9.19 MiB" in out


def test_compare_by_op_has_every_candidates_totals(cli):
    _, out, _ = cli("compare", "zoo:mobilenet_v1", "zoo:resnet18", "--by", "op", "-f", "markdown")
    assert out.count("| **total**") == 2 and "**11,689,512**" in out


def test_csv_is_long_form_with_exact_integers(cli):
    _, out, _ = cli("compare", "conv(out=5,k=4)", "dwsep(out=5,k=4)", "--input", "6x6x3",
                    "--norm", "none", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["candidate"], r["row"], r["name"]) for r in rows] == [
        ("conv(out=5,k=4)", "layer", "conv0.conv"), ("conv(out=5,k=4)", "layer", "conv0.act"),
        ("conv(out=5,k=4)", "total", ""), ("dwsep(out=5,k=4)", "layer", "dwsep0.dw.conv"),
        ("dwsep(out=5,k=4)", "layer", "dwsep0.dw.act"), ("dwsep(out=5,k=4)", "layer", "dwsep0.pw.conv"),
        ("dwsep(out=5,k=4)", "layer", "dwsep0.pw.act"), ("dwsep(out=5,k=4)", "total", "")]
    assert [int(r["params"]) for r in rows if r["row"] == "total"] == [240, 63]
    assert rows[3]["in_shape"] == "6x6x3" and rows[3]["params"] == "48"


def test_csv_neutralises_formulas(cli, hostile):
    _, out, _ = cli("analyze", hostile, "-f", "csv")
    cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)
    assert "'@cmd.conv" in cells and "'+sum.conv" in cells
    assert neutralise("-1") == "'-1" and neutralise("\tx") == "'\tx" and neutralise("ok") == "ok"


def test_markdown_escapes_names(cli, hostile):
    _, out, _ = cli("analyze", hostile, "-f", "markdown")
    title = out.splitlines()[0]
    assert "<b>" not in out and "&lt;b&gt;" in title and "\\|" in title
    assert all(line.count("|") - line.count("\\|") == 9 for line in out.splitlines()
               if line.startswith("| "))


def test_terminal_does_not_read_names_as_markup(cli, tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text('name: "[bold]x[/] [link=http://x]y"\ninput: [8, 8, 3]\n'
                    'layers:\n  - conv: {out: 8, name: "[/]"}\n')
    code, out, err = cli("analyze", str(path))
    assert code == 0, err
    assert "[bold]x[/] [link=http://x]y" in out and "[/].conv" in out


def test_json_never_contains_nan(cli):
    code, out, _ = cli("compare", "pool(global)", "conv(out=8)", "-f", "json")
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert code == 0 and doc["candidates"][1]["ratios"]["macs"] is None
    assert doc["candidates"][0]["layers"][0]["arithmetic_intensity"] is not None


def test_writer_is_atomic_and_keeps_mode_and_symlinks(tmp_path):
    target = tmp_path / "r.md"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.md"
    link.symlink_to(target)
    registry.write("new", str(link))
    assert link.is_symlink() and target.read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    registry.write(b"\x00bytes", str(tmp_path / "b.bin"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bin", "link.md", "r.md"]


@pytest.mark.parametrize("where, message", [
    ("dir", "not a regular file"), ("missing/r.md", "directory does not exist")])
def test_writer_refuses_what_is_not_a_file(cli, tmp_path, where, message):
    (tmp_path / "dir").mkdir()
    code, out, err = cli("compare", "conv(out=8)", "-o", str(tmp_path / where))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]


def test_binary_format_needs_a_file(cli):
    code, out, err = cli("compare", "conv(out=8)", "-f", "xlsx")
    assert code == 2 and "needs a file" in err


LONG_NAMES = """\
name: long
input: [56, 56, 24]
layers:
  - conv: {out: 24, name: a_very_long_layer_name_that_goes_on_and_on_forever}
  - ir: {t: 6, out: 24, name: another_quite_long_block_name_for_testing_width}
"""


@pytest.mark.parametrize("columns", [60, 80])
def test_long_names_never_cut_the_totals(cli, monkeypatch, tmp_path, columns):
    path = tmp_path / "long.yaml"
    path.write_text(LONG_NAMES)
    monkeypatch.setenv("COLUMNS", str(columns))
    _, out, _ = cli("analyze", str(path))
    assert max(map(len, out.splitlines())) <= columns
    assert "14,064" in out and "41,997,312" in out and "87,155,712" in out
    _, out, _ = cli("compare", str(path), "zoo:mobilenet_v2")
    for total in ("14.06 K", "42.00 M", "87.16 M", "3.73 MiB", "3.50 M", "300.77 M", "9.19 MiB"):
        assert total in out


def test_candidate_moving_no_bytes(cli, tmp_path):
    """A candidate whose intensity is undefined: its ratio is undefined too, in every format."""
    args = ("compare", "conv(out=8)", "channel_split(half=0)", "--input", "8x8x4")
    for name in ("table", "json", "csv", "markdown"):
        code, out, err = cli(*args, "-f", name)
        assert code == 0 and out, (name, err)
    doc = json.loads(cli(*args, "-f", "json")[1])
    assert doc["candidates"][1]["ratios"]["arithmetic_intensity"] is None
    assert cli(*args, "-o", tmp_path / "r.xlsx")[0] == 0
    assert cli(*args, "-o", tmp_path / "r.html")[0] == 0


def test_control_characters_in_names_are_refused(cli, tmp_path):
    path = tmp_path / "ctrl.yaml"
    path.write_text('name: ok\ninput: [8, 8, 3]\nlayers:\n  - conv: {out: 8, name: "x\\e[2Jy"}\n')
    code, out, err = cli("analyze", str(path), "-o", tmp_path / "r.xlsx")
    assert code == 2 and "layers[0].conv.name: control characters are not allowed" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctrl.yaml"]


def test_markdown_cannot_add_links_images_or_emphasis(cli, tmp_path):
    path = tmp_path / "md.yaml"
    path.write_text('name: "![t](http://x/p.png) **b** [c](http://y) `code`"\n'
                    'input: [8, 8, 3]\nlayers:\n  - conv: {out: 8}\n')
    _, out, _ = cli("analyze", str(path), "-f", "markdown")
    assert "\\!\\[t\\](http://x/p.png) \\*\\*b\\*\\* \\[c\\](http://y) \\`code\\`" in out
    assert "![t]" not in out and "[c](" not in out


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.md"
    target.write_text("old")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        registry.write("new", str(target))
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.md"]


@pytest.mark.parametrize("args, message", [
    (("check", "zoo:mobilenet_v1", "-o", "c.html"), "format html is not available for check"),
    (("compare", "-f", "html", "--plotly-js", "p.js"), "add -o FILE"),
])
def test_refused_before_any_work(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*args)
    assert code == 2 and message in err and list(tmp_path.iterdir()) == []


def test_report_without_a_known_suffix_is_html(cli, tmp_path):
    assert cli("report", "-o", tmp_path / "review")[0] == 0
    assert (tmp_path / "review").read_text().startswith("<!DOCTYPE html>")


def test_full_output_device_is_one_line(tmp_path):
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "archcalc", "compare"], stdout=full,
                              stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("archcalc: error: cannot write")
    assert proc.stderr.count("\n") == 1
