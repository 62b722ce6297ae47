"""Importing real torch modules (torch.fx, hooks fallback) into archcalc's analysis."""

import re

import pytest

torch = pytest.importorskip("torch")

import archcalc  # noqa: E402
from archcalc.zoo import zoo_names  # noqa: E402
from archcalc import ArchcalcError, bridge_api  # noqa: E402

from . import user_models  # noqa: E402


@pytest.mark.parametrize("name", zoo_names())
def test_torch_built_zoo_modules_round_trip(name):
    spec = archcalc.analyze(f"zoo:{name}")
    inspected, method, _ = bridge_api.inspect_module(bridge_api.to_module(f"zoo:{name}"),
                                                  spec.network.input_shape.dims)
    assert method == "fx"
    assert inspected.totals == spec.totals  # params, MACs, FLOPs, bytes and peak memory


def test_user_written_model_equals_its_spec():
    inspected, method, _ = bridge_api.inspect_module(user_models.TinyNet(), (32, 32, 3))
    spec = archcalc.analyze("conv(out=16,s=2,act=hswish), ir(t=4,out=16,se=0.25,act=hswish),"
                            " pool(global), linear(out=10)", input=(32, 32, 3))
    assert method == "fx"
    assert inspected.totals == spec.totals
    assert sum(p.numel() for p in user_models.TinyNet().parameters()) == spec.totals.params


def test_chunk_and_cat():
    a, _, _ = bridge_api.inspect_module(user_models.SplitNet(), (5, 5, 16))
    assert [r.op for r in a.records] == ["split", "split", "conv", "act", "concat"]
    assert a.totals.params == 8 * 8 + 8


def test_hooks_fallback_counts_a_chain_exactly():
    model = user_models.ChainBySize()
    a, method, notes = bridge_api.inspect_module(model, (8, 8, 3))
    assert method == "hooks"
    assert [r.op for r in a.records] == ["conv", "bn", "act", "conv", "unused"]
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    # 8·8·8 outputs × 27 MACs, and 4·8·8 × 8 for the 1×1 conv taken at this size
    assert a.totals.macs == 8 * 8 * 8 * 27 + 4 * 8 * 8 * 8
    assert "torch.fx could not trace" in notes[0]
    # the untaken 3×3 conv's parameters are listed as unused, not silently dropped
    assert any("large.weight (288)" in n and "292 of" in n for n in notes)


def test_hooks_fallback_refuses_what_it_cannot_see():
    """Data-dependent control flow on ``y.sum()``, a relu outside any module: hooks would
    count the conv and BN and miss the rest; refused, naming what it cannot see."""
    with pytest.raises(ArchcalcError) as exc:
        bridge_api.inspect_module(user_models.Gated(), (8, 8, 3))
    message = str(exc.value)
    assert "torch.fx cannot trace this model (TraceError" in message
    # (the relu runs or not with the random weights; the sum always does)
    assert re.search(r"Gated: computes (relu, )?sum outside its leaf modules", message)


def test_unsupported_modules_are_named():
    with pytest.raises(ArchcalcError) as exc:
        bridge_api.inspect_module(user_models.WithLSTM(), (8, 8, 3))
    assert "rnn" in str(exc.value) and "LSTM" in str(exc.value)


def test_inspect_cli_emits_a_spec_that_analyzes_the_same(cli, tmp_path):
    out_spec = tmp_path / "tiny.yaml"
    code, out, err = cli("inspect", "tests.user_models:TinyNet", "--input", "32x32x3",
                         "--emit-spec", out_spec, "--format", "json")
    assert code == 0, err
    import json
    doc = json.loads(out)
    assert doc["traced_with"] == "fx"
    again = archcalc.analyze(out_spec)
    assert again.totals.as_dict() == doc["totals"]


def test_inspect_cli_bad_target(cli):
    code, _, err = cli("inspect", "no_such_pkg:factory")
    assert code == 2 and "cannot load" in err and len(err.strip().splitlines()) == 1


def test_every_unsupported_call_is_named_once():
    with pytest.raises(ArchcalcError) as exc:
        bridge_api.inspect_module(user_models.Unsupported(), (8, 8, 3))
    message = str(exc.value)
    # the user's file, line, code and module path, and what is missing
    assert message.startswith("cannot import 1 call(s): user_models.py:119 "
                              "`y = self.norm(self.conv(x))` (norm): InstanceNorm2d is not "
                              "supported"), message
    assert "einsum" not in message  # the einsum and add downstream are not noise


MYMODELS = '''import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding="same")
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)

    def forward(self, x):
        x = self.pool(F.relu6(self.conv(x)))
        return x * F.hardsigmoid(x + 3.) / 6.
'''


def test_inspect_file_targets_and_the_current_directory(cli, tmp_path, monkeypatch):
    """FILE.py:ATTR and module:ATTR with the current directory importable (no PYTHONPATH);
    Python scalars, padding='same' and ceil_mode counted exactly."""
    (tmp_path / "mymodels.py").write_text(MYMODELS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # restored after the test
    for target in ("mymodels.py:Net", "mymodels:Net", f"{tmp_path}/mymodels.py:Net"):
        code, out, err = cli("inspect", target, "--input", "9x9x3", "--format", "json")
        assert code == 0, err
    import json
    doc = json.loads(out)
    # conv 9·9·8 outputs × 27 MACs; pool ceil mode: 5×5 windows of 3×3 on 8 channels
    assert doc["totals"]["macs"] == 9 * 9 * 8 * 27
    assert [layer["op"] for layer in doc["layers"]] == [
        "conv", "act", "pool", "arith", "act", "mul", "arith"]
    code, _, err = cli("inspect", "mymodels.py:Nope")
    assert code == 2 and "has no attribute 'Nope'" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("model, hwc, expect", [
    (user_models.SubclassUnderHooks, (8, 8, 3), "conv (ClampConv): ClampConv overrides "
                                                "Conv2d.forward"),
    (user_models.Twice, (6, 6, 8), "(conv): a module with parameters called more than once"),
    (user_models.Tied, (5, 16), "parameters shared between layers (tied weights)"),
    (user_models.TinyNet, (8, 8, 5), "the model fails on a zero input of shape (5, 8, 8)"),
])
def test_what_cannot_be_counted_exactly_is_refused(model, hwc, expect):
    with pytest.raises(ArchcalcError) as exc:
        bridge_api.inspect_module(model(), hwc)
    assert expect in str(exc.value) and "\n" not in str(exc.value)


def test_inspect_counts_only_under_conventions_of_aten_ops():
    a, _, _ = bridge_api.inspect_module(user_models.TinyNet(), (32, 32, 3), convention="fvcore")
    assert a.convention == "fvcore"
    with pytest.raises(ArchcalcError, match="thop tells modules from functional calls"):
        bridge_api.inspect_module(user_models.TinyNet(), (32, 32, 3), convention="thop")


def test_emit_spec_under_the_fused_policy(cli, tmp_path):
    out_spec = tmp_path / "tiny.yaml"
    code, _, err = cli("inspect", "tests.user_models:TinyNet", "--input", "32x32x3",
                       "--memory", "fused", "--emit-spec", out_spec)
    assert code == 0, err
    assert archcalc.analyze(out_spec, memory="fused").totals.params == \
        sum(p.numel() for p in user_models.TinyNet().parameters())
