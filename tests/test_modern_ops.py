"""Hand-computed costs of the modern primitive ops (per sample), and their number genericity."""

import pytest

from archcalc.cost import op_cost
from archcalc.ops import (Activation, AdaptivePool2d, AttnScores, AttnValues, BatchNorm2d,
                          ClassToken, Concat, Conv2d, ConvTranspose2d, GroupNorm, Identity,
                          LayerNorm, LayerScale, Linear, MatMul, PatchMerge, Permute, Pool2d,
                          PosEmbed, Shape, Softmax, TokenSelect, Upsample, WindowShift)


def cost(op, *ins):
    out = op.out_shape(*ins)
    c = op_cost(op, ins, out)
    return out, (c.params, c.macs, c.flops)


VIT_TOKENS = Shape.tokens(197, 768)


def test_shapes_print_in_spec_order():
    assert str(VIT_TOKENS) == "197×768" and VIT_TOKENS.numel == 197 * 768
    assert str(Shape(3, 224, 224)) == "224×224×3"
    assert str(AttnScores(12).out_shape(Shape.tokens(197, 2304))) == "12×197×197"


def test_norms_affine_and_not():
    # layer norm: 5 per element to normalise + 2 for the affine scale and shift; 2·D params
    assert cost(LayerNorm(768), VIT_TOKENS)[1] == (1536, 0, 7 * 197 * 768)
    assert cost(LayerNorm(768, affine=False), VIT_TOKENS)[1] == (0, 0, 5 * 197 * 768)
    x = Shape(8, 5, 5)
    assert cost(GroupNorm(4, 8), x)[1] == (16, 0, 7 * 200)
    assert cost(GroupNorm(4, 8, affine=False), x)[1] == (0, 0, 5 * 200)
    assert cost(BatchNorm2d(8, affine=False), x)[1] == (0, 0, 2 * 200)


@pytest.mark.parametrize("fn", ["gelu", "gelu_tanh", "swish", "mish", "leaky_relu", "hardtanh", "tanh"])
def test_activations_one_flop_per_element(fn):
    assert cost(Activation(fn), VIT_TOKENS)[1] == (0, 0, 197 * 768)


def test_softmax_three_per_element():
    scores = Shape(197, 197, 12, "heads")
    assert cost(Softmax(), scores)[1] == (0, 0, 3 * 12 * 197 * 197)


def test_linear_per_token_and_matmul():
    out, c = cost(Linear(768, 3072), VIT_TOKENS)
    assert out == Shape.tokens(197, 3072)
    assert c == (768 * 3072 + 3072, 197 * 768 * 3072, 2 * 197 * 768 * 3072 + 197 * 3072)
    out, c = cost(MatMul(), Shape.tokens(4, 6), Shape.tokens(6, 5))  # (4×6)·(6×5)
    assert out == Shape.tokens(4, 5) and c == (0, 120, 240)


def test_vit_b_attention():
    # ViT-B/16: 197 tokens, 12 heads of 64.  QKᵀ and AV: 12·197·197·64 MACs each; the scores
    # add one FLOP per query element for the 1/√64 scaling.
    qkv = Shape.tokens(197, 3 * 768)
    scores, c = cost(AttnScores(12), qkv)
    assert scores == Shape(197, 197, 12, "heads")
    assert c == (0, 29_805_312, 2 * 29_805_312 + 197 * 768)
    out, c = cost(AttnValues(12), scores, qkv)
    assert out == VIT_TOKENS and c == (0, 29_805_312, 2 * 29_805_312)


def test_swin_t_shifted_window_attention():
    # Swin-T stage 1: 56×56 tokens of 96, 3 heads, 7×7 windows (64 of them).  QKᵀ: 3136·49·96
    # MACs; relative-position bias table (2·7−1)²·3 = 507 params; the bias and the shift mask
    # each add one FLOP per score (3·64·49·49).
    qkv = Shape(288, 56, 56, "hwc")
    scores, c = cost(AttnScores(3, 7, rel_bias=True, masked=True), qkv)
    assert scores == Shape(49, 49, 192, "heads")
    assert c == (507, 14_751_744, 2 * 14_751_744 + 56 * 56 * 96 + 2 * 192 * 49 * 49)
    assert cost(AttnValues(3, 7), scores, qkv)[0] == Shape(96, 56, 56, "hwc")
    padded = WindowShift(7, (3, 3)).out_shape(Shape(96, 57, 57, "hwc"))
    assert padded == Shape(96, 63, 63, "hwc")
    assert WindowShift(7, (3, 3), (57, 57)).out_shape(padded) == Shape(96, 57, 57, "hwc")


def test_transposed_conv_counts_per_input_pixel():
    # 7×7×16 -> (7−1)·2 − 2 + 3 + 1 = 14: each input pixel scatters 4·4 taps to 8 channels
    out, c = cost(ConvTranspose2d(16, 8, 4, 2, 1, bias=True), Shape(16, 7, 7))
    assert out == Shape(8, 14, 14)
    assert c == (16 * 8 * 16 + 8, 784 * 8 * 16, 2 * 784 * 8 * 16 + 8 * 14 * 14)


def test_non_square_kernels_and_asymmetric_padding():
    out, c = cost(Conv2d(4, 8, (1, 7), 1, (0, 3)), Shape(4, 9, 9))
    assert out == Shape(8, 9, 9) and c[:2] == (8 * 4 * 7, 81 * 8 * 28)
    # TF-style "same" for k2 s2 on 7: pad bottom and right by 1 -> (7 + 1 − 2) // 2 + 1 = 4
    assert Conv2d(4, 4, 2, 2, (0, 1, 0, 1)).out_shape(Shape(4, 7, 7)) == Shape(4, 4, 4)
    out, c = cost(Pool2d("max", (1, 3), 1, (0, 0, 1, 1)), Shape(2, 5, 5))
    assert out == Shape(2, 5, 5) and c[2] == 3 * 50
    assert Conv2d(4, 8, (3, 1), (2, 1)).category == "conv 3x1"


def test_ceil_mode_pooling():
    # SqueezeNet: 111 -> ceil((111 − 3) / 2) + 1 = 55 (floor mode also 55); 56 -> 28 vs 27
    assert Pool2d("max", 3, 2, ceil=True).out_shape(Shape(1, 56, 111)) == Shape(1, 28, 55)
    assert Pool2d("max", 3, 2).out_shape(Shape(1, 56, 111)) == Shape(1, 27, 55)
    # k2 s2 p1 on 5: windows start at −1, 1, 3 and 5; the one at 5 lies in the padding: 3
    assert Pool2d("max", 2, 2, 1, ceil=True).out_shape(Shape(1, 5, 5)) == Shape(1, 3, 3)


def test_adaptive_pooling_counts_every_read():
    # 7 -> 3 cells read rows [0,3), [2,5), [4,7): 3 + 3 + 3 = 9 per side
    out, c = cost(AdaptivePool2d("avg", 3), Shape(2, 7, 7))
    assert out == Shape(2, 3, 3) and c[2] == 2 * 9 * 9
    out, c = cost(AdaptivePool2d("max", (1, 2)), Shape(2, 7, 4))
    assert out == Shape(2, 1, 2) and c[2] == 2 * 7 * 4
    assert AdaptivePool2d().category == "global avg pool"


def test_upsampling():
    assert cost(Upsample(2, "bilinear"), Shape(3, 4, 4)) == (Shape(3, 8, 8), (0, 0, 7 * 192))
    assert cost(Upsample(3), Shape(3, 4, 4)) == (Shape(3, 12, 12), (0, 0, 0))


def test_learned_tensors_and_data_movement():
    assert cost(LayerScale(96), Shape(96, 56, 56))[1] == (96, 0, 96 * 56 * 56)
    assert cost(ClassToken(768), Shape.tokens(196, 768)) == (VIT_TOKENS, (768, 0, 0))
    assert cost(PosEmbed(197, 768), VIT_TOKENS)[1] == (151_296, 0, 151_296)
    assert cost(Permute("tokens"), Shape(768, 14, 14)) == (Shape.tokens(196, 768), (0, 0, 0))
    assert cost(Permute("hwc"), Shape(96, 56, 56))[0] == Shape(96, 56, 56, "hwc")
    assert cost(PatchMerge(), Shape(96, 7, 7, "hwc")) == (Shape(384, 4, 4, "hwc"), (0, 0, 0))
    assert cost(TokenSelect(0), VIT_TOKENS) == (Shape.tokens(1, 768), (0, 0, 0))
    assert cost(Identity("stochastic depth"), VIT_TOKENS) == (VIT_TOKENS, (0, 0, 0))
    x = Shape(2, 4, 4)
    assert cost(Concat(), x, Shape(3, 4, 4), Shape(4, 4, 4)) == (Shape(9, 4, 4), (0, 0, 0))


def test_numpy_and_sympy_evaluate_the_new_formulas():
    np = pytest.importorskip("numpy")
    sp = pytest.importorskip("sympy")
    sides = np.array([55, 56])
    assert list(Pool2d("max", 3, 2, ceil=True).out_shape(Shape(1, sides, sides)).h) == [27, 28]
    t, d = sp.symbols("T D", integer=True, positive=True)
    _, (params, macs, flops) = cost(AttnScores(1), Shape.tokens(t, 3 * d))
    assert sp.simplify(macs - t**2 * d) == 0 and sp.simplify(flops - (2 * t**2 * d + t * d)) == 0
    _, (params, macs, flops) = cost(LayerNorm(d), Shape.tokens(t, d))
    assert params == 2 * d and sp.simplify(flops - 7 * t * d) == 0


def test_readme_per_op_table_is_the_conventions_data():
    from pathlib import Path

    from archcalc.conventions.archcalc import per_op_table

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for row in per_op_table():
        assert f"| {' | '.join(row)} |" in readme, row[0]
