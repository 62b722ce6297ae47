"""ShuffleNet v1 (Zhang et al. 2017): the unit by hand, and the networks against the authors'
published figures.

Sources:
* megvii-model/ShuffleNet-Series, README.md and ShuffleNetV1/README.md, "Results" table
  (FLOPs = multiply-adds, #Params), e.g. "ShuffleNetV1 2.0x (group=3) | 524M | 5.4M";
  ShuffleNetV1/network.py gives the channel table per group count and size
  (g = 3: [24, 240, 480, 960] at 1.0x, [48, 480, 960, 1920] at 2.0x, [12, 120, 240, 480] at
  0.5x, [24, 360, 720, 1440] at 1.5x; g = 8: [24, 384, 768, 1536] at 1.0x, stems 16 / 24 / 48
  at 0.5x / 1.5x / 2.0x).
* The paper, Table 1: complexity 137 MFLOPs (multiply-adds) for 1×, g = 3.
"""

import pytest

import archcalc
from archcalc.errors import ArchcalcError

# entry: (params as published, MACs in millions as published, source)
PUBLISHED = {
    "shufflenet_v1_g3_0_5x": ("0.7", 38, "ShuffleNet-Series README: 0.5x (group=3) 38M, 0.7M"),
    "shufflenet_v1_g3": ("1.9", 137, "params: README 1.0x (group=3) 1.9M; MACs: paper Table 1, g = 3"),
    "shufflenet_v1_g3_1_5x": ("3.4", 292, "ShuffleNet-Series README: 1.5x (group=3) 292M, 3.4M"),
    "shufflenet_v1_g3_2x": ("5.4", 524, "ShuffleNet-Series README: 2.0x (group=3) 524M, 5.4M"),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_params_and_macs_at_published_precision(name):
    params, mmacs, _source = PUBLISHED[name]
    t = archcalc.analyze(f"zoo:{name}").totals
    assert f"{t.params / 1e6:.1f}" == params
    assert round(t.macs / 1e6) == mmacs


def test_one_x_against_the_readme_figure():
    # The README prints 138M for 1.0x (group=3); the paper's Table 1 prints 137M.  Ours,
    # 137.46M conv and linear multiply-adds, is within a million of both.
    assert abs(archcalc.analyze("zoo:shufflenet_v1_g3").totals.macs / 1e6 - 138) < 1


def test_two_x_is_the_width_multiplier_of_one_x():
    # "ShuffleNet s×" scales the number of filters by s (§4.1.1): 2x is zoo:shufflenet_v1_g3 at
    # --width-mult 2 (the stem too: 48 channels, as the reference code has it)
    two = archcalc.analyze("zoo:shufflenet_v1_g3", width=2.0)
    assert two.totals == archcalc.analyze("zoo:shufflenet_v1_g3_2x").totals
    assert {r.name: r.out_shape.c for r in two.records}["conv1.conv"] == 48


def test_one_and_a_half_x_keeps_the_24_channel_stem():
    a = archcalc.analyze("zoo:shufflenet_v1_g3_1_5x")
    assert {r.name: r.out_shape.c for r in a.records}["conv1.conv"] == 24


def g8(scale: str) -> str:
    """The reference code's g = 8 network of size ``scale`` as an inline spec."""
    stem, c2, c3, c4 = {"0.5x": (16, 192, 384, 768), "1.0x": (24, 384, 768, 1536),
                        "1.5x": (24, 576, 1152, 2304), "2.0x": (48, 768, 1536, 3072)}[scale]
    return (f"conv(out={stem},s=2), pool(max,k=3,s=2,p=1), "
            f"shuffle_v1(out={c2},s=2,g=8,group_first=false,n=4), "
            f"shuffle_v1(out={c3},s=2,g=8,n=8), shuffle_v1(out={c4},s=2,g=8,n=4), "
            f"pool(global), linear(out=1000,bias=false)")


@pytest.mark.parametrize("scale, params, mmacs", [
    ("0.5x", "1.0", 40), ("1.0x", "2.4", 138), ("1.5x", "4.3", 290), ("2.0x", "6.5", 522)])
def test_group_8_networks_match_the_readme(scale, params, mmacs):
    # ShuffleNet-Series README: 0.5x/1.0x/1.5x/2.0x (group=8) 40M/138M/290M/522M FLOPs,
    # 1.0M/2.4M/4.3M/6.5M params
    t = archcalc.analyze(g8(scale), input=(224, 224, 3)).totals
    assert f"{t.params / 1e6:.1f}" == params
    assert round(t.macs / 1e6) == mmacs


def test_strided_unit_by_hand():
    # stage 2's first unit of 1× g = 3 on 56×56×24: bottleneck 240/4 = 60, first 1×1 ungrouped
    # (24·60), dw 3×3 s2 (60·9), second 1×1 in 3 groups to 240 − 24 = 216 (60/3·216); BN 2 per
    # channel; avg-pooled input (24) concatenated: 240 channels at 28×28
    a = archcalc.analyze("shuffle_v1(out=240,s=2,group_first=false)", input=(56, 56, 24))
    assert a.totals.params == 24 * 60 + 60 * 9 + 20 * 216 + 2 * (60 + 60 + 216)
    assert a.totals.macs == 56 * 56 * 24 * 60 + 28 * 28 * (60 * 9 + 20 * 216)
    assert a.network.output_shape.dims == (28, 28, 240)
    assert [r.op for r in a.records][-3:] == ["pool", "concat", "act"]


def test_stride_one_unit_by_hand():
    # 28×28×240, g = 3: 1×1 240→60 in 3 groups (240·60/3 weights), shuffle, dw 3×3, 1×1
    # 60→240 in 3 groups, add, ReLU
    a = archcalc.analyze("shuffle_v1(out=240)", input=(28, 28, 240))
    convs = 240 * 60 // 3 + 60 * 9 + 60 * 240 // 3
    assert a.totals.params == convs + 2 * (60 + 60 + 240)
    assert a.totals.macs == 28 * 28 * convs
    assert [r.op for r in a.records if r.op in ("shuffle", "add")] == ["shuffle", "add"]
    # g = 1 has nothing to shuffle
    assert "shuffle" not in [r.op for r in archcalc.analyze(
        "shuffle_v1(out=240,g=1)", input=(28, 28, 240)).records]


def test_only_the_first_repeat_is_ungrouped_and_strided():
    a = archcalc.analyze("shuffle_v1(out=240,s=2,group_first=false,n=2)", input=(56, 56, 24))
    groups = {r.name: r.params for r in a.records if r.name.endswith("pw1.conv")}
    assert groups == {"shuffle_v10.pw1.conv": 24 * 60, "shuffle_v11.pw1.conv": 240 * 60 // 3}


@pytest.mark.parametrize("spec, hwc, message", [
    ("shuffle_v1(out=240)", (28, 28, 120), "needs in == out channels, got 120 and 240"),
    ("shuffle_v1(out=24,s=2)", (28, 28, 24), "out must exceed in, got 24 and 24"),
    ("shuffle_v1(out=240,g=7)", (28, 28, 240), "not divisible by groups=7"),
])
def test_bad_units_are_refused(spec, hwc, message):
    with pytest.raises(ArchcalcError, match=message):
        archcalc.analyze(spec, input=hwc)
