"""torchprofile's convention: its rules on the IR reproduce, exactly, what ``profile_macs``
counts on the module the bridge builds (every zoo network, every op type, batch 1 and 2)."""

import os

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchprofile")

import archcalc  # noqa: E402
from archcalc.bridge.modules import build_module, zero_input  # noqa: E402
from archcalc.conventions import get  # noqa: E402
from archcalc.zoo import zoo_names  # noqa: E402

from .test_registries import EVERY_OP, every_op_analysis  # noqa: E402

TORCHPROFILE = get("torchprofile")


@pytest.fixture(scope="module", autouse=True)
def _few_threads():
    """The tool runs the model on CPU: on a small shared machine two intra-op threads are
    several times slower than one, so use at most half the cores while this file runs."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, min(before, (os.cpu_count() or 2) // 2)))
    yield
    torch.set_num_threads(before)


def measured(a):
    """The tool's own total on the module built from ``a`` (built on the meta device;
    ``measure`` materialises it on CPU, where torchprofile can trace it)."""
    net = a.network
    return TORCHPROFILE.measure(build_module(net, device="meta"),
                                zero_input(net, a.batch, device="meta"))


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_network_counts_as_torchprofile_does(name):
    a = archcalc.analyze(f"zoo:{name}", convention="torchprofile")
    assert measured(a).count == a.totals.macs


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("which", sorted(EVERY_OP))
def test_every_op_type_counts_as_torchprofile_does(which, batch):
    text, shape = EVERY_OP["image"] if which == "image" else (EVERY_OP["tokens"], (8, 8))
    a = archcalc.analyze(text, input=shape, convention="torchprofile", batch=batch)
    assert a.batch == batch and a.network == every_op_analysis(which).network
    m = measured(a)
    assert m.params is None and m.count == a.totals.macs


@pytest.mark.parametrize("batch", [1, 2])
def test_seed_blocks_count_as_torchprofile_does(batch):
    analyses = archcalc.compare(convention="torchprofile", batch=batch).analyses
    assert len(analyses) == 3
    for a in analyses:
        assert measured(a).count == a.totals.macs, a.name


@pytest.mark.filterwarnings("ignore:No handlers found")
def test_the_meta_build_counts_as_a_real_cpu_module():
    """Materialising a meta module with zeroed storage changes nothing the tool reads."""
    from torchprofile import profile_macs

    a = every_op_analysis("image")
    real = profile_macs(build_module(a.network), zero_input(a.network, 1))
    assert real == measured(a).count


def _tool_and_rules(text, hwc, expected):
    a = archcalc.analyze(text, input=hwc, convention="torchprofile")
    m = measured(a)
    assert m.count == a.totals.macs == expected
    return a, m


@pytest.mark.parametrize("cout, groups, expected, true_macs", [
    # torchprofile/handlers.py:80-84: weight (8, 2, 3, 3); output channels 4 != weight[0] = 8,
    # so in_channels = 8 (groups ignored): 4·10·10 outputs × 8 × 3·3 = 400 × 72 = 28,800;
    # archcalc: per input pixel, 5·5·8 × (4/2)·3·3 = 200 × 18 = 3,600 (8×)
    (4, 2, 28_800, 3_600),
    # Cout == Cin = 8: weight (8, 4, 3, 3) read as a conv's, in_channels = weight[1] = 4:
    # 8·10·10 × 4 × 9 = 28,800; archcalc 200 × 4·9 = 7,200 (stride² = 4×)
    (8, 2, 28_800, 7_200),
])
def test_transposed_conv_counts_per_output_pixel(cout, groups, expected, true_macs):
    text = f"conv_t(out={cout},k=3,s=2,p=1,out_pad=1,g={groups},bias=false)"
    _tool_and_rules(text, (5, 5, 8), expected)
    assert archcalc.analyze(text, input=(5, 5, 8)).totals.macs == true_macs


def test_squeeze_excite_counts_the_pool_output_and_the_multiply():
    # on 4×4×16, squeeze 4: handlers.py:97 global avg pool: 16 outputs (not 256 inputs);
    # :77 fc1 16·4 = 64 and fc2 4·16 = 64 (biases not counted); relu 0 (:271);
    # hardsigmoid has no handler (skipped, torchprofile/profile.py:48); :73 a * b: 16·4·4 = 256.
    # 16 + 64 + 64 + 256 = 400; archcalc's MACs are the two 1×1 convs, 128.
    a, m = _tool_and_rules("se(r=0.25,divisor=1)", (4, 4, 16), 400)
    assert archcalc.analyze("se(r=0.25,divisor=1)", input=(4, 4, 16)).totals.macs == 128
    assert m.unsupported == (("aten::hardsigmoid", 1),)


def test_attention_counts_the_query_scaling_and_affine_norms():
    # vit(heads=2, mlp=16) on 4 tokens × 8: ln1, ln2 affine, 1 per element (:87): 2 × 32;
    # qkv 4·8·24 = 768 (:39, aten::linear); q * scale, 1 per query element (:73): 4·8 = 32;
    # QKᵀ and AV 2 heads · 4·4 scores · 4 = 128 each; proj 4·8·8 = 256;
    # fc1 4·8·16 = 512, fc2 512; adds, softmax, gelu 0 (:209).
    # 64 + 768 + 32 + 128 + 128 + 256 + 512 + 512 = 2,400 (archcalc's MACs: 2,304)
    _tool_and_rules("vit(heads=2,mlp=16)", (4, 8), 2_400)


def test_norms_pools_and_activations():
    # on 4×4×2: bn without affine 0 (:94); ln (affine) 32 (:87); avg pool 3×3 s1 p1: 1 per
    # output (:97), 32, not 9 × 32; leaky relu 1 per element (:101), 32; hardswish no
    # handler; nearest upsample 0 (:304) to 8×8×2; bilinear 4 per output (:105) of 16×16×2:
    # 4 × 512 = 2,048.  0 + 32 + 32 + 32 + 2,048 = 2,144 (archcalc's MACs: 0)
    text = ("bn(affine=false), ln, pool(avg,k=3,s=1,p=1), act(leaky_relu), act(hswish), "
            "upsample(factor=2), upsample(factor=2,mode=bilinear)")
    _, m = _tool_and_rules(text, (4, 4, 2), 2_144)
    assert m.unsupported == (("aten::hardswish", 1),)
