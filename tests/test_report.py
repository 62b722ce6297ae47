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


def test_every_registered_format_presents_a_report():
    report = Report(archcalc.compare(["conv(out=8)", "dwsep(out=8)"], input=(8, 8, 4)))
    for fmt_name in registry.FORMATS:
        out = registry.present(fmt_name, report, View())
        assert out and isinstance(out, (str, bytes)), fmt_name


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


@pytest.mark.parametrize("by", ["layer", "block", "op"])
def test_csv_and_markdown_end_with_totals(cli, by):
    _, out, _ = cli("analyze", "zoo:mobilenet_v2", "--by", by, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["row"] == "total"
    assert (int(rows[-1]["params"]), int(rows[-1]["macs"])) == (3504872, 300774272)
    assert int(rows[-1]["peak_activation_bytes"]) == 9633792
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
