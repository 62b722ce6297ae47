"""Hand-computed costs of the modern blocks; layer for layer as torchvision builds them."""

import pytest

import archcalc
from archcalc import ArchcalcError
from archcalc.ops import Shape


def analysis(spec, inp, **kw):
    return archcalc.analyze(spec, input=inp, **kw)


def params(spec, inp, **kw):
    return analysis(spec, inp, **kw).totals.params


def test_convnext_block():
    # torchvision CNBlock(96): dw 7×7 with bias 96·49 + 96, LayerNorm 2·96, Linear 96→384
    # (+bias), Linear 384→96 (+bias), layer scale 96
    a = analysis("convnext", (56, 56, 96))
    assert a.totals.params == 4_800 + 192 + 37_248 + 36_960 + 96 == 79_296
    assert a.totals.macs == 56 * 56 * (96 * 49 + 96 * 384 * 2)
    assert [r.op for r in a.records] == ["conv", "permute", "ln", "linear", "act", "linear",
                                         "permute", "layer_scale", "add"]
    assert a.records[1].out_shape == Shape(96, 56, 56, "hwc")


def test_vit_b_encoder_block():
    # ViT-B/16 EncoderBlock: LN 1,536; MultiheadAttention in_proj 768·2304 + 2304 and out_proj
    # 768·768 + 768; LN 1,536; MLP 768→3072→768 with biases
    a = analysis("vit(heads=12,mlp=3072)", (197, 768))
    assert a.totals.params == 1_536 + 1_771_776 + 590_592 + 1_536 + 2_362_368 + 2_360_064
    qkv_proj_mlp = 197 * 768 * (3 * 768 + 768 + 2 * 3072)
    assert a.totals.macs == qkv_proj_mlp + 2 * 12 * 197 * 197 * 64
    assert a.network.output_shape == Shape.tokens(197, 768)


def test_patch_embed_class_token_and_position_embedding():
    a = analysis("patch_embed(out=768,patch=16), cls_token, pos_embed", (224, 224, 3))
    assert [r.params for r in a.records] == [768 * 768 + 768, 0, 768, 197 * 768]
    assert a.network.output_shape == Shape.tokens(197, 768)


def test_swin_blocks_alternate_shifted_windows():
    # Swin-T stage 1 block: LN 192, qkv 96·288 + 288, bias table 13·13·3, proj 96·96 + 96,
    # LN 192, MLP 96→384→96; the second repeat shifts by 3 and masks the scores
    a = analysis("permute(hwc), swin(heads=3,window=7,n=2)", (56, 56, 96))
    assert a.totals.params == 2 * (192 + 27_936 + 507 + 9_312 + 192 + 37_248 + 36_960)
    scores = [r for r in a.records if r.op == "attn_scores"]
    blocks = [n.op for n in a.network.nodes if n.op.kind == "window_shift" and n.op.crop is None]
    assert [op.shift for op in blocks] == [(0, 0), (3, 3)]
    extra = [r.flops - 2 * r.macs - 56 * 56 * 96 for r in scores]
    assert extra == [192 * 49 * 49, 2 * 192 * 49 * 49]  # bias; bias + mask


def test_swin_does_not_shift_a_side_that_fits_one_window():
    a = analysis("permute(hwc), swin(heads=24,window=7,shift=3)", (7, 7, 768))
    assert [n.op.shift for n in a.network.nodes if n.op.kind == "window_shift"] == [(0, 0)] * 2


def test_patch_merge():
    # LayerNorm(4·96) + Linear(384 → 192, no bias)
    a = analysis("permute(hwc), patch_merge", (56, 56, 96))
    assert a.totals.params == 768 + 73_728
    assert a.network.output_shape == Shape(192, 28, 28, "hwc")


def test_fused_mbconv():
    # EfficientNetV2-S stage 2, first block: 3×3 s2 24→96 + BN, 1×1 96→48 + BN, no residual
    a = analysis("fused_ir(out=48,t=4,s=2)", (112, 112, 24), act="swish")
    assert a.totals.params == 24 * 96 * 9 + 192 + 96 * 48 + 96
    assert a.totals.macs == 56 * 56 * (24 * 96 * 9 + 96 * 48)
    # expansion 1: a single 3×3 conv + BN + act, with a residual
    names = [r.name for r in analysis("fused_ir(out=24,t=1)", (112, 112, 24)).records]
    assert names == ["fused_ir0.fused.conv", "fused_ir0.fused.bn", "fused_ir0.fused.act",
                     "fused_ir0.add"]


def test_regnet_y_block():
    # RegNetY-400MF first block: 32 -> 48, stride 2, group width 8 (6 groups), SE of
    # round(0.25·32) = 8 on the block input width; 1×1 shortcut with BN
    a = analysis("regnet(out=48,s=2,gw=8,se=0.25)", (56, 56, 32))
    assert a.totals.params == (1_536 + 96) + (1_536 + 96) + (3_456 + 96) + (392 + 432) + (2_304 + 96)
    x = analysis("regnet(out=48,s=2,gw=8)", (56, 56, 32))  # RegNetX: no SE
    assert a.totals.params - x.totals.params == 392 + 432


def test_dense_layer_and_transition():
    # DenseNet-121 denseblock1 layer 1: BN(64), 1×1 64→128, BN(128), 3×3 128→32; concat -> 96
    a = analysis("dense", (56, 56, 64))
    assert a.totals.params == 128 + 8_192 + 256 + 36_864
    assert a.network.output_shape == Shape(96, 56, 56)
    t = analysis("transition", (56, 56, 256))
    assert t.totals.params == 512 + 32_768 and t.network.output_shape == Shape(128, 28, 28)


def test_fire_module():
    # SqueezeNet 1.0 fire2: squeeze 96→16, expand 16→64 (1×1) and 16→64 (3×3), biases
    a = analysis("fire(s1x1=16,e1x1=64,e3x3=64)", (55, 55, 96), norm="none")
    assert a.totals.params == 1_552 + 1_088 + 9_280
    assert a.network.output_shape == Shape(128, 55, 55)


def test_bottleneck_v1_strides_the_first_1x1():
    v15 = analysis("bottleneck(out=512,s=2)", (56, 56, 256))
    v1 = analysis("bottleneck(out=512,s=2,version=v1)", (56, 56, 256))
    assert v1.totals.params == v15.totals.params
    assert v15.totals.macs - v1.totals.macs == (56 * 56 - 28 * 28) * 256 * 128


def test_depth_multiplier_scales_stages_only():
    # EfficientNet-B1 is B0 with depth 1.1: stage repeats ceil(n·1.1) = 2,3,3,4,4,5,2
    b0 = archcalc.analyze("zoo:efficientnet_b0")
    b1 = archcalc.analyze("zoo:efficientnet_b0", depth=1.1)
    blocks = lambda a: sum(1 for b in a.network.blocks if b.kind == "ir")
    assert (blocks(b0), blocks(b1)) == (16, 23)
    assert [b.name for b in b1.network.blocks][0] == "stem"


def test_shufflenet_refuses_a_width_multiplier(cli):
    code, out, err = cli("analyze", "zoo:shufflenet_v2_x1_0", "--width-mult", "0.5")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "no continuous width rule" in err and "0.5×/1.0×/1.5×/2.0×" in err


def test_token_input_syntax(tmp_path, cli):
    p = tmp_path / "t.yaml"
    p.write_text("input: {tokens: 197, dim: 768}\nlayers:\n  - ln\n")
    assert archcalc.analyze(p).network.input_shape == Shape.tokens(197, 768)
    code, out, _ = cli("analyze", "vit(heads=12,mlp=3072)", "--input", "197x768", "-f", "json")
    import json
    doc = json.loads(out)
    assert code == 0 and doc["input"] == [197, 768] and doc["layers"][0]["out_shape"] == [197, 768]


def test_layout_errors_are_one_line():
    with pytest.raises(ArchcalcError, match="conv needs a chw tensor, got tokens 197×768"):
        archcalc.analyze("conv(out=8)", input=(197, 768))


def test_inception_module():
    # GoogLeNet inception (3a): 1×1 64; 1×1 96 → 3×3 128; 1×1 16 → k5×k5 32; pool → 1×1 32;
    # each conv + BN (2·C); torchvision's port uses k5 = 3, the paper 5 (16·32·(25 − 9) more)
    spec = "inception(c1x1=64,c3x3_reduce=96,c3x3=128,c5x5_reduce=16,c5x5=32,pool_proj=32,k5=3)"
    a = analysis(spec, (28, 28, 192))
    assert a.totals.params == 12_416 + 18_624 + 110_848 + 3_104 + 4_672 + 6_208 == 155_872
    assert a.network.output_shape == Shape(256, 28, 28)
    assert params(spec.replace("k5=3", "k5=5"), (28, 28, 192)) - a.totals.params == 16 * 32 * 16
