"""The torch bridge: modules built from specs agree with archcalc, layer by layer."""

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

import archcalc  # noqa: E402
from archcalc.zoo import zoo_names  # noqa: E402
from archcalc import bridge_api  # noqa: E402
from dataclasses import replace  # noqa: E402

from archcalc.conventions.archcalc import ARCHCALC  # noqa: E402
from archcalc.cost import Cost  # noqa: E402
from archcalc.ops import Conv2d  # noqa: E402



@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_entry_checks_exactly(name):
    result = bridge_api.check(f"zoo:{name}")
    assert result.ok, [r for r in result.mismatches][:5]
    assert result.numel_total == archcalc.analyze(f"zoo:{name}").totals.params
    # every conv and linear layer was compared with a non-zero count by both tools
    counted = [r for r in result.rows if r.torch_expected]
    assert counted and all(r.fvcore == r.torch // 2 > 0 for r in counted)


def test_module_paths_are_archcalc_layer_names():
    module = bridge_api.to_module("ir(t=6,out=24)", input=(56, 56, 24))
    leaves = {n for n, m in module.named_modules() if not list(m.children())} - {""}
    assert leaves == {r.name for r in archcalc.analyze("ir(t=6,out=24)", input=(56, 56, 24)).records}
    assert not module.training


def test_module_output_shape_matches_ir():
    a = archcalc.analyze("zoo:shufflenet_v2_x1_0", resolution=96)
    module = bridge_api.to_module("zoo:shufflenet_v2_x1_0", resolution=96)
    out = module(torch.zeros(2, 3, 96, 96))
    assert tuple(out.shape) == (2, *a.network.output_shape.torch_dims)


def test_broken_formula_fails_loudly(cli, monkeypatch):
    honest = ARCHCALC.rules[Conv2d]

    def off_by_one(op, ins, out):
        c = honest.fn(op, ins, out)
        return Cost(c.params, c.macs + 1, c.flops + 2)

    monkeypatch.setitem(ARCHCALC.rules, Conv2d, replace(honest, fn=off_by_one))
    code, out, _ = cli("check", "dwsep(out=16)", "--input", "8x8x8")
    assert code == 1
    assert "2 of 6 layers DIFFER" in out and out.count("✗") == 2
    assert "-1" in out and "-2" in out  # fvcore one MAC short, FlopCounterMode two FLOPs


def test_check_json_and_exit_zero(cli):
    code, out, _ = cli("check", "ir(t=4,out=16,se=0.25,act=hswish)", "--input", "9x9x16",
                       "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"]
    spec = doc["specs"][0]
    assert spec["fvcore_skipped"] == {"aten::add": 1, "aten::hardsigmoid": 1,
                                      "aten::hardswish": 2, "aten::mul": 1}
    skipped = [r for r in spec["rows"] if r["fvcore_expected"] is None]
    assert skipped and all("not counted" in r["note"] for r in skipped)


def test_build_print(cli):
    code, out, _ = cli("build", "dwsep(out=16)", "--input", "8x8x8", "--print")
    assert code == 0 and "SpecModule" in out and "# 248 parameters" in out


@pytest.mark.parametrize("name", ["vit_b_16", "swin_t"])
def test_meta_device_counts_without_weights(name):
    # shapes and counts need no memory: numel and FlopCounterMode on the meta device
    from torch.utils.flop_counter import FlopCounterMode

    from archcalc.bridge.modules import build_module, zero_input

    a = archcalc.analyze(f"zoo:{name}")
    model = build_module(a.network, device="meta")
    assert sum(p.numel() for p in model.parameters()) == a.totals.params
    with FlopCounterMode(display=False) as mode:
        model(zero_input(a.network, device="meta"))
    assert mode.get_total_flops() == 2 * a.totals.macs


def test_rows_compare_output_shapes():
    result = bridge_api.check("conv(out=8,k=3,s=2), pool(global), linear(out=5)", input=(9, 9, 3),
                              batch=2)
    shapes = {r.layer: r.torch_out_shape for r in result.rows}
    assert shapes["conv0.conv"] == (2, 8, 5, 5) and shapes["linear2.fc"] == (2, 5, 1, 1)
    assert result.ok and all(r.shape_ok for r in result.rows)


def test_wrong_shape_without_flops_fails_its_row(cli, monkeypatch):
    # a token read-out off the end gives torch an empty tensor and no FLOPs to differ in
    from archcalc.bridge.modules import BUILDERS, SelectToken
    from archcalc.ops import TokenSelect

    monkeypatch.setitem(BUILDERS._fns, TokenSelect, lambda op, node: SelectToken(9))
    code, out, _ = cli("check", "token(index=1)", "--input", "5x12", "--format", "json")
    row, = json.loads(out)["specs"][0]["rows"]
    assert code == 1 and not row["ok"]
    assert (row["out_shape"], row["torch_out_shape"]) == ("1×1×12", "1×0×12")
    assert row["note"].startswith("torch output 1×0×12 ≠ archcalc 1×1×12")


def test_torch_errors_become_one_line_naming_the_layer(cli, monkeypatch):
    from archcalc.bridge.modules import BUILDERS, Binary
    from archcalc.ops import Add

    monkeypatch.setitem(BUILDERS._fns, Add, lambda op, node: Binary(torch.matmul))
    code, out, err = cli("check", "conv(out=4,k=1), add(other=input)", "--input", "5x3x4")
    assert code == 2 and "Traceback" not in out + err and err.count("\n") == 1
    assert "torch failed running layer add1.add: RuntimeError:" in err


def test_torch_build_errors_name_the_layer(monkeypatch):
    from archcalc.bridge.modules import BUILDERS
    from archcalc.ops import Add

    def broken(op, node):
        raise ValueError("no module\nsecond line")

    monkeypatch.setitem(BUILDERS._fns, Add, broken)
    with pytest.raises(archcalc.ArchcalcError) as exc:
        bridge_api.check("conv(out=4,k=1), add(other=input)", input=(5, 3, 4))
    assert str(exc.value) == "torch cannot build layer add1.add: ValueError: no module"
