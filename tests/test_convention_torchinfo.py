"""The torchinfo convention: torchinfo 1.8.0's own ``summary`` on the module the bridge builds
equals archcalc's analysis under ``convention="torchinfo"``, in total and layer by layer."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchinfo")

import archcalc  # noqa: E402
from archcalc.bridge.modules import build_module, zero_input  # noqa: E402
from archcalc.conventions.torchinfo import TORCHINFO  # noqa: E402
from archcalc.zoo import zoo_names  # noqa: E402

from .test_registries import EVERY_OP  # noqa: E402


def measured(a, device=None):
    """torchinfo's figures for the module built from ``a.network`` at ``a``'s batch."""
    model = build_module(a.network, device=device)
    return TORCHINFO.measure(model, zero_input(a.network, a.batch, device=device))


def assert_matches(a, got):
    """Totals (mult-adds and params) and each layer's mult-adds equal the convention's."""
    assert (got.count, got.params) == (a.totals.macs, a.totals.params), a.name
    for node in a.network.nodes:
        want = 0 if node.train_only else TORCHINFO.count(node.op, node.in_shapes,
                                                          node.out_shape, a.batch)
        assert got.by_module.get(node.name, 0) == want, (a.name, node.name, node.op)


def every_op(which, batch):
    if which == "image":
        text, hwc = EVERY_OP["image"]
        return archcalc.analyze(text, input=hwc, convention="torchinfo", batch=batch)
    return archcalc.analyze(EVERY_OP["tokens"], input=(8, 8), convention="torchinfo",
                            batch=batch)


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_network_on_the_meta_device(name):
    a = archcalc.analyze(f"zoo:{name}", convention="torchinfo")
    assert_matches(a, measured(a, device="meta"))


@pytest.mark.parametrize("name", ["mobilenet_v3_small", "swin_t"])
def test_meta_device_counts_as_cpu(name):
    a = archcalc.analyze(f"zoo:{name}", convention="torchinfo")
    assert measured(a, device="meta") == measured(a)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("which", sorted(EVERY_OP))
def test_every_op_spec(which, batch):
    a = every_op(which, batch)
    got = measured(a)
    assert_matches(a, got)
    assert got == measured(a, device="meta")


@pytest.mark.parametrize("batch", [1, 2])
def test_seed_blocks(batch):
    for a in archcalc.compare(convention="torchinfo", batch=batch).analyses:
        assert_matches(a, measured(a))


def test_batch_norm_counts_its_parameters_once_per_sample():
    # layer_info.py:242: a non-"Conv" leaf counts output_size[0] (the batch) × each of its
    # weight and bias: 2 samples × (16 + 16) = 64, not one per element (2·8·8·16·2)
    x = torch.zeros(2, 16, 8, 8)
    from torchinfo import summary

    assert summary(torch.nn.BatchNorm2d(16), input_data=x, verbose=0).total_mult_adds == 64
    a = archcalc.analyze("bn", input=(8, 8, 16), convention="torchinfo", batch=2)
    assert a.totals.macs == 2 * (16 + 16) == 64
    assert archcalc.analyze("bn", input=(8, 8, 16), batch=2).totals.macs == 0


def test_linear_on_tokens_counts_once_per_sample_not_per_token():
    # layer_info.py:242: (8·8 weight + 8 bias) × output_size[0] = 1 sample: 72, although the
    # 8 tokens take 8·8·8 = 512 MACs
    a = archcalc.analyze("linear(out=8)", input=(8, 8), convention="torchinfo")
    assert a.totals.macs == 8 * 8 + 8 == 72
    assert archcalc.analyze("linear(out=8)", input=(8, 8)).totals.macs == 8 * 8 * 8
    assert measured(a).count == 72


def test_transposed_conv_counts_its_weight_per_output_pixel():
    # layer_info.py:237-240: "Conv" in the class name: (weight + bias) × N·Hout·Wout.
    # conv_t 3→2, k=3, s=2 on 4×4: out side (4−1)·2 + 3 = 9, so 81 output pixels;
    # weight 3·2·3·3 = 54, bias 2: (54 + 2)·81 = 4536, where the MACs are per input pixel:
    # 4·4·3 · 2·3·3 = 864
    a = archcalc.analyze("conv_t(out=2,k=3,s=2)", input=(4, 4, 3), convention="torchinfo")
    assert a.totals.macs == (3 * 2 * 3 * 3 + 2) * 9 * 9 == 4536
    assert archcalc.analyze("conv_t(out=2,k=3,s=2)", input=(4, 4, 3)).totals.macs == 864
    assert measured(a).count == 4536


def test_only_parameters_named_weight_or_bias_count():
    # layer_info.py:235 and :244: the bridge's layer scale holds ``gamma``: nothing counted;
    # the same module holding it as ``weight`` counts 8 channels × 2 samples = 16
    from torchinfo import summary

    a = archcalc.analyze("layer_scale", input=(4, 4, 8), convention="torchinfo", batch=2)
    assert a.totals.macs == 0 and measured(a).count == 0
    model = build_module(a.network)
    scale = model.get_submodule(a.network.nodes[0].name)
    scale.weight = scale.gamma
    del scale.gamma
    scale.forward = lambda x: x * scale.weight
    assert summary(model, input_data=zero_input(a.network, 2), verbose=0).total_mult_adds == 16
