"""Zoo variants (one spec, per-variant settings) and the families they express, against
torchvision's published figures; each figure's source is cited beside it."""

import dataclasses

import pytest

import archcalc
from archcalc.errors import ArchcalcError
from archcalc.spec.load import spec_from_data
from archcalc.spec.source import read_spec_file
from archcalc.zoo import zoo_names


def totals(name, **kw):
    return archcalc.analyze(f"zoo:{name}", **kw).totals


# torchvision's model documentation prints, per weight, its meta "num_params" and "_ops"
# (GFLOPS = multiply-adds); the page of each builder, e.g.
# https://pytorch.org/vision/stable/models/generated/torchvision.models.efficientnet_b1.html
# name: (params, GFLOPS as printed, weights)
PUBLISHED = {
    "efficientnet_b1": (7_794_184, "0.687", "EfficientNet_B1_Weights.IMAGENET1K_V1"),
    "efficientnet_b2": (9_109_994, "1.088", "EfficientNet_B2_Weights.IMAGENET1K_V1"),  # at 288²
    "efficientnet_b3": (12_233_232, "1.827", "EfficientNet_B3_Weights.IMAGENET1K_V1"),
    "efficientnet_b4": (19_341_616, "4.394", "EfficientNet_B4_Weights.IMAGENET1K_V1"),
    "efficientnet_b5": (30_389_784, "10.266", "EfficientNet_B5_Weights.IMAGENET1K_V1"),
    "efficientnet_b6": (43_040_704, "19.068", "EfficientNet_B6_Weights.IMAGENET1K_V1"),
    "efficientnet_b7": (66_347_960, "37.746", "EfficientNet_B7_Weights.IMAGENET1K_V1"),
    "efficientnet_v2_m": (54_139_356, "24.582", "EfficientNet_V2_M_Weights.IMAGENET1K_V1"),
    "efficientnet_v2_l": (118_515_272, "56.08", "EfficientNet_V2_L_Weights.IMAGENET1K_V1"),
    "mnasnet0_5": (2_218_512, "0.104", "MNASNet0_5_Weights.IMAGENET1K_V1"),
    "mnasnet0_75": (3_170_208, "0.215", "MNASNet0_75_Weights.IMAGENET1K_V1"),
    "mnasnet1_3": (6_282_256, "0.526", "MNASNet1_3_Weights.IMAGENET1K_V1"),
    "shufflenet_v2_x0_5": (1_366_792, "0.04", "ShuffleNet_V2_X0_5_Weights.IMAGENET1K_V1"),
    "shufflenet_v2_x1_5": (3_503_624, "0.296", "ShuffleNet_V2_X1_5_Weights.IMAGENET1K_V1"),
    "shufflenet_v2_x2_0": (7_393_996, "0.583", "ShuffleNet_V2_X2_0_Weights.IMAGENET1K_V1"),
}

# The entries that predate phase 1, whose MACs tests/test_zoo.py checks only to ±1M
# (phase 1's entries are checked there at the printed precision already).
PUBLISHED_GFLOPS = {
    "mobilenet_v2": "0.301",         # MobileNet_V2_Weights.IMAGENET1K_V1
    "mobilenet_v3_large": "0.217",   # MobileNet_V3_Large_Weights.IMAGENET1K_V1
    "mobilenet_v3_small": "0.057",   # MobileNet_V3_Small_Weights.IMAGENET1K_V1
    "resnet18": "1.814",             # ResNet18_Weights.IMAGENET1K_V1
    "resnet50": "4.089",             # ResNet50_Weights.IMAGENET1K_V1
    "efficientnet_b0": "0.386",      # EfficientNet_B0_Weights.IMAGENET1K_V1
    "mnasnet1_0": "0.314",           # MNASNet1_0_Weights.IMAGENET1K_V1
    "shufflenet_v2_x1_0": "0.145",   # ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1
}

# Side of the last feature map (before global pooling) at each entry's input size.
FINAL_MAP = {"efficientnet_b1": 8, "efficientnet_b2": 9, "efficientnet_b3": 10,
             "efficientnet_b4": 12, "efficientnet_b5": 15, "efficientnet_b6": 17,
             "efficientnet_b7": 19, "efficientnet_v2_m": 15, "efficientnet_v2_l": 15}


def at_printed_precision(macs: int, printed: str) -> bool:
    decimals = len(printed.partition(".")[2])
    return round(macs / 1e9, decimals) == float(printed)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_new_entries_match_torchvision(name):
    params, gflops, _weights = PUBLISHED[name]
    a = archcalc.analyze(f"zoo:{name}")
    assert a.totals.params == params
    assert at_printed_precision(a.totals.macs, gflops)
    assert a.network.output_shape.numel == 1000
    side = FINAL_MAP.get(name, 7)
    assert any(r.in_shape.h == side and r.category == "global avg pool" for r in a.records)


@pytest.mark.parametrize("name", sorted(PUBLISHED_GFLOPS))
def test_original_entries_macs_at_published_precision(name):
    assert at_printed_precision(totals(name).macs, PUBLISHED_GFLOPS[name])


def test_variants_are_entries_and_listed(cli):
    names = zoo_names()
    assert set(PUBLISHED) <= set(names) and len(names) == len(set(names))
    assert archcalc.load("zoo:efficientnet_b3").name == "efficientnet_b3"
    assert archcalc.load("zoo:efficientnet_b3").input == (300, 300, 3)
    code, out, _ = cli("zoo", "--format", "csv")
    assert code == 0 and "zoo:efficientnet_b7,600x600x3,66347960," in out
    assert "zoo:shufflenet_v2_x0_5,224x224x3,1366792," in out


def test_variant_equals_base_with_the_same_options():
    # a variant is its base spec under other settings: the same network as the options give
    assert totals("efficientnet_b4") == totals("efficientnet_b0", width=1.4, depth=1.8,
                                              resolution=380)
    assert totals("mnasnet1_3") == totals("mnasnet1_0", width=1.3)


def test_options_apply_to_variants():
    # --depth-mult replaces the variant's own d, as it replaces the base's
    assert totals("efficientnet_b1", depth=1.0, resolution=224) == totals("efficientnet_b0")


@pytest.mark.parametrize("name", ["shufflenet_v2_x0_5", "shufflenet_v2_x2_0"])
def test_shufflenet_variants_keep_refusing_a_width_multiplier(name):
    with pytest.raises(ArchcalcError, match="channel table"):
        totals(name, width=0.5)


def test_shufflenet_x2_0_has_its_own_conv5():
    # Table 5: Conv5 is 1024 wide at 0.5×/1×/1.5× and 2048 at 2×
    a = archcalc.analyze("zoo:shufflenet_v2_x2_0")
    assert {r.name: r.out_shape.c for r in a.records}["conv5.conv"] == 2048


BASE = """\
input: [32, 32, 3]
layers:
  - conv: {out: 16, s: 2, name: stem}
  - ir: {t: 6, out: 24, n: 2, s: 2, name: stage}
  - pool: global
variants:
  wide:
    multipliers: {width: 2.0}
  table:
    layers: {stage: {out: 40}}
    input: [64, 64, 3]
"""


def load_variant(tmp_path, text, variant):
    path = tmp_path / "v.yaml"
    path.write_text(text)
    data, lines = read_spec_file(str(path))
    return spec_from_data(data, "v.yaml", lines, variant)


def test_variant_settings_and_layer_changes(tmp_path):
    assert load_variant(tmp_path, BASE, None).width == 1.0
    assert load_variant(tmp_path, BASE, "wide").width == 2.0
    table = load_variant(tmp_path, BASE, "table")
    assert table.name == "table" and table.input == (64, 64, 3)
    assert dict(table.layers[1].params)["out"] == 40 and table.layers[1].repeat == 2


@pytest.mark.parametrize("text, variant, where", [
    (BASE + "    multiplers: {width: 2}\n", None, "v.yaml:12: variants.table.multiplers: unknown key"),
    (BASE.replace("layers: {stage: {out: 40}}", "layers: {stag: {out: 8}}"), "table",
     "v.yaml:10: variants.table.layers.stag: no named layer"),
    (BASE + "    layers: {stag: {out: 8}}\n", "table", "v.yaml:12: variants.table.layers given twice"),
    (BASE.replace("width: 2.0", "width: -1"), "wide", "v.yaml:8: multipliers.width: must be"),
    (BASE.replace("out: 40", "outt: 40"), "table", "v.yaml:10: layers[1].ir.outt: unknown key"),
    (BASE, "narrow", "v.yaml:6: variants: no variant 'narrow'"),
    (BASE.replace("width: 2.0", "rule: tf"), "wide", "v.yaml:8: multipliers.rule: expected one of"),
])
def test_variant_errors_name_file_line_and_field(tmp_path, text, variant, where):
    with pytest.raises(ArchcalcError) as exc:
        load_variant(tmp_path, text, variant)
    assert str(exc.value).removeprefix(f"{tmp_path}/").startswith(where)  # the file reader
    # names the path it read; spec_from_data the source it is given


def test_mobilenet_v3_tfslim_width_rule():
    # MobileNetV3 paper, Table 3: Large 0.75 has 155M MACs and 4.0M params.  Those follow the
    # TF-slim reference's rule: an expansion is a factor of its (scaled, rounded) input, and the
    # 1280-wide layer after pooling keeps its width; torchvision's rule (every channel count
    # times α, rounded to 8) gives 140.0M and 3.38M.
    v3 = archcalc.load("zoo:mobilenet_v3_large")
    tf = archcalc.analyze(dataclasses.replace(v3, width=0.75, width_rule="tfslim")).totals
    assert (round(tf.macs / 1e6), round(tf.params / 1e6, 1)) == (155, 4.0)
    assert (tf.params, tf.macs) == (3_993_528, 154_560_624)
    tv = archcalc.analyze(dataclasses.replace(v3, width=0.75)).totals
    assert (tv.params, tv.macs) == (3_377_576, 140_033_816)
    # at α = 1 both rules are the table itself
    same = archcalc.analyze(dataclasses.replace(v3, width_rule="tfslim")).totals
    assert same == totals("mobilenet_v3_large")


def test_tfslim_expansion_follows_the_scaled_input():
    # Table 1's second bneck: 16 → exp 64 → 24.  At α = 0.75, TF-slim keeps 4 × 16 = 64
    # (the input stays 16); torchvision scales 64 to 48.
    v3 = archcalc.load("zoo:mobilenet_v3_large")
    exp = {}
    for rule in ("scale", "tfslim"):
        a = archcalc.analyze(dataclasses.replace(v3, width=0.75, width_rule=rule))
        exp[rule] = {r.name: r.out_shape.c for r in a.records}["ir2.expand.conv"]
    assert exp == {"scale": 48, "tfslim": 64}
