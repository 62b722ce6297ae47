"""XLSX workbook: formulas reference the right ranges and, evaluated with the ``formulas``
library, reproduce archcalc's exact totals and ratios; they stay live; user text is inert.

``formulas`` 1.3.4 has no ``SUBTOTAL``: :func:`evaluate` registers ``SUBTOTAL(9, r)`` as
``SUM(r)``, which is what Excel computes when no row is filtered out (a written workbook
filters nothing).  Every other function in the workbook (SUM, MAX, IF, N, SUMPRODUCT,
EXACT) is the library's own.
"""

from __future__ import annotations

import io
import re
import time

import formulas
import openpyxl
import pytest

import archcalc
from archcalc.report import registry, xlsx
from archcalc.report.document import Report, View

SEED = ()
ZOO = ("zoo:mobilenet_v1", "zoo:mobilenet_v2")
TOTALS = {"params": "C", "macs": "E", "flops": "G", "bytes": "I", "peak_activation_bytes": "K"}
RATIOS = {"params": "D", "macs": "F", "flops": "H", "bytes": "J", "peak_activation_bytes": "L",
          "arithmetic_intensity": "N"}
LAYER = {"params": "G", "macs": "H", "flops": "I", "bytes_read": "J", "bytes_written": "K",
         "bytes": "L"}


def workbook(path, refs=SEED):
    """Write the comparison of ``refs`` to ``path``; returns the comparison."""
    comparison = archcalc.compare(refs)
    path.write_bytes(registry.present("xlsx", Report(comparison), View()))
    return comparison


def _subtotal(function_num, *refs):
    assert int(function_num) == 9, "the workbook only uses SUBTOTAL(9, …)"
    return formulas.get_functions()["SUM"](*refs)


def evaluate(path, monkeypatch):
    """Every cell's computed value, as ``value(sheet, "A1")``."""
    monkeypatch.setitem(formulas.get_functions(), "SUBTOTAL", _subtotal)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()

    def value(sheet, cell):
        return solution[f"'[{path.name}]{sheet.upper()}'!{cell}"].value[0, 0]

    return value


def sheets(comparison):
    return [xlsx.sheet_name(i, a.name) for i, a in enumerate(comparison.analyses, 1)]


def test_formulas_reference_the_layer_rows(tmp_path):
    path = tmp_path / "zoo.xlsx"
    comparison = workbook(path, ZOO)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Compare", "L1 mobilenet_v1", "L2 mobilenet_v2",
                             "Conventions"]
    n = len(comparison.analyses[1].records)
    compare, layers = wb["Compare"], wb["L2 mobilenet_v2"]
    assert compare["C3"].value == f"=SUM('L2 mobilenet_v2'!$G$2:$G${n + 1})"
    assert compare["K3"].value == f"=MAX('L2 mobilenet_v2'!$M$2:$M${n + 1})"
    assert compare["D3"].value == '=IF(OR(N($C$2)=0,C3=""),"",C3/$C$2)'
    assert compare["M3"].value == '=IF(I3=0,"",G3/I3)'
    assert layers["L2"].value == "=J2+K2"
    assert layers[f"H{n + 2}"].value == f"=SUBTOTAL(9,$H$2:$H${n + 1})"
    assert layers[f"M{n + 2}"].value == f"=MAX($M$2:$M${n + 1})"
    first_block = n + 5
    assert layers[f"A{first_block}"].value == "stem"
    assert (layers[f"H{first_block}"].value
            == f"=SUMPRODUCT(EXACT($B$2:$B${n + 1},A{first_block})*$H$2:$H${n + 1})")
    summary = wb["Summary"]
    header = next(r for r in summary.iter_rows() if r[0].value == "candidate")[0].row
    assert summary.cell(header + 2, 7).value == "=Compare!E3"
    assert (layers.freeze_panes, layers.auto_filter.ref) == ("B2", f"A1:M{n + 1}")
    assert (compare.freeze_panes, compare.auto_filter.ref) == ("B2", "A1:N3")
    assert layers["H2"].number_format == "#,##0" and compare["D3"].number_format == '0.000"×"'
    assert 8 <= layers.column_dimensions["A"].width <= xlsx.MAX_WIDTH + 2


@pytest.mark.parametrize("refs", [SEED, ZOO], ids=["seed", "zoo"])
def test_formulas_evaluate_to_archcalc_totals(tmp_path, monkeypatch, refs):
    path = tmp_path / "book.xlsx"
    comparison = workbook(path, refs)
    value = evaluate(path, monkeypatch)
    for row, (a, ratios, sheet) in enumerate(
            zip(comparison.analyses, comparison.ratios(), sheets(comparison)), 2):
        t = a.total_row()
        assert {k: value("Compare", f"{c}{row}") for k, c in TOTALS.items()} == {
            k: t[k] for k in TOTALS}
        assert value("Compare", f"M{row}") == t["arithmetic_intensity"]
        assert {k: value("Compare", f"{c}{row}") for k, c in RATIOS.items()} == {
            k: ratios[k] for k in RATIOS}
        total = len(a.records) + 2
        assert {k: value(sheet, f"{c}{total}") for k, c in LAYER.items()} == {
            k: t[k] for k in LAYER}
        assert value(sheet, f"M{total}") == a.peak_activation_bytes
        for r, block in enumerate(a.rollup_rows("block"), total + 3):
            assert {k: value(sheet, f"{c}{r}") for k, c in LAYER.items()} == {
                k: block[k] for k in LAYER}


def test_editing_a_layer_moves_totals_and_ratios(tmp_path, monkeypatch):
    path = tmp_path / "seed.xlsx"
    comparison = workbook(path)
    base, second = (a.totals for a in comparison.analyses[:2])
    wb = openpyxl.load_workbook(path)
    layers = wb[sheets(comparison)[1]]
    layers["H2"] = layers["H2"].value + 1_000_000
    wb.save(path)
    value = evaluate(path, monkeypatch)
    assert value("Compare", "E3") == second.macs + 1_000_000
    assert value("Compare", "F3") == (second.macs + 1_000_000) / base.macs
    assert value("Compare", "E2") == base.macs and value("Compare", "F2") == 1
    assert value("Compare", "G3") == second.flops  # FLOPs are their own cells


INJECTION = """\
archcalc: 1
name: "=HYPERLINK(\\"http://x\\")"
input: [8, 8, 3]
layers:
  - conv: {out: 8, k: 3, name: "@cmd"}
  - conv: {out: 8, k: 1, name: "+plusQ"}
  - conv: {out: 8, k: 1, name: "-minusQ"}
"""
# Tab and carriage return cannot reach a name (control characters are refused when the spec
# is read); units.neutralise covers them too (tests/test_report.py).


def test_user_text_is_neutralised_in_every_sheet(tmp_path, cli, monkeypatch):
    spec, out = tmp_path / "evil.yaml", tmp_path / "evil.xlsx"
    spec.write_text(INJECTION)
    assert cli("analyze", spec, "-o", out)[0] == 0
    wb = openpyxl.load_workbook(out)
    user = ("HYPERLINK", "cmd", "plusQ", "minusQ")
    seen = set()
    for ws in wb:
        for cell in (c for row in ws.iter_rows() for c in row if isinstance(c.value, str)):
            if cell.data_type == "f":  # user text only as a quoted sheet name in a reference
                outside_sheet_names = re.sub(r"'(?:[^']|'')*'!", "", cell.value)
                assert not any(u in outside_sheet_names for u in user), cell.value
            elif any(u in cell.value for u in user):
                assert cell.data_type == "s" and cell.value.startswith("'"), cell.value
                seen |= {(ws.title.split()[0], u) for u in user if u in cell.value}
    assert {s for s, _ in seen} == {"Summary", "Compare", "L1"}
    assert {u for s, u in seen if s == "L1"} == set(user) - {"HYPERLINK"}
    value = evaluate(out, monkeypatch)
    a = archcalc.analyze(spec)
    assert value("Compare", "E2") == a.totals.macs
    assert value(wb.sheetnames[2], f"H{len(a.records) + 5}") == a.rollup_rows("block")[0]["macs"]


def test_zero_baseline_leaves_ratio_cells_empty(tmp_path, cli, monkeypatch):
    out = tmp_path / "zero.xlsx"
    assert cli("compare", "pool(global)", "conv(out=8)", "-o", out)[0] == 0
    value = evaluate(out, monkeypatch)
    wb = openpyxl.load_workbook(out)
    computed = [value(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows()
                for c in row if c.data_type == "f"]
    assert not [v for v in computed if str(v).startswith("#")]
    assert value("Compare", "D3") == value("Compare", "F3") == ""  # params, MACs: base 0
    flops_ratio = archcalc.compare(("pool(global)", "conv(out=8)")).ratios()[1]["flops"]
    assert value("Compare", "H3") == flops_ratio


def test_sheet_names_are_sanitised_and_unique(tmp_path):
    name = xlsx.sheet_name(12, "a[b]:c*d?e/f\\g'h" + "x" * 40)
    assert name.startswith("L12 a_b__c") and len(name) == 31
    assert not set(name) & set("[]:*?/\\'")
    path = tmp_path / "twice.xlsx"
    workbook(path, ("zoo:mobilenet_v2", "zoo:mobilenet_v2"))
    assert openpyxl.load_workbook(path).sheetnames[2:4] == ["L1 mobilenet_v2", "L2 mobilenet_v2"]


@pytest.mark.parametrize("args", [
    ("compare", "conv(out=8)", "dwsep(out=8)", "--by", "block"),
    ("analyze", "zoo:mobilenet_v1", "-f", "xlsx"),
    ("report", "conv(out=8)", "ir(t=6,out=8)"),
], ids=["compare-by-block", "analyze", "report"])
def test_commands_write_the_same_layout(tmp_path, cli, args):
    out = tmp_path / "out.xlsx"
    code, _, err = cli(*args, "-o", out)
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Summary", "Compare"] and wb.sheetnames[-1] == "Conventions"
    assert wb.sheetnames[2].startswith("L1 ")
    lines = {row[0].value: row[1].value for row in wb["Summary"].iter_rows(max_col=2)}
    assert lines["command"].startswith(f"archcalc {args[0]} ")
    assert lines["archcalc"] == archcalc.__version__


def test_listing_columns_join_the_compare_rows(tmp_path, cli):
    out = tmp_path / "zoo.xlsx"
    assert cli("zoo", "-o", out)[0] == 0
    compare = openpyxl.load_workbook(out)["Compare"]
    headers = [c.value for c in compare[1]]
    assert headers[:4] == ["candidate", "input", "width multiplier rule", "description"]
    assert compare["A2"].value.startswith("zoo:")


def test_xlsx_needs_an_output_file(cli):
    code, _, err = cli("compare", "-f", "xlsx")
    assert code == 2 and "needs a file" in err


def test_three_zoo_networks_write_quickly(tmp_path):
    comparison = archcalc.compare(("zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:resnet50"))
    start = time.perf_counter()
    data = registry.present("xlsx", Report(comparison), View())
    seconds = time.perf_counter() - start
    print(f"\nxlsx of three zoo networks: {seconds:.2f} s, {len(data) / 1024:.0f} KiB")
    assert seconds < 10 and len(data) < 1_000_000
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[2:5] == [
        "L1 mobilenet_v1", "L2 mobilenet_v2", "L3 resnet50"]
