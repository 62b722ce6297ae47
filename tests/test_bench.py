"""Measured latency beside the roofline: ``archcalc bench``, ``archcalc calibrate`` and
``compare --measure``.  Times vary from run to run, so these tests check how measurements
flow into the rows (every layer timed, errors consistent with the two times they compare) and
that the fit recovers known coefficients, never how fast anything is."""

import json

import pytest

pytest.importorskip("torch")

from archcalc import calibrate  # noqa: E402
from archcalc.hardware import read  # noqa: E402

TOY = """name: toy
title: a toy machine
peak_flops: {fp32: 1.0e+9}
bandwidth: 1.0e+9
"""


def test_the_fit_recovers_a_known_overhead_and_efficiencies():
    """Noise-free points made from overhead 5 µs and efficiencies 0.5 (gemm), 0.1
    (depthwise), 2.0 (elementwise: faster than DRAM, from cache) come back exactly."""
    truth = {"gemm": 0.5, "depthwise": 0.1, "elementwise": 2.0}
    points = [(c, r, 5e-6 + r / truth[c]) for c in truth for r in (1e-5, 3e-5, 2e-4, 1e-3)]
    overhead, efficiency = calibrate.fit(points)
    assert overhead == pytest.approx(5e-6, rel=1e-9)
    assert efficiency == pytest.approx(truth, rel=1e-9)
    assert calibrate.median_error(points, overhead, efficiency) == pytest.approx(0, abs=1e-9)


def test_a_negative_overhead_is_refitted_as_none():
    points = [("gemm", r, 0.5 * r - 1e-7) for r in (1e-5, 2e-5, 4e-5)]
    overhead, efficiency = calibrate.fit(points)
    assert overhead == 0.0 and efficiency["gemm"] > 0


def tiny_networks(folder) -> tuple[str, str]:
    """Two small spec files: one to fit on, one to check the fit with."""
    paths = []
    for name, layers in (("fit", [{"conv": {"out": 16}}, {"pw": {"out": 32}}]),
                         ("check", [{"dw": {}}])):
        path = folder / f"{name}.json"
        path.write_text(json.dumps({"input": [16, 16, 8], "layers": layers}))
        paths.append(str(path))
    return tuple(paths)


def test_calibrate_writes_a_profile_that_reads_back(cli, tmp_path, monkeypatch):
    """A quick calibration (tiny fit and check networks, one sample each): the profile file
    is a valid --hardware profile carrying the measured figures."""
    fit_on, check_on = tiny_networks(tmp_path)
    monkeypatch.setattr(calibrate, "FIT", (fit_on,))
    monkeypatch.setattr(calibrate, "VALIDATION", (check_on,))
    path = tmp_path / "me.yaml"
    code, out, err = cli("calibrate", "--repeats", "1", "--threads", "1", "-o", path)
    assert code == 0, err
    profile = read(str(path))
    m = dict(profile.measured)
    assert profile.calibrated and m["threads"] == 1 and m["fit_layers"] == 6
    assert profile.peak("fp32") == m["gemm_flops"] and profile.bandwidth == m["bandwidth"]
    assert "per layer" in out and "checked on 3 others" in out
    code, out, _ = cli("analyze", "pw(out=8)", "--input", "8x8x8", "--hardware", path)
    assert code == 0 and "roofline on" in out


def test_bench_measures_every_layer_beside_the_prediction(cli, tmp_path):
    toy = tmp_path / "toy.yaml"
    toy.write_text(TOY)
    code, out, err = cli("bench", "ir(t=4,out=16)", "--input", "8x8x16", "--hardware", toy,
                         "--repeats", "1", "--threads", "1", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert all(r["measured_s"] > 0 for r in doc["layers"])
    for row in doc["layers"] + [doc["totals"]]:
        assert row["error"] == pytest.approx(row["latency_s"] / row["measured_s"] - 1)
    code, out, _ = cli("bench", "ir(t=4,out=16)", "--input", "8x8x16", "--hardware", toy,
                       "--repeats", "1")
    assert code == 0 and "measured on cpu" in out and "median" in out and "error" in out
    page = tmp_path / "bench.html"
    code, _, _ = cli("bench", "ir(t=4,out=16)", "--input", "8x8x16", "--hardware", toy,
                     "--repeats", "1", "-o", page)
    html = page.read_text(encoding="utf-8")
    assert code == 0 and "id=measured>" in html and '"fig-measured"' in html


def test_compare_measure_puts_the_latency_ratio_beside_the_mac_ratio(cli):
    code, out, err = cli("compare", "conv(out=16)", "dwsep(out=16)", "--input", "16x16x16",
                         "--measure", "--repeats", "1", "-f", "json")
    assert code == 0, err
    base, other = json.loads(out)["candidates"]
    assert base["ratios"]["measured_s"] == 1.0
    assert other["ratios"]["measured_s"] == pytest.approx(
        other["totals"]["measured_s"] / base["totals"]["measured_s"])
    assert other["ratios"]["macs"] < 1
    code, out, _ = cli("compare", "conv(out=16)", "dwsep(out=16)", "--input", "16x16x16",
                       "--measure", "--repeats", "1")
    assert code == 0 and "measured" in out


def test_bench_errors_are_one_line(cli):
    code, _, err = cli("bench", "pw(out=8)", "--input", "8x8x8", "--hardware", "a100",
                       "--device", "tpu")
    assert code == 2 and "--device: expected cpu or cuda" in err
    code, _, err = cli("bench", "pw(out=8)", "--input", "8x8x8", "--hardware", "a100",
                       "--dtype", "int8")
    assert code == 2 and "--dtype: measurements run in fp32, fp16 or bf16" in err


def test_measured_reports_in_every_format_and_refusals(cli, tmp_path):
    """compare --measure with a profile: HTML without a per-layer chart (only networks are
    timed), XLSX with the measured column and its ratio; options that would be ignored are
    refused in one line."""
    toy = tmp_path / "toy.yaml"
    toy.write_text(TOY)
    args = ("compare", "conv(out=8,k=3)", "dwsep(out=8)", "--input", "8x8x8", "--measure",
            "--repeats", "1", "--hardware", toy)
    page, book = tmp_path / "c.html", tmp_path / "c.xlsx"
    assert cli(*args, "-o", page)[0] == 0 and "id=measured>" not in page.read_text()
    assert cli(*args, "-o", book)[0] == 0
    import openpyxl

    header = [c.value for c in openpyxl.load_workbook(book)["Compare"][1]]
    assert header[-4:] == ["latency", "latency ratio", "measured", "measured ratio"]
    for extra, field in ((("--threads", "2"), "--threads"), (("--repeats", "3"), "--repeats")):
        code, _, err = cli("compare", "conv(out=8)", "--input", "8x8x8", *extra)
        assert code == 2 and f"{field}: only with --measure" in err
    for extra in (("--symbolic",), ("--mode", "train")):
        code, _, err = cli("compare", "conv(out=8)", "--input", "8x8x8", "--measure", *extra)
        assert code == 2 and "--measure: times the network's forward pass" in err


def test_a_profile_with_bad_measured_threads_is_refused(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TOY + "efficiency: {gemm: 0.5}\nmeasured: {threads: two}\n")
    code, _, err = cli("analyze", "pw(out=8)", "--input", "8x8x8", "--hardware", bad)
    assert code == 2 and "measured.threads: expected a positive whole number" in err
