"""The CLI: outputs, and one clear line with exit status 2 for every kind of bad input."""

import json
import subprocess
import sys

import pytest


def test_compare_default_table(cli):
    code, out, err = cli("compare")
    assert code == 0 and not err
    assert "MobileNetV2 Table 2" in out
    for name in ("conv(out=24,k=3)", "dwsep(out=24,k=3)", "ir(t=6,out=24,k=3)"):
        assert name in out


def test_compare_json_shape(cli):
    code, out, _ = cli("compare", "conv(out=5,k=4)", "dwsep(out=5,k=4)", "--input", "6x6x3",
                       "--norm", "none", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and set(doc) >= {"candidates", "conventions"}
    std, sep = doc["candidates"]
    assert set(std["totals"]) == {"params", "macs", "flops", "bytes_read", "bytes_written",
                                  "peak_activation_bytes"}
    assert (std["totals"]["params"], sep["totals"]["params"]) == (240, 63)
    assert sep["ratios"]["params"] == 63 / 240
    assert {"name", "spec", "totals", "layers"} <= set(std)


def test_analyze_json_shape(cli):
    code, out, _ = cli("analyze", "ir(t=6,out=24)", "--input", "56x56x24", "-f", "json")
    doc = json.loads(out)
    assert doc["input"] == [56, 56, 24]
    layer = doc["layers"][0]
    assert {"name", "op", "block", "in_shape", "out_shape", "params", "macs", "flops",
            "bytes_read", "bytes_written"} <= set(layer)
    assert sum(r["params"] for r in doc["layers"]) == doc["totals"]["params"] == 8832


def test_analyze_csv_markdown_and_output_file(cli, tmp_path):
    code, out, _ = cli("analyze", "dwsep(out=64)", "--input", "112x112x32", "-f", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("candidate,row,name,block,op,category,in_shape")
    assert len(lines) == 1 + 6 + 1 and lines[-1].startswith("dwsep(out=64),total,")
    target = tmp_path / "r.md"
    code, out, _ = cli("analyze", "dwsep(out=64)", "-f", "markdown", "-o", target)
    assert code == 0 and out == "" and target.read_text().count("\n| dwsep0.") == 6


def test_symbolic(cli):
    code, out, _ = cli("compare", "--symbolic")
    assert code == 0 and "1/N + D_k⁻²" in out and "D_f²·M·t·(D_k² + M + N)" in out


def write(tmp_path, text, name="bad.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


BAD = {
    "unknown key": ("input: [8, 8, 3]\nlayers:\n  - conv: {out: 8, kernal: 3}\n", ":3: layers[0].conv.kernal"),
    "unknown block": ("input: [8, 8, 3]\nlayers:\n  - convolve: {out: 8}\n", ":3: layers[0].convolve"),
    "wrong type": ("input: [8, 8, 3]\nlayers:\n  - conv: {out: eight}\n", ":3: layers[0].conv.out"),
    "zero size": ("input: [8, 8, 3]\nlayers:\n  - conv: {out: 0}\n", ":3: layers[0].conv.out"),
    "negative size": ("input: [8, -8, 3]\nlayers:\n  - conv: {out: 8}\n", ":1: input[1]"),
    "kernel too large": ("input: [4, 4, 3]\nlayers:\n  - conv: {out: 8, k: 7, p: 0}\n", ":3: layers[0].conv.k"),
    "groups": ("input: [8, 8, 3]\nlayers:\n  - conv: {out: 8, g: 2}\n", ":3: layers[0].conv.g"),
    "yaml syntax": ("input: [8, 8, 3\nlayers: []\n", ":"),
    "top-level key": ("input: [8, 8, 3]\nlayer:\n  - conv: {out: 8}\n", ":2: layer"),
    "version": ("archcalc: 9\ninput: [8, 8, 3]\nlayers:\n  - conv: {out: 8}\n", ":1: archcalc"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_spec_files(cli, tmp_path, case):
    text, where = BAD[case]
    path = write(tmp_path, text)
    code, out, err = cli("analyze", path)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"archcalc: error: {path}{where}")


@pytest.mark.parametrize("args, expect", [
    (("ir(t=6,out=24",), "missing ')'"),
    (("ir(t=6,,out=24)",), "malformed"),
    (("ir(t=6,out=2 4)",), "malformed value"),
    (("ir(t=6,out=24)x",), "malformed block"),
    (("ir(q=1,out=24)",), "unknown key 'q'"),
    (("dw(k=4)", "--input", "1x1x8"), "larger than the padded input"),
    (("missing.yaml",), "no such spec file"),
    (("zoo:nonet",), "unknown zoo entry"),
    (("conv(out=8)", "--input", "8x8x8x8"), "expected [H, W, C]"),
    (("conv(out=8)", "--input", "8x8"), "conv needs a chw tensor, got tokens 8×8"),
    (("conv(out=8)", "--dtype", "fp64"), "--dtype: expected one of fp32"),
    (("conv(out=8)", "--memory", "cached"), "--memory: expected one of unfused, fused"),
    (("conv(out=8)", "--norm", "layer"), "--norm: expected one of bn, none"),
    (("conv(out=8)", "--act", "gelux"), "--act: expected one of relu"),
    (("conv(out=8)", "--width-mult", "0"), "--width-mult: expected a positive number"),
    (("conv(out=8)", "--replace", "dwsep"), "expected OLD=NEW"),
    (("conv(out=8)", "--replace", "dwsep=convolutionz"), "unknown block 'convolutionz'"),
])
def test_bad_inline_and_options(cli, args, expect):
    code, out, err = cli("analyze", *args)
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and expect in err


def test_no_half_written_output(cli, tmp_path):
    target = tmp_path / "out.json"
    code, _, _ = cli("compare", "conv(out=8)", "conv(out=8,k=99,p=0)", "-f", "json", "-o", target)
    assert code == 2 and not target.exists() and list(tmp_path.iterdir()) == []


def test_console_script_exit_status_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "archcalc", "analyze", "nope.yaml"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


HEAVY = ("torch", "fvcore", "pandas", "sympy", "plotly", "numpy", "openpyxl")


@pytest.mark.parametrize("argv", [["compare"], ["compare", "--convention", "fvcore"],
                                  ["compare", "--hardware", "a100"],
                                  ["explain", "zoo:mobilenet_v2", "--vs", "all"],
                                  ["memory"], ["memory", "-f", "json"]])
def test_compare_imports_no_heavy_modules(argv):
    code = (f"import os, runpy, sys\nsys.argv = ['archcalc', *{argv!r}]\n"
            "try:\n    runpy.run_module('archcalc', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            f"sys.stderr.write('LOADED:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and "LOADED:" in proc.stderr, proc.stderr
    assert proc.stderr.split("LOADED:")[1].split() == []


@pytest.mark.parametrize("args, expect", [
    (("analyze", "conv(out=8)", "--format", "xml"), "Invalid value for '--format'"),
    (("analyze",), "Missing argument"),
    (("frobnicate",), "No such command"),
])
def test_usage_errors_are_one_line(cli, args, expect):
    code, out, err = cli(*args)
    assert code == 2 and expect in err and len(err.strip().splitlines()) == 1


def test_to_frame():
    import archcalc
    frame = archcalc.analyze("ir(t=6,out=24)", input=(56, 56, 24)).to_frame()
    assert list(frame.columns[:4]) == ["name", "block", "op", "category"]
    assert int(frame["params"].sum()) == 8832
    comparison = archcalc.compare(["conv(out=24)", "dwsep(out=24)"], input=(56, 56, 24)).to_frame()
    assert comparison["params"].tolist() == [5232, 888]
    assert comparison["macs_ratio"].tolist()[0] == 1.0
