"""Zoo group Z3 (modern and multi-branch families) against torchvision's published figures;
family members as variants with their own ``vars``; training-only layers (Inception v3's
auxiliary classifier); the Inception v3 blocks, hand-computed."""

import pytest

import archcalc
from archcalc import ArchcalcError
from archcalc.ops import Shape

# torchvision's model documentation prints each weight's meta "num_params" and "_ops" (GFLOPS,
# multiply-adds), e.g. https://pytorch.org/vision/stable/models/generated/torchvision.models.
# convnext_small.html; the figures are those of torchvision/models/<family>.py's weights enums.
# name: (num_params, GFLOPS as printed to 3 decimals, weights)
PUBLISHED = {
    "convnext_small": (50_223_688, 8.684),    # ConvNeXt_Small_Weights.IMAGENET1K_V1
    "convnext_base": (88_591_464, 15.355),    # ConvNeXt_Base_Weights.IMAGENET1K_V1
    "convnext_large": (197_767_336, 34.361),  # ConvNeXt_Large_Weights.IMAGENET1K_V1
    "vit_b_32": (88_224_232, 4.409),          # ViT_B_32_Weights.IMAGENET1K_V1
    "vit_l_16": (304_326_632, 61.555),        # ViT_L_16_Weights.IMAGENET1K_V1
    "vit_l_32": (306_535_400, 15.378),        # ViT_L_32_Weights.IMAGENET1K_V1
    "swin_s": (49_606_258, 8.741),            # Swin_S_Weights.IMAGENET1K_V1
    "swin_b": (87_768_224, 15.431),           # Swin_B_Weights.IMAGENET1K_V1
    "densenet161": (28_681_000, 7.728),       # DenseNet161_Weights.IMAGENET1K_V1
    "densenet169": (14_149_480, 3.36),        # DenseNet169_Weights.IMAGENET1K_V1 (printed 3.36)
    "densenet201": (20_013_928, 4.291),       # DenseNet201_Weights.IMAGENET1K_V1
    "squeezenet1_1": (1_235_496, 0.349),      # SqueezeNet1_1_Weights.IMAGENET1K_V1
    # Inception_V3_Weights.IMAGENET1K_V1: num_params includes the auxiliary classifier
    # (AuxLogits, training only); _ops 5.713 is the inference forward, without it
    "inception_v3": (27_161_264, 5.713),
}
# The entries this group rewrote as the base of a family (unchanged figures, tests/test_zoo.py)
BASES = {"convnext_tiny": (28_589_128, 4.456), "vit_b_16": (86_567_656, 17.564),
         "swin_t": (28_288_354, 4.491), "densenet121": (7_978_856, 2.834)}
# Side of the feature map the global average pool sees (None: ViT takes the class token)
FINAL_MAP = {"vit_b_32": None, "vit_l_16": None, "vit_l_32": None, "squeezenet1_1": 13,
             "inception_v3": 8}


def totals(name):
    return archcalc.analyze(f"zoo:{name}").totals


@pytest.mark.parametrize("name", sorted({**PUBLISHED, **BASES}))
def test_params_exact_and_gflops_at_published_precision(name):
    params, gflops = {**PUBLISHED, **BASES}[name]
    t = totals(name)
    assert t.params == params
    assert round(t.macs / 1e9, 3) == gflops


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_reaches_1000_classes_from_its_final_map(name):
    a = archcalc.analyze(f"zoo:{name}")
    assert a.network.output_shape.numel == 1000
    side = FINAL_MAP.get(name, 7)
    pools = [r.in_shape.h for r in a.records if r.category == "global avg pool"
             and not a.network.nodes[a.records.index(r)].train_only]
    assert pools == ([] if side is None else [side])


def test_native_resolutions():
    assert archcalc.analyze("zoo:inception_v3").network.input_shape == Shape(3, 299, 299)
    assert archcalc.analyze("zoo:vit_l_32").records[2].out_shape == Shape.tokens(50, 1024)


# ---- vars and variants ----

def test_family_members_are_their_table_rows():
    # ConvNeXt §3: the sizes differ only in C and B; ViT Table 1 rows; Swin Table 7 columns
    base = archcalc.load("zoo:convnext_base")
    assert [layer.repeat for layer in base.layers if layer.kind == "convnext"] == [3, 3, 27, 3]
    assert dict(base.layers[0].params)["out"] == 128
    assert archcalc.load("zoo:vit_l_16").layers[3].repeat == 24
    assert [dict(layer.params)["heads"] for layer in archcalc.load("zoo:swin_b").layers
            if layer.kind == "swin"] == [4, 8, 16, 32]


def test_vars_are_substituted_and_a_variant_overrides_them(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(
        "name: base\ninput: [8, 8, 4]\nvars: {c: [8, 16], n: 2}\n"
        "layers:\n  - conv: {out: $c.1, n: $n}\n  - conv: {out: $c.2}\n")
    # conv 4→8 (3×3, BN), conv 8→8, conv 8→16; each BN 2·out
    base = archcalc.analyze(path)
    assert base.totals.params == (4 * 8 * 9 + 16) + (8 * 8 * 9 + 16) + (8 * 16 * 9 + 32)
    from archcalc.spec.load import spec_from_data
    from archcalc.spec.source import read_spec_file

    path.write_text(path.read_text() + "variants:\n  wide: {vars: {c: [16, 32]}}\n")
    data, lines = read_spec_file(str(path))
    wide = archcalc.analyze(spec_from_data(data, str(path), lines, variant="wide"))
    # conv 4→16 (3×3, BN), conv 16→16, conv 16→32
    assert wide.totals.params == (4 * 16 * 9 + 32) + (16 * 16 * 9 + 32) + (16 * 32 * 9 + 64)
    assert wide.name == "wide"


@pytest.mark.parametrize("text, message", [
    ("vars: {c: 8}\nlayers:\n  - conv: {out: $d}\n", r"unknown variable \$d"),
    ("vars: {c: [8]}\nlayers:\n  - conv: {out: $c.2}\n", r"\$c has no item 2"),
    ("vars: {c: 8}\nlayers:\n  - conv: {out: $c.1}\n", r"\$c has no item 1"),
])
def test_vars_errors_name_the_field(tmp_path, text, message):
    p = tmp_path / "v.yaml"
    p.write_text("input: [8, 8, 4]\n" + text)
    with pytest.raises(ArchcalcError, match=r"v.yaml:\d+: layers\[0\]\.conv\.out: " + message):
        archcalc.analyze(p)


# ---- training-only layers ----

AUX = (128 * 768 + 2 * 128        # conv0: 1×1 conv 768→128 without bias + BN
       + 768 * 128 * 25 + 2 * 768  # conv1: 5×5 conv 128→768 without bias + BN
       + 768 * 1000 + 1000)        # fc: linear 768→1000
INCEPTION_V3_INFERENCE = 27_161_264 - AUX


def test_inception_v3_aux_head_counts_params_and_costs_nothing_at_inference():
    a = archcalc.analyze("zoo:inception_v3")
    aux = [r for r in a.records if r.block == "AuxLogits"]
    assert AUX == 3_326_696 and sum(r.params for r in aux) == AUX
    assert sum(r.params for r in a.records if r.block != "AuxLogits") == INCEPTION_V3_INFERENCE
    assert all(r.macs == r.flops == r.bytes == r.live_activation_bytes == 0 for r in aux)
    assert [b.text for b in a.network.blocks if b.name == "AuxLogits"] == [
        "inception_aux(classes=1000) train_only"]
    assert a.network.output == "fc.fc"


def test_train_only_is_a_validated_layer_flag(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("input: [8, 8, 4]\nlayers:\n  - conv: {out: 8, train_only: yes please}\n")
    with pytest.raises(ArchcalcError, match=r"train_only: expected true or false"):
        archcalc.analyze(p)
    p.write_text("input: [8, 8, 4]\nlayers:\n  - conv: {out: 8, train_only: true, name: aux}\n"
                 "  - conv: {out: 8}\n")
    with pytest.raises(ArchcalcError, match="reads a train_only layer's output"):
        archcalc.analyze(p)


def test_train_only_layers_run_in_training_mode_only():
    torch = pytest.importorskip("torch")
    from archcalc import bridge_api

    model = bridge_api.to_module("conv(out=8,name=a), linear(out=3,train_only=true,name=aux), "
                                 "pool(input=a), linear(out=2)", input=(4, 4, 2))
    calls = []
    model.get_submodule("aux.fc").register_forward_hook(lambda *args: calls.append(1))
    with torch.no_grad():
        assert model(torch.zeros(2, 2, 4, 4)).shape == (2, 2, 1, 1)
        assert not calls
        model.train()(torch.zeros(2, 2, 4, 4))
    assert calls == [1]
    assert sum(p.numel() for p in model.parameters()) == archcalc.analyze(
        "conv(out=8,name=a), linear(out=3,train_only=true,name=aux), pool(input=a), "
        "linear(out=2)", input=(4, 4, 2)).totals.params


# ---- Inception v3 blocks, hand-computed (each conv without bias + BN of 2·out) ----

def conv_bn(cin, cout, kh, kw=None):
    return cin * cout * kh * (kw or kh) + 2 * cout


def test_inception_a_module():
    # Mixed_5b: 192 channels in, pool features 32; 64 + 64 + 96 + 32 = 256 out
    a = archcalc.analyze("inception_a(pool=32)", input=(35, 35, 192))
    assert a.totals.params == (conv_bn(192, 64, 1) + conv_bn(192, 48, 1) + conv_bn(48, 64, 5)
                               + conv_bn(192, 64, 1) + conv_bn(64, 96, 3) + conv_bn(96, 96, 3)
                               + conv_bn(192, 32, 1))
    assert a.network.output_shape == Shape(256, 35, 35)
    assert a.totals.macs == 35 * 35 * (192 * 64 + 192 * 48 + 48 * 64 * 25 + 192 * 64
                                       + 64 * 96 * 9 + 96 * 96 * 9 + 192 * 32)


def test_inception_c_module_factorises_7x7():
    # Mixed_6b: c7 = 128; the 1×7 and 7×1 convs keep the 17×17 grid
    a = archcalc.analyze("inception_c(c7=128)", input=(17, 17, 768))
    c7 = 128
    assert a.totals.params == (
        conv_bn(768, 192, 1)                                                         # 1×1
        + conv_bn(768, c7, 1) + conv_bn(c7, c7, 1, 7) + conv_bn(c7, 192, 7, 1)       # 1×7, 7×1
        + conv_bn(768, c7, 1) + conv_bn(c7, c7, 7, 1) + conv_bn(c7, c7, 1, 7)        # 7×1, 1×7,
        + conv_bn(c7, c7, 7, 1) + conv_bn(c7, 192, 1, 7)                             # 7×1, 1×7
        + conv_bn(768, 192, 1))                                                      # pool proj
    kernels = [r.category for r in a.records if r.op == "conv"]
    assert kernels.count("conv 1x7") == 3 and kernels.count("conv 7x1") == 3
    assert a.network.output_shape == Shape(768, 17, 17)


@pytest.mark.parametrize("spec, inp, out", [
    ("inception_b", (35, 35, 288), Shape(768, 17, 17)),    # 384 + 96 + 288
    ("inception_d", (17, 17, 768), Shape(1280, 8, 8)),     # 320 + 192 + 768
    ("inception_e", (8, 8, 1280), Shape(2048, 8, 8)),      # 320 + 2·384 + 2·384 + 192
    ("inception_aux", (17, 17, 768), Shape(1000, 1, 1)),
])
def test_grid_reductions_and_expanded_modules_shapes(spec, inp, out):
    assert archcalc.analyze(spec, input=inp).network.output_shape == out


def test_inception_e_module():
    a = archcalc.analyze("inception_e", input=(8, 8, 1280))
    assert a.totals.params == (conv_bn(1280, 320, 1) + conv_bn(1280, 384, 1)
                               + conv_bn(384, 384, 1, 3) + conv_bn(384, 384, 3, 1)
                               + conv_bn(1280, 448, 1) + conv_bn(448, 384, 3)
                               + conv_bn(384, 384, 1, 3) + conv_bn(384, 384, 3, 1)
                               + conv_bn(1280, 192, 1))


def test_inception_v3_refuses_a_width_multiplier():
    with pytest.raises(ArchcalcError, match="no continuous width rule"):
        archcalc.analyze("zoo:inception_v3", width=0.5)
