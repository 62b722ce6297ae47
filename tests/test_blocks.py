"""Hand-computed costs of each block, and the seed article's worked example."""

from fractions import Fraction

import archcalc
from archcalc.ops import Shape


def totals(spec, hwc, **kw):
    return archcalc.analyze(spec, input=hwc, **kw).totals


def layer_names(spec, hwc, **kw):
    return [r.name for r in archcalc.analyze(spec, input=hwc, **kw).records]


def test_seed_article_example():
    # 6×6×3 input, five 4×4×3 kernels, weights only.  Standard: 4·4·3·5 = 240.
    # Depthwise-separable: depthwise 4·4·1·3 = 48 (one filter per *input* channel, M = 3;
    # the article's 4·4·1·5 uses N where M belongs) + pointwise 1·1·3·5 = 15.
    std = archcalc.analyze("conv(out=5,k=4)", input=(6, 6, 3), norm="none")
    sep = archcalc.analyze("dwsep(out=5,k=4)", input=(6, 6, 3), norm="none")
    assert std.totals.params == 240
    assert [r.params for r in sep.records if r.op == "conv"] == [48, 15]
    assert sep.totals.params == 63
    assert Fraction(sep.totals.params, std.totals.params) == Fraction(1, 5) + Fraction(1, 16)


def test_standard_conv_with_bn_and_act():
    t = totals("conv(out=32,k=3,s=2)", (224, 224, 3))
    assert t.params == 864 + 64
    assert t.macs == 112 * 112 * 32 * 27
    # conv 2·MACs + BN 2/elt + ReLU 1/elt on the 112×112×32 output
    assert t.flops == 2 * t.macs + 3 * 112 * 112 * 32


def test_inverted_residual_mobilenet_v2_block():
    # 56×56×24 -> expand 144 -> dw 3×3 -> project 24, residual (stride 1, 24 == 24)
    t = totals("ir(t=6,out=24)", (56, 56, 24))
    assert t.params == 24 * 144 + 288 + 144 * 9 + 288 + 144 * 24 + 48
    assert t.macs == 56 * 56 * (24 * 144 + 144 * 9 + 144 * 24)
    names = layer_names("ir(t=6,out=24)", (56, 56, 24))
    assert names[-1] == "ir0.add"
    assert "ir0.project.act" not in names  # linear bottleneck


def test_inverted_residual_stride_two_and_t1_have_no_add_or_expand():
    assert not any(n.endswith(".add") for n in layer_names("ir(t=6,out=24,s=2)", (56, 56, 24)))
    names = layer_names("ir(t=1,out=16)", (112, 112, 32))
    assert not any(".expand." in n for n in names) and not any(n.endswith(".add") for n in names)


def test_inverted_residual_with_squeeze_excite():
    # MobileNetV3-Large bneck (24 -> 72 -> 40, k5, s2, SE): squeeze = make_divisible(72/4, 8) = 24
    a = archcalc.analyze("ir(exp=72,out=40,k=5,s=2,se=0.25,act=relu)", input=(56, 56, 24))
    se = {r.name: r.params for r in a.records if ".se." in r.name}
    assert se["ir0.se.fc1"] == 72 * 24 + 24
    assert se["ir0.se.fc2"] == 24 * 72 + 72
    assert [r.op for r in a.records if ".se." in r.name] == ["pool", "conv", "act", "conv", "act", "mul"]


def test_resnet_blocks_match_torchvision_layer_counts():
    # torchvision resnet18 layer1[0] and resnet50 layer1[0] parameter counts (sum of numel)
    assert totals("basic(out=64)", (56, 56, 64)).params == 73_984
    assert totals("bottleneck(out=256,mid=64)", (56, 56, 64)).params == 75_008
    assert totals("bottleneck(out=512,s=2)", (56, 56, 256)).macs == (
        56 * 56 * 256 * 128 + 28 * 28 * 128 * 128 * 9 + 28 * 28 * 128 * 512 + 28 * 28 * 256 * 512)


def test_shuffle_unit():
    # ShuffleNetV2 stride-1 unit on 28×28×116: the branch sees 58 channels
    t = totals("shuffle(out=116)", (28, 28, 116))
    assert t.params == (58 * 58 + 116) * 2 + 58 * 9 + 116
    down = totals("shuffle(out=116,s=2)", (56, 56, 24))
    assert down.params == (24 * 9 + 48) + (24 * 58 + 116) + (24 * 58 + 116) + (58 * 9 + 116) + (58 * 58 + 116)


def test_pool_and_linear_blocks():
    a = archcalc.analyze("pool(global), linear(out=1000)", input=(7, 7, 1280))
    assert a.totals.params == 1_281_000
    assert a.network.output_shape == Shape(1000, 1, 1)


def test_fold_bn_moves_bn_into_conv_bias():
    plain = totals("dwsep(out=64)", (112, 112, 32))
    folded = totals("dwsep(out=64)", (112, 112, 32), fold_bn=True)
    assert plain.params - folded.params == 32 + 64  # BN has 2 per channel, a bias 1
    assert plain.macs == folded.macs


def test_width_multiplier_rounding():
    spec = archcalc.load("conv(out=32), ir(t=6,out=24)")
    from dataclasses import replace
    half = archcalc.analyze(replace(spec, width=0.5), input=(8, 8, 3))
    assert [r.out_shape.c for r in half.records if r.op == "conv"][0] == 16
    v1 = archcalc.analyze(replace(spec, width=0.35, rounding=1), input=(8, 8, 3))
    assert [r.out_shape.c for r in v1.records if r.op == "conv"][0] == int(32 * 0.35)
