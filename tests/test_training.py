"""--mode train: backward rules, saved tensors and the training step's memory, hand-computed.

Every figure below is worked out by hand from the rules' docstrings (archcalc/conventions/
archcalc.py backward rules, archcalc/cost/saved.py, archcalc/cost/training.py's definitions);
the exact agreement with PyTorch's autograd and FlopCounterMode on the built modules is in
tests/test_training_bridge.py.
"""

import numpy as np
import pytest

import archcalc
from archcalc.analysis import analyze_network
from archcalc.build import build
from archcalc.conventions import get, names
from archcalc.conventions.archcalc import ARCHCALC, backward_table
from archcalc.cost.saved import SAVED, TABLE
from archcalc.cost.training import Training
from archcalc.errors import ArchcalcError
from archcalc.ops import (OPS, Activation, AdaptivePool2d, BatchNorm2d, GradientSum, LayerNorm,
                          Pool2d, Scale, Shape, Softmax, Upsample)
from archcalc.spec import load_spec


def backward(op, ins, out, grads=(1,), batch=1):
    return ARCHCALC.backward_cost(op, ins, out, grads, batch)


def test_every_op_type_has_a_backward_rule_and_a_saved_tensor_rule():
    for op_type in OPS:
        assert op_type in ARCHCALC.backward, op_type  # archcalc's own: no fallback
        assert op_type in SAVED, op_type
    assert GradientSum in ARCHCALC.backward
    assert all(says for _, says in TABLE)
    assert all(row[0] and row[-1] for row in backward_table())


def test_only_archcalc_and_flopcounter_count_a_backward_pass():
    assert {n for n in names() if get(n).trains} == {"archcalc", "torch"}


# --- backward FLOPs of what FlopCounterMode does not count (BN, activations, pooling) ------

def test_batch_norm_backward_is_10_per_element_or_5_without_an_input_gradient():
    x = Shape(16, 8, 8)  # 1,024 elements per sample
    bn = BatchNorm2d(16)
    assert backward(bn, (x,), x, batch=2).flops == 10 * 2 * 1024 == 20480
    assert backward(bn, (x,), x, grads=(0,), batch=2).flops == 5 * 2 * 1024
    assert backward(LayerNorm(16), (x,), x).flops == 10 * 1024


def test_batch_norm_forward_in_training_computes_its_statistics():
    """Inference: 2 per element (scale, shift); training: layer norm's 5 + 2 (affine)."""
    x = Shape(16, 8, 8)
    bn = BatchNorm2d(16)
    assert ARCHCALC.cost(bn, (x,), x).flops == 2 * 1024
    assert ARCHCALC.in_training().cost(bn, (x,), x).flops == 7 * 1024
    assert ARCHCALC.cost(bn, (x,), x).flops == 2 * 1024  # the inference rules are untouched


def test_activation_and_softmax_backward():
    x = Shape(3, 4, 4)  # 48 elements
    for fn in ("relu", "relu6", "hswish", "gelu", "sigmoid"):
        assert backward(Activation(fn), (x,), x).flops == 2 * 48  # derivative, product
    t = Shape.tokens(10, 5)
    assert backward(Softmax(), (t,), t).flops == 4 * 50  # y·g, row sum, difference, ·y


def test_pooling_backward():
    x = Shape(4, 8, 8)
    out = Pool2d("max", 3, 2).out_shape(x)  # (8 − 3)//2 + 1 = 3: 36 outputs
    assert backward(Pool2d("max", 3, 2), (x,), out).flops == 36  # added at its maximum
    out = Pool2d("avg", 2).out_shape(x)  # 4×4×4 = 64 outputs, each spread over 2·2 inputs
    assert backward(Pool2d("avg", 2), (x,), out).flops == 4 * 64
    glob = Shape(8, 7, 7)
    assert backward(AdaptivePool2d("avg", 1), (glob,), Shape(8, 1, 1)).flops == 392
    assert backward(AdaptivePool2d("max", 2), (glob,), Shape(8, 2, 2)).flops == 32


def test_upsample_scale_and_gradient_sum_backward():
    x, y = Shape(2, 4, 4), Shape(2, 8, 8)  # 128 output elements
    assert backward(Upsample(2, "bilinear"), (x,), y).flops == 8 * 128
    assert backward(Upsample(2), (x,), y).flops == 128
    x, gate = Shape(8, 4, 4), Shape(8, 1, 1)  # 128 elements
    assert backward(Scale(), (x, gate), x, grads=(1, 1)).flops == 3 * 128
    assert backward(Scale(), (x, gate), x, grads=(1, 0)).flops == 128
    assert backward(GradientSum(3), (x,), x).flops == 2 * 128  # k − 1 adds per element


def test_dense_backward_skips_the_first_layers_input_gradient():
    """conv 3×3 of 6×6×4 → 6×6×8: 6·6·8·4·9 = 10,368 MACs; the first conv computes its weight
    gradient only, the second its input's too; the first layer's BN its weights' only."""
    a = archcalc.analyze("conv(out=8,k=3), conv(out=8,k=3)", input=(6, 6, 4), mode="train")
    rows = {r["name"]: r for r in a.layer_rows()}
    assert rows["conv0.conv"]["backward_macs"] == 10368
    assert rows["conv0.conv"]["backward_flops"] == 2 * 10368
    assert rows["conv1.conv"]["backward_macs"] == 2 * 6 * 6 * 8 * 8 * 9
    assert rows["conv0.bn"]["backward_flops"] == 10 * 288  # its input (conv0's output) needs one
    ir = archcalc.analyze("ir(t=6,out=24)", input=(8, 8, 24), mode="train")
    add = {r["name"]: r for r in ir.layer_rows()}
    # the block input is read by the expansion and the add, but the network input needs no
    # gradient: nothing to sum
    assert add["ir0.expand.conv"]["backward_flops"] == 2 * 8 * 8 * 144 * 24


# --- the training step's memory, hand-computed --------------------------------------------

TINY = "conv(out=4,k=1,act=relu)"  # with --norm none: conv 1×1 (12 weights) → relu


@pytest.mark.parametrize("optimizer, dtype, expected", [
    # input 2×2×3 (48 B), conv output C and relu output R (64 B each); conv saves the input,
    # relu its output: 112 B saved.  Forward peak at the relu: input + C + R = 176 B.
    # Backward at the relu: saved input and R, gradients of C and R: 240 B.  Weights and
    # gradients 12 · 4 B each.
    ("sgd", "fp32", 48 + 48 + 240),
    ("momentum", "fp32", 48 + 48 + 48 + 240),
    ("adam", "fp32", 48 + 48 + 2 * 48 + 240),
    ("adamw", "fp32", 48 + 48 + 2 * 48 + 240),
    # fp16: activations, weights and gradients at 2 B (backward peak 120 B), fp32 master
    # weights 48 B and fp32 optimizer state (ZeRO §3.1's 2 + 2 + 12 bytes per weight for Adam)
    ("sgd", "fp16", 24 + 24 + 48 + 120),
    ("adamw", "fp16", 24 + 24 + 48 + 2 * 48 + 120),
    ("momentum", "bf16", 24 + 24 + 48 + 48 + 120),
])
def test_step_memory_of_a_tiny_network(optimizer, dtype, expected):
    a = archcalc.analyze(TINY, input=(2, 2, 3), norm="none", mode="train", optimizer=optimizer,
                         dtype=dtype)
    t = a.training_totals()
    half = dtype != "fp32"
    assert t["saved_activation_bytes"] == (56 if half else 112)
    assert t["forward_peak_bytes"] == (88 if half else 176)
    assert t["backward_peak_bytes"] == (120 if half else 240)
    assert t["master_weight_bytes"] == (48 if half else 0)
    assert t["train_memory_bytes"] == expected
    assert t["backward_macs"] == 48 and t["backward_flops"] == 96 + 2 * 16
    assert t["train_flops"] == (96 + 16) + 128


TWO_BLOCKS = "conv(out=4,k=1,act=relu), conv(out=4,k=1,act=relu)"


def test_checkpointing_two_blocks_by_hand():
    """Batch 2, input 2×2×3 (96 B), every 2×2×4 map 128 B, BN statistics 2·4 fp32 (32 B).

    Without checkpointing the forward saves the input, conv0's output (BN), relu0's output
    (relu0 and conv1), conv1's output (BN), relu1's output and both BN's statistics: 672 B;
    the forward peaks at the end (672 + bn1's output, which relu1 reads: 800 B) and the
    backward at relu1 (672 saved + the gradients of bn1's and relu1's outputs: 928 B).
    Checkpointed per block, the forward holds the two blocks' inputs (input, relu0's output:
    224 B) and peaks at 480 B (input, relu0's output, conv1's and bn1's outputs); the
    backward of block 1 recomputes it and peaks at relu1: its saved tensors (conv1's and
    relu1's outputs, bn1's statistics: 288 B) + the held inputs (224 B) + two gradients
    (256 B) = 768 B.  Recomputed: the forward again, 192 + 224 + 32 + 256 + 224 + 32 FLOPs
    (conv0, bn0 in training, relu0, conv1, bn1, relu1).  Weights 44 (12 + 8 + 16 + 8) · 4 B,
    gradients as much; SGD holds no state."""
    none, ckpt = (archcalc.analyze(TWO_BLOCKS, input=(2, 2, 3), batch=2, mode="train",
                                   optimizer="sgd", checkpoint=c).training_totals()
                  for c in ("none", "blocks"))
    assert (none["saved_activation_bytes"], none["forward_peak_bytes"],
            none["backward_peak_bytes"], none["train_memory_bytes"]) == (672, 800, 928, 1280)
    assert (ckpt["saved_activation_bytes"], ckpt["forward_peak_bytes"],
            ckpt["backward_peak_bytes"], ckpt["train_memory_bytes"]) == (224, 480, 768, 1120)
    assert ckpt["saved_activation_bytes_no_checkpoint"] == 672
    assert ckpt["train_memory_bytes_no_checkpoint"] == 1280
    assert none["recompute_flops"] == 0
    assert ckpt["recompute_flops"] == 960 == ckpt["train_flops"] - none["train_flops"]
    assert none["backward_flops"] == ckpt["backward_flops"] == 192 + 320 + 64 + 512 + 320 + 64


def test_saved_tensors_are_counted_once_and_views_are_their_source():
    """conv → BN → relu → conv: the relu output the next conv saves is one tensor (relu saves
    its output); relu6 (hardtanh) saves its input, so with it the next conv is the first to
    save the activation's output, and the network saves one map more."""
    a = archcalc.analyze("conv(out=8,k=1), conv(out=8,k=1)", input=(4, 4, 3), mode="train")
    rows = {r["name"]: r for r in a.layer_rows()}
    assert rows["conv0.act"]["category"] == "relu" and rows["conv1.conv"]["saved_bytes"] == 0
    relu6 = archcalc.analyze("conv(out=8,k=1), conv(out=8,k=1)", input=(4, 4, 3), mode="train",
                             act="relu6")
    rows6 = {r["name"]: r for r in relu6.layer_rows()}
    assert rows6["conv1.conv"]["saved_bytes"] == 4 * 4 * 8 * 4
    assert relu6.training_totals()["saved_activation_bytes"] == (
        a.training_totals()["saved_activation_bytes"] + 4 * 4 * 8 * 4)


def test_training_only_layers_run_in_training():
    """Inception v3's auxiliary classifier: no cost at inference, forward and backward in
    training."""
    infer = archcalc.analyze("zoo:inception_v3")
    train = archcalc.analyze("zoo:inception_v3", mode="train")
    aux = [r for r in train.layer_rows() if r["block"] == "AuxLogits"]
    convs = [r for r in aux if r["category"].startswith(("conv", "fully"))]
    assert len(convs) == 3 and all(r["macs"] and r["backward_flops"] for r in convs)
    assert train.totals.macs == infer.totals.macs + sum(r["macs"] for r in aux)


def test_training_costs_evaluate_arrays_and_symbols_like_ints():
    """One driver: the training totals of NumPy-valued and SymPy-valued networks equal the
    integer ones, configuration by configuration."""
    sp = pytest.importorskip("sympy")
    from archcalc.symbolic import freed, symbol

    settings = Training("adam", "blocks")

    def totals(spec):
        net = build(spec)
        return analyze_network(net, batch=2, training=settings).training_totals()

    spec = load_spec("ir(t=6,out=24,se=0.25)", (14, 14, 24))
    exact = {t: totals(load_spec(f"ir(t={t},out=24,se=0.25)", (14, 14, 24))) for t in (2, 4)}
    arrays = totals(_with_t(spec, np.array([2.0, 4.0])))
    for i, t in enumerate((2, 4)):
        assert {k: int(np.broadcast_to(v, 2)[i]) for k, v in arrays.items()} == exact[t]
    symbolic = totals(freed(load_spec("ir(t=6,out=24)", (14, 14, 24)), ("res",)))
    res = symbol("res")
    at_14 = totals(load_spec("ir(t=6,out=24)", (14, 14, 24)))
    assert {k: int(sp.sympify(v).subs(res, 14)) for k, v in symbolic.items()} == at_14


def _with_t(spec, t):
    from dataclasses import replace

    layer = spec.layers[0]
    params = dict(layer.params, t=t)
    return replace(spec, layers=(replace(layer, params=tuple(params.items())),))


# --- options and errors ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field", [
    ({"mode": "fit"}, "--mode"), ({"optimizer": "lion"}, "--optimizer"),
    ({"checkpoint": "layers"}, "--checkpoint"), ({"mode": "train", "dtype": "int8"}, "--dtype"),
    ({"mode": "train", "convention": "fvcore"}, "--mode"),
    ({"mode": "train", "convention": "thop"}, "--mode"),
])
def test_bad_training_options_name_their_field(kwargs, field):
    with pytest.raises(ArchcalcError) as exc:
        archcalc.analyze("conv(out=8)", input=(8, 8, 3), **kwargs)
    assert exc.value.field == field


def test_training_options_need_train_mode_and_train_mode_refuses_what_it_cannot_count(cli):
    """An optimizer or checkpointing at inference would be silently ignored; a folded BN
    cannot be trained; the roofline times the forward pass only: each is one line, exit 2."""
    for args, field in ((("--optimizer", "sgd"), "--optimizer"),
                        (("--checkpoint", "blocks"), "--checkpoint"),
                        (("--mode", "train", "--fold-bn"), "--fold-bn"),
                        (("--mode", "train", "--hardware", "a100"), "--hardware")):
        code, _, err = cli("analyze", "ir(t=6,out=24)", *args)
        assert code == 2 and f"{field}: " in err and len(err.splitlines()) == 1, err
    with pytest.raises(archcalc.ArchcalcError, match="only with --mode train"):
        archcalc.analyze("zoo:mobilenet_v2", optimizer="sgd")


# --- the command line --------------------------------------------------------------------

def test_cli_analyze_train_json_carries_every_figure(cli):
    import json

    code, out, err = cli("analyze", "ir(t=6,out=24)", "--input", "56x56x24", "--mode", "train",
                         "--optimizer", "momentum", "--checkpoint", "blocks", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    a = archcalc.analyze("ir(t=6,out=24)", input=(56, 56, 24), mode="train",
                         optimizer="momentum", checkpoint="blocks")
    assert doc["training"] == {"optimizer": "momentum", "checkpoint": "blocks"}
    assert {k: doc["totals"][k] for k in a.training_totals()} == a.training_totals()
    assert [r["saved_bytes"] for r in doc["layers"]] == [r["saved_bytes"] for r in a.layer_rows()]


def test_cli_compare_train_table_and_markdown(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli("compare", "--mode", "train")
    assert code == 0, err
    assert "step memory" in out and "saved act." in out and "training step, adamw" in out
    assert max(map(len, out.splitlines())) <= 80
    for name in ("conv(out=24,k=3)", "dwsep(out=24,k=3)", "ir(t=6,out=24,k=3)"):
        assert name in out
    code, out, err = cli("compare", "--mode", "train", "--dtype", "bf16", "-f", "markdown")
    assert code == 0 and "### training step memory" in out and "fp32 master" in out


def test_cli_sweep_train_filters_and_sorts_on_training_metrics(cli):
    import json

    code, out, err = cli("sweep", "ir(out=24)", "--t", "1:4", "--input", "56x56x24", "--mode",
                         "train", "--where", "train_memory_bytes<4e6", "--sort",
                         "-saved_activation_bytes", "-f", "json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert rows and all(r["train_memory_bytes"] < 4e6 for r in rows)
    saved = [r["saved_activation_bytes"] for r in rows]
    assert saved == sorted(saved, reverse=True)
    one = archcalc.analyze(f"ir(out=24,t={rows[0]['t']})", input=(56, 56, 24), mode="train")
    assert rows[0]["train_flops"] == one.training_totals()["train_flops"]


def test_cli_report_train_html_draws_the_training_profile(cli, tmp_path):
    """The page holds the training section, and headless Chromium (where installed, see
    tests/browser.py) draws every chart, the saved-activation profile among them, offline and
    without a script error."""
    pytest.importorskip("plotly")
    from . import browser

    target = tmp_path / "train.html"
    code, _, err = cli("report", "ir(t=6,out=24)", "dwsep(out=24)", "--input", "28x28x24",
                       "--mode", "train", "--checkpoint", "blocks", "-o", target)
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    assert 'id="fig-training"' in page and "<h2>Training step</h2>" in page
    assert "held for backward" in page and "step memory no ckpt" in page
    chromium = browser.find_chromium()
    if chromium is None:
        pytest.skip("no Chromium binary found: the page was not rendered")
    shown = browser.Rendered(browser.dump_dom(chromium, target, tmp_path / "profile").wait())
    assert shown.errors == "" and shown.resources == []
    divs = shown.plot_divs()
    assert "fig-training" in divs and shown.rendered == str(len(divs))
    assert all('<svg class="main-svg"' in markup for markup in divs.values())


@pytest.mark.parametrize("args, expect", [
    (("--mode", "fit"), "--mode: expected one of infer, train"),
    (("--mode", "train", "--optimizer", "lion"), "--optimizer: expected one of sgd, momentum"),
    (("--mode", "train", "--checkpoint", "layers"), "--checkpoint: expected one of none, blocks"),
    (("--mode", "train", "--convention", "fvcore"), "--mode: convention fvcore counts the "
                                                    "forward pass only"),
    (("--mode", "train", "--dtype", "int8"), "--dtype: training is counted in fp32"),
    (("--mode", "train", "--symbolic"), "--mode: closed forms are of the inference pass"),
])
def test_cli_bad_training_options_are_one_line_exit_2(cli, args, expect):
    command = "compare" if "--symbolic" in args else "analyze"
    target = () if command == "compare" else ("conv(out=8)",)
    code, out, err = cli(command, *target, *args)
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and expect in err, err


@pytest.mark.parametrize("argv", [["compare", "--mode", "train"],
                                  ["analyze", "zoo:mobilenet_v2", "--mode", "train",
                                   "--checkpoint", "blocks", "-f", "json"]])
def test_train_mode_imports_no_heavy_modules(argv):
    import subprocess
    import sys

    heavy = ("torch", "fvcore", "pandas", "sympy", "plotly", "numpy", "openpyxl")
    code = (f"import runpy, sys\nsys.argv = ['archcalc', *{argv!r}]\n"
            "try:\n    runpy.run_module('archcalc', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            f"sys.stderr.write('LOADED:' + ' '.join(m for m in {heavy!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "LOADED:" in proc.stderr, proc.stderr
    assert proc.stderr.split("LOADED:")[1].split() == []


def test_cli_report_train_xlsx_has_a_training_sheet_and_columns(cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "train.xlsx"
    code, _, err = cli("report", "ir(t=6,out=24)", "dwsep(out=24)", "--input", "28x28x24",
                       "--mode", "train", "-o", target)
    assert code == 0, err
    wb = openpyxl.load_workbook(target)
    assert "Training" in wb.sheetnames
    rows = list(wb["Training"].iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "candidate")
    first = dict(zip(header, rows[rows.index(header) + 1]))
    a = archcalc.analyze("ir(t=6,out=24)", input=(28, 28, 24), mode="train")
    assert first["step memory"] == a.training_totals()["train_memory_bytes"]
    layers = wb[wb.sheetnames[2]]
    assert "saved" in [c.value for c in layers[1]]


def test_conventions_lists_the_backward_rules_with_their_sources(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli("conventions", "torch")
    assert code == 0, err
    assert "Conv2d, ConvTranspose2d (backward)" in out and "conv_backward_flop" in out
    code, out, _ = cli("conventions", "fvcore")
    assert "(backward)" not in out


def test_train_mode_json_states_the_training_and_backward_rules(cli):
    """The conventions block of a training report carries the rules it counted by: batch
    norm's training forward (batch statistics) and every backward rule."""
    import json

    code, out, _ = cli("analyze", "ir(t=6,out=24)", "--mode", "train", "-f", "json")
    rules = json.loads(out)["conventions"]["training"]
    assert code == 0 and [r["op"] for r in rules["forward_in_training"]] == ["BatchNorm2d"]
    assert "Conv2d" in rules["backward"][0]["op"]
    code, out, _ = cli("analyze", "ir(t=6,out=24)", "-f", "json")
    assert "training" not in json.loads(out)["conventions"]
