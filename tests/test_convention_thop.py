"""The thop convention: ``thop.profile`` itself, run on the modules the bridge builds, prints
exactly what archcalc's thop rules say, for every zoo network, every op type and the seed
blocks.  thop counts shapes only, so the zoo runs on the meta device (no weights, no
arithmetic); a separate test shows meta and CPU give the same numbers."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("thop")

import archcalc  # noqa: E402
from archcalc.bridge.modules import build_module, zero_input  # noqa: E402
from archcalc.conventions.thop import THOP  # noqa: E402
from archcalc.zoo import zoo_names  # noqa: E402
from tests.test_registries import EVERY_OP  # noqa: E402


def thop_figures(analysis, device="meta"):
    """``(MACs, params)`` as thop prints them for the module the bridge builds."""
    net = analysis.network
    measured = THOP.measure(build_module(net, device=device),
                            zero_input(net, analysis.batch, device=device))
    return measured.count, measured.params


def expected(analysis):
    return analysis.totals.macs, analysis.totals.params


def every_op(which, batch):
    if which == "image":
        text, hwc = EVERY_OP["image"]
        return archcalc.analyze(text, input=hwc, convention="thop", batch=batch)
    return archcalc.analyze(EVERY_OP["tokens"], input=(8, 8), convention="thop", batch=batch)


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_network_counts_as_thop_does(name):
    a = archcalc.analyze(f"zoo:{name}", convention="thop")
    assert thop_figures(a) == expected(a)


@pytest.mark.parametrize("name", ["squeezenet1_1", "mobilenet_v3_small", "shufflenet_v2_x0_5"])
def test_thop_counts_the_same_on_meta_as_on_cpu(name):
    a = archcalc.analyze(f"zoo:{name}", convention="thop")
    assert thop_figures(a, "cpu") == thop_figures(a, "meta") == expected(a)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("which", sorted(EVERY_OP))
def test_every_op_type_counts_as_thop_does(which, batch):
    a = every_op(which, batch)
    assert thop_figures(a) == expected(a)


@pytest.mark.parametrize("batch", [1, 2])
def test_seed_blocks_count_as_thop_does(batch):
    for a in archcalc.compare(convention="thop", batch=batch).analyses:
        assert thop_figures(a) == expected(a), a.name


def hand(spec, input, batch=1):
    """The thop convention's (MACs, params), checked against thop itself on CPU."""
    a = archcalc.analyze(spec, input=input, convention="thop", batch=batch)
    assert thop_figures(a, "cpu") == expected(a)
    return expected(a)


def test_batch_norm_is_4_per_element_when_affine():
    # thop/vision/calc_func.py:43 calculate_norm: 2 per input element, doubled for an affine
    # norm at thop/vision/basic_hooks.py:67-68: 8·8·16 = 1024 elements
    assert hand("bn", (8, 8, 16)) == (4 * 1024, 2 * 16)  # 4096 MACs, weight + bias
    assert hand("bn(affine=false)", (8, 8, 16)) == (2 * 1024, 0)  # 2048
    # archcalc's own: BN is 0 MACs (2 FLOPs per element)
    assert archcalc.analyze("bn", input=(8, 8, 16)).totals.macs == 0


def test_layer_norm_counts_on_tokens_but_not_as_layernorm2d():
    # nn.LayerNorm on 16 tokens of 32: 4 per element as batch norm (basic_hooks.py:60),
    # 4·16·32 = 2048, params 2·32
    assert hand("ln", (16, 32)) == (2048, 64)
    # on an image the bridge builds LayerNorm2d(nn.LayerNorm), as torchvision's ConvNeXt does;
    # thop hooks only type(m) in register_hooks (thop/profile.py:188): no count, no params
    assert hand("ln", (8, 8, 16)) == (0, 0)


def test_transposed_conv_is_counted_per_output_pixel():
    # thop/vision/calc_func.py:28 calculate_conv2d_flops: output elements·(Cin/g)·kh·kw.
    # 4×4×4 → out (4−1)·2 − 2·1 + 3 + 1 = 8: 8·8·8 = 512 outputs · 4 · 3·3 = 18432 (no bias);
    # archcalc's MACs scatter each input pixel: 4·4·4 inputs · 8 · 3·3 = 4608 (a quarter)
    spec = "conv_t(out=8,k=3,s=2,p=1,out_pad=1)"
    assert hand(spec, (4, 4, 4)) == (18432, 4 * 8 * 9 + 8)
    assert archcalc.analyze(spec, input=(4, 4, 4)).totals.macs == 4608


def test_softmax_and_global_average_pool():
    # thop/vision/calc_func.py:57 calculate_softmax: rows · (n exp + n−1 add + n div):
    # 10 rows of 32: 10 · 95 = 950
    assert hand("softmax", (10, 32)) == (950, 0)
    # calc_func.py:69 calculate_adaptive_avg: (Hin/Hout·Win/Wout + 1) per output element:
    # 7×7×64 → 1×1×64: (49 + 1) · 64 = 3200
    assert hand("pool(global)", (7, 7, 64)) == (3200, 0)


def test_adaptive_average_pool_truncates_as_thop_does():
    # calc_func.py:69 calculate_adaptive_avg in float64, 1×4 → 1×3 of one channel:
    # (1/1)·(4/3) + 1 = 2.333333333333333, · 3 outputs = 6.999999999999999, int() → 6
    # (exactly, Hin·Win + Hout·Wout = 4 + 3 = 7)
    assert hand("adaptive_pool(avg,out=1x3)", (1, 4, 1)) == (6, 0)


def test_adaptive_average_pool_truncation_at_batch_2():
    """thop truncates the float product over the whole batch (calc_func.py:72): 13 at
    batch 2, not 2 × 6, which the convention's batch rule reproduces."""
    a = archcalc.analyze("adaptive_pool(avg,out=1x3)", input=(1, 4, 1), convention="thop",
                         batch=2)
    assert thop_figures(a) == expected(a)
