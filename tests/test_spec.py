"""Spec files (YAML, JSON, TOML) and inline strings parse to the same networks."""

import json

import pytest

import archcalc
from archcalc.ops import Shape
from archcalc import ArchcalcError

YAML = """\
archcalc: 1
name: my_block_study
input: [224, 224, 3]
defaults: {norm: bn, act: relu6, dtype: fp32}
multipliers: {width: 1.0, resolution: 1.0}
layers:
  - conv: {out: 32, k: 3, s: 2}
  - dwsep: {out: 64, k: 3}
  - ir: {t: 6, out: 24, s: 2, n: 2}
  - ir: {t: 6, out: 40, k: 5, s: 2, se: 0.25, act: hswish}
"""

INLINE = "conv(out=32,k=3,s=2), dwsep(out=64,k=3), ir(t=6,out=24,s=2,n=2), ir(t=6,out=40,k=5,s=2,se=0.25,act=hswish)"


def test_yaml_json_toml_and_inline_agree(tmp_path):
    import yaml
    y = tmp_path / "s.yaml"
    y.write_text(YAML)
    data = yaml.safe_load(YAML)
    j = tmp_path / "s.json"
    j.write_text(json.dumps(data))
    t = tmp_path / "s.toml"
    t.write_text('archcalc = 1\ninput = [224, 224, 3]\n[defaults]\nact = "relu6"\n'
                 '[[layers]]\nconv = {out = 32, k = 3, s = 2}\n[[layers]]\ndwsep = {out = 64, k = 3}\n'
                 '[[layers]]\nir = {t = 6, out = 24, s = 2, n = 2}\n'
                 '[[layers]]\nir = {t = 6, out = 40, k = 5, s = 2, se = 0.25, act = "hswish"}\n')
    results = [archcalc.analyze(p).totals for p in (y, j, t)]
    results.append(archcalc.analyze(INLINE, input=(224, 224, 3), act="relu6").totals)
    assert all(r == results[0] for r in results)


def test_repeat_gives_the_stride_to_the_first_block_only():
    a = archcalc.analyze("ir(t=6,out=24,s=2,n=3)", input=(56, 56, 16))
    dws = [r for r in a.records if r.name.endswith("dw.conv")]
    assert [r.out_shape.h for r in dws] == [28, 28, 28]
    assert sum(r.name.endswith(".add") for r in a.records) == 2


def test_aliases_and_names(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("input: [32, 32, 16]\nlayers:\n"
                 "  - inverted_residual: {expand: 4, out_channels: 16, kernel: 5, stride: 1, name: blockA}\n")
    a = archcalc.analyze(p)
    assert a.records[0].name == "blockA.expand.conv"
    assert {r.name: r.category for r in a.records}["blockA.dw.conv"] == "conv dw 5x5"


def test_pool_scalar_form_and_resolution_multiplier(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("input: [224, 224, 3]\nmultipliers: {resolution: 0.5}\nlayers:\n"
                 "  - conv: {out: 8, s: 2}\n  - pool: global\n")
    a = archcalc.analyze(p)
    assert a.network.input_shape == Shape(3, 112, 112)
    assert a.network.output_shape == Shape(8, 1, 1)


@pytest.mark.parametrize("text, where", [
    ("input: [8, 8, 3]\nlayers:\n  - conv: {out: 8, kernal: 3}\n", "s.yaml:3: layers[0].conv.kernal"),
    ("input: [8, 8, 3]\nlayers:\n  - conv: {out: 8}\n  - convv: {out: 8}\n", "s.yaml:4: layers[1].convv"),
    ("input: [8, 8, 3]\nlayers:\n  - conv:\n      out: 8\n      k: 0\n", "s.yaml:5: layers[0].conv.k"),
    ("input: [8, 8, 3]\nlayers:\n  - conv: {out: 8, k: 11, p: 0}\n", "s.yaml:3: layers[0].conv.k"),
    ("input: [8, 8, 3]\nlayers:\n  - conv: {out: 8, g: 2}\n", "s.yaml:3: layers[0].conv.g"),
])
def test_errors_name_file_line_and_field(tmp_path, text, where):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(ArchcalcError) as exc:
        archcalc.analyze(p)
    assert str(exc.value).replace(str(tmp_path) + "/", "").startswith(where)


GRAPH = """\
input: [8, 8, 16]
defaults: {norm: none}
layers:
  - conv: {out: 16, act: none, name: c1}
  - bn: {name: b1}
  - act: relu
  - pool: {name: p}
  - conv: {out: 16, k: 1, bias: true, act: none}   # the gate: one per channel of b1
  - act: hsigmoid
  - mul: {other: b1, name: m}
  - add: {other: input}
  - channel_split: {half: 1, input: m, name: s}
  - concat: {other: s}
  - channel_shuffle: {g: 2}
"""


def test_graph_primitives_and_references(tmp_path):
    p = tmp_path / "g.yaml"
    p.write_text(GRAPH)
    a = archcalc.analyze(p)
    by_name = {r.name: r for r in a.records}
    assert a.network.nodes[6].inputs == ("b1.bn", "act5.act")      # mul: b1 · gate
    assert a.network.nodes[7].inputs == ("input", "m.scale")       # add: input + m
    assert a.network.nodes[8].inputs == ("m.scale",)               # split reads m
    assert by_name["concat9.concat"].out_shape.c == 16
    assert a.totals.params == 16 * 16 * 9 + 32 + 16 * 16 + 16


def test_unknown_reference(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("input: [8, 8, 4]\nlayers:\n  - conv: {out: 4}\n  - add: {other: nowhere}\n")
    with pytest.raises(ArchcalcError, match=r"r.yaml:4: layers\[1\].add: unknown layer reference 'nowhere'"):
        archcalc.analyze(p)


@pytest.mark.parametrize("name", ["mobilenet_v3_small", "shufflenet_v2_x1_0", "resnet18"])
def test_emitted_spec_round_trips(tmp_path, name):
    from archcalc.spec.emit import spec_yaml
    a = archcalc.analyze(f"zoo:{name}")
    p = tmp_path / "e.yaml"
    p.write_text(spec_yaml(a.network))
    assert archcalc.analyze(p).totals == a.totals


def test_a_repeated_layer_name_refers_to_its_last_repeat(tmp_path):
    # with --depth-mult 2 the stage `s` repeats as s0, s1; `other: s` still resolves (to s1)
    path = tmp_path / "d.yaml"
    path.write_text("input: [8, 8, 3]\nlayers:\n  - conv: {out: 8, n: 1, name: s}\n"
                    "  - conv: {out: 8}\n  - add: {other: s}\n")
    deeper = archcalc.analyze(str(path), depth=2.0)
    add = deeper.network.nodes[-1]
    assert [n.name for n in deeper.network.nodes if n.name.endswith(".conv")] == [
        "s0.conv", "s1.conv", "conv2.conv"] and add.inputs[0] == "s1.act"


def test_a_blocks_own_field_wins_over_a_key_alias():
    # `ratio` is an alias of SE's `r`, and ConvNeXt's own MLP ratio
    wide = archcalc.analyze("convnext(ratio=2)", input=(8, 8, 16)).totals.params
    default = archcalc.analyze("convnext", input=(8, 8, 16)).totals.params
    # the MLP's two linears shrink from 16·64+64 + 64·16+16 to 16·32+32 + 32·16+16
    assert default - wide == (16 * 64 + 64 + 64 * 16 + 16) - (16 * 32 + 32 + 32 * 16 + 16)


def test_float_minimum_message(cli):
    code, _, err = cli("analyze", "ir(t=0.5,out=24)")
    assert code == 2 and "ir.t: must be >= 1, got 0.5" in err


def test_regnet_stages_input_reaches_only_the_first_stage(tmp_path):
    path = tmp_path / "rg.yaml"
    path.write_text("input: [32, 32, 3]\nlayers:\n  - conv: {out: 16, s: 2, name: stem}\n"
                    "  - conv: {out: 16, name: side}\n"
                    "  - regnet_stages: {depth: 4, w0: 16, wa: 8, wm: 2, gw: 8, input: stem, name: st}\n")
    nodes = archcalc.analyze(str(path)).network.nodes
    first = [n for n in nodes if n.name.startswith("st1_")]
    assert first[0].inputs == ("stem.act",)
    later = [n for n in nodes if n.name.startswith("st2_")][0]
    assert later.inputs[0].startswith("st1_")


def test_a_variant_with_its_own_vars_keeps_the_base_loadable(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("name: v\ninput: [8, 8, 3]\nlayers:\n  - conv: {out: 8, name: c1}\n"
                    "variants:\n  big: {vars: {X: 16}, layers: {c1: {out: $X}}}\n")
    assert archcalc.analyze(str(path)).totals.params == 3 * 8 * 9 + 16


def test_an_error_in_a_train_only_branch_says_so():
    # Inception v3's auxiliary head needs a 17×17 map (299×299 input): at 224 its 5×5 conv
    # meets a 3×3 map, as torchvision's would in training mode
    with pytest.raises(ArchcalcError, match=r"inception_aux\.k: .* \(in a train_only branch"):
        archcalc.analyze("zoo:inception_v3", resolution=224)
