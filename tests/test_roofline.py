"""Hardware profiles and roofline latency: hand-computed layer times, shipped profiles with
their sources, user profile files, and the JSON fields."""

import json

import pytest

import archcalc
from archcalc.hardware import get, names
from archcalc.api import Options, sweep
from archcalc.roofline import layer_time
from archcalc.sweep import Axis

PROFILE = """name: toy
title: a toy machine
peak_flops: {fp32: 1.0e+9, fp16: 4.0e+9}
bandwidth: 1.0e+9
sources: ["made up for the test"]
"""


@pytest.fixture
def toy(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text(PROFILE)
    return str(path)


def test_one_convolution_by_hand(toy):
    """conv 3×3, 3 → 8 channels on 8×8 (same padding, no norm): MACs 8·8·8·27 = 13,824, FLOPs
    27,648; bytes (input 192 + weights 216 + output 512 elements) × 4 = 3,680.  At 1 GFLOP/s and
    1 GB/s: compute 27.648 µs > memory 3.68 µs, so compute-bound at the full peak."""
    a = archcalc.analyze("conv(out=8,k=3,act=none)", input=(8, 8, 3), norm="none",
                         hardware=toy)
    (row,) = a.layer_rows()
    assert (row["flops"], row["bytes"]) == (27_648, 3_680)
    assert row["latency_s"] == pytest.approx(27_648e-9)
    assert row["bound"] == "compute" and row["attainable_flops"] == 1e9
    assert a.latency() == {"latency_s": pytest.approx(27_648e-9), "memory_bound_share": 0.0}


def test_a_depthwise_layer_is_memory_bound_and_times_add_up(toy):
    """A depthwise 3×3 on 8×8×64 in fp16: FLOPs 2·8·8·64·9 = 73,728 at 4 GFLOP/s is 18.4 µs;
    bytes (4,096 + 576 + 4,096) × 2 = 17,536 at 1 GB/s is 17.5 µs: compute-bound; its BN and
    ReLU move bytes and do almost nothing: memory-bound.  The network's latency is the sum."""
    a = archcalc.analyze("dw(k=3)", input=(8, 8, 64), dtype="fp16", hardware=toy)
    rows = a.layer_rows()
    assert [r["bound"] for r in rows] == ["compute", "memory", "memory"]
    assert rows[0]["latency_s"] == pytest.approx(73_728 / 4e9)
    assert rows[1]["latency_s"] == pytest.approx(rows[1]["bytes"] / 1e9)
    total = sum(r["latency_s"] for r in rows)
    assert a.latency()["latency_s"] == pytest.approx(total)
    assert a.latency()["memory_bound_share"] == pytest.approx(
        (rows[1]["latency_s"] + rows[2]["latency_s"]) / total)


def test_layer_time_rule():
    t = layer_time(100, 50, peak=10.0, bandwidth=10.0)
    assert (t.latency_s, t.bound, t.attainable_flops) == (10.0, "compute", 10.0)
    t = layer_time(10, 50, peak=10.0, bandwidth=10.0)
    assert (t.latency_s, t.bound, t.attainable_flops) == (5.0, "memory", 2.0)
    assert layer_time(0, 0, 10.0, 10.0).bound is None


def test_shipped_profiles_are_cited():
    assert names() == ["a100", "cortex-a76", "h100", "rpi4", "rtx4090"]
    for name in names():
        p = get(name)
        assert p.sources and all(v > 0 for _, v in p.peak_flops) and p.bandwidth > 0
        assert dict(p.peak_flops)["fp32"] / p.bandwidth == p.ridge["fp32"]
    # the datasheet figures (A100 80GB SXM): 19.5 TFLOPS FP32, 312 TFLOPS FP16, 2,039 GB/s
    a100 = get("a100")
    assert (a100.peak("fp32"), a100.peak("fp16"), a100.bandwidth) == (19.5e12, 312e12, 2039e9)


def test_hardware_command_and_json_fields(cli):
    code, out, _ = cli("hardware", "-f", "json")
    doc = json.loads(out)
    assert code == 0 and [h["name"] for h in doc["hardware"]] == names()
    code, out, _ = cli("analyze", "zoo:mobilenet_v2", "--hardware", "a100", "-f", "json")
    doc = json.loads(out)
    assert code == 0 and doc["hardware"]["name"] == "a100"
    assert doc["totals"]["latency_s"] == pytest.approx(sum(r["latency_s"] for r in doc["layers"]))
    assert {r["bound"] for r in doc["layers"]} <= {"compute", "memory", None}
    code, out, _ = cli("compare", "zoo:mobilenet_v1", "zoo:mobilenet_v2", "--hardware",
                       "rpi4")
    assert code == 0 and "roofline on Raspberry Pi 4" in out and "latency" in out


def test_profile_errors_are_one_line(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\npeak_flops: {fp32: -1.0}\nbandwidth: 1.0e+9\n")
    code, _, err = cli("analyze", "conv(out=8)", "--input", "8x8x3", "--hardware", str(bad))
    assert code == 2 and f"{bad}:2: peak_flops.fp32: expected a positive number" in err
    code, _, err = cli("analyze", "conv(out=8)", "--input", "8x8x3", "--hardware", "tpu9")
    assert code == 2 and "--hardware: unknown hardware 'tpu9'" in err
    code, _, err = cli("analyze", "conv(out=8)", "--input", "8x8x3", "--hardware", "rpi4",
                       "--dtype", "int8")
    assert code == 2 and "hardware rpi4 has no int8 peak" in err


def test_html_report_draws_the_roofline_with_hardware(tmp_path, cli):
    with_hw, without = tmp_path / "hw.html", tmp_path / "plain.html"
    assert cli("report", "zoo:mobilenet_v2", "--hardware", "a100", "-o", with_hw)[0] == 0
    assert cli("report", "zoo:mobilenet_v2", "-o", without)[0] == 0
    page = with_hw.read_text(encoding="utf-8")
    assert "id=roofline>" in page and '"fig-roofline"' in page
    assert "NVIDIA A100 80GB SXM roof" in page
    assert "id=roofline>" not in without.read_text(encoding="utf-8")


def test_a_sweep_times_each_configuration_as_analyze_does():
    """The vectorised sweep's roofline latency (one value per configuration, mixed depthwise
    and dense decisions split) equals the scalar analysis of each configuration."""
    axes = (Axis("t", (1, 2, 6)), Axis("k", (3, 5)))
    result = sweep("ir(out=16)", axes, Options(input=(28, 28, 16), hardware="a100"))
    assert result.metrics[-2:] == ("latency_s", "memory_bound_share")
    for row in result.rows():
        a = archcalc.analyze(f"ir(t={row['t']},k={row['k']},out=16)", input=(28, 28, 16),
                             hardware="a100")
        assert row["latency_s"] == pytest.approx(a.latency()["latency_s"], rel=1e-12)
        assert row["memory_bound_share"] == pytest.approx(a.latency()["memory_bound_share"])
    nets = sweep("zoo:mobilenet_v2", (Axis("width_mult", (0.5, 1.0)),), Options(hardware="rpi4"))
    assert nets.rows()[1]["latency_s"] == pytest.approx(
        archcalc.analyze("zoo:mobilenet_v2", hardware="rpi4").latency()["latency_s"])


CALIBRATED = PROFILE + """overhead_s: 2.0e-6
efficiency: {gemm: 0.5, depthwise: 0.25}
measured: {threads: 2}
"""


def test_a_calibrated_profile_adds_overhead_and_divides_by_efficiency(tmp_path):
    """Same layers as above on a calibrated toy: every layer that runs costs 2 µs more, a
    dense conv runs at half its roofline rate, a depthwise one at a quarter, the rest (BN,
    ReLU: the ``elementwise`` class, not listed) at the full rate."""
    path = tmp_path / "cal.yaml"
    path.write_text(CALIBRATED)
    conv = archcalc.analyze("conv(out=8,k=3,act=none)", input=(8, 8, 3), norm="none",
                            hardware=str(path))
    (row,) = conv.layer_rows()
    assert row["latency_s"] == pytest.approx(2e-6 + 27_648e-9 / 0.5)
    assert row["attainable_flops"] == 0.5e9
    dw = archcalc.analyze("dw(k=3)", input=(8, 8, 64), dtype="fp16", hardware=str(path))
    rows = dw.layer_rows()
    assert rows[0]["latency_s"] == pytest.approx(2e-6 + 73_728 / 4e9 / 0.25)
    assert rows[1]["latency_s"] == pytest.approx(2e-6 + rows[1]["bytes"] / 1e9)
    assert dw.latency()["latency_s"] == pytest.approx(sum(r["latency_s"] for r in rows))
    assert get(str(path)).as_dict()["efficiency"] == {"gemm": 0.5, "depthwise": 0.25}


def test_calibrated_profile_errors(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PROFILE + "efficiency: {tensor: 0.5}\n")
    code, _, err = cli("analyze", "conv(out=8)", "--input", "8x8x3", "--hardware", str(bad))
    assert code == 2 and "efficiency.tensor: unknown rate class 'tensor'" in err


def test_sweep_rows_recomputed_exactly_take_their_times_from_the_exact_bytes():
    """Beyond 2**53 the vectorised floats lose bytes; those rows are recomputed exactly, and
    so are their roofline times (the analysis of the same configuration)."""
    opts = Options(input=(200, 200, 8), batch=2_000_000_000, hardware="a100")
    axes = (Axis("t", (1,)), Axis("in_ch", (100_000,)), Axis("out_ch", (100_000,)))
    (row,) = sweep("ir", axes, opts).rows()
    a = archcalc.analyze("ir(t=1,out=100000)", input=(200, 200, 100_000),
                         batch=2_000_000_000, hardware="a100")
    assert row["latency_s"] == a.latency()["latency_s"]
    assert row["memory_bound_share"] == a.latency()["memory_bound_share"]


def test_a_sweep_of_layers_that_move_nothing_has_no_memory_bound_share(cli):
    code, out, err = cli("sweep", "dropout", "--p", "0.1,0.5", "--input", "8x8x8",
                         "--hardware", "a100", "-f", "json")
    assert code == 0, err
    assert [r["memory_bound_share"] for r in json.loads(out)["rows"]] == [None, None]
