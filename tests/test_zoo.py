"""The zoo against published figures; each figure's source is cited beside it."""

import pytest

import archcalc
from archcalc.zoo import zoo_names


def totals(name, **kw):
    return archcalc.analyze(f"zoo:{name}", **kw).totals


# Exact parameter counts: torchvision's model documentation (num_params of the weights).
TORCHVISION_PARAMS = {
    "mobilenet_v2": 3_504_872,        # MobileNet_V2_Weights.IMAGENET1K_V1
    "mobilenet_v3_large": 5_483_032,  # MobileNet_V3_Large_Weights.IMAGENET1K_V1
    "mobilenet_v3_small": 2_542_856,  # MobileNet_V3_Small_Weights.IMAGENET1K_V1
    "resnet18": 11_689_512,           # ResNet18_Weights.IMAGENET1K_V1
    "resnet50": 25_557_032,           # ResNet50_Weights.IMAGENET1K_V1
    "efficientnet_b0": 5_288_548,     # EfficientNet_B0_Weights.IMAGENET1K_V1
    "mnasnet1_0": 4_383_312,          # MNASNet1_0_Weights.IMAGENET1K_V1
    "shufflenet_v2_x1_0": 2_278_604,  # ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1
    # The modern families.  Source: torchvision's model documentation, which prints each
    # weight's meta "num_params" and "_ops" (GFLOPS), e.g.
    # https://pytorch.org/vision/stable/models/generated/torchvision.models.convnext_tiny.html
    "resnet34": 21_797_672,           # ResNet34_Weights.IMAGENET1K_V1
    "convnext_tiny": 28_589_128,      # ConvNeXt_Tiny_Weights.IMAGENET1K_V1
    "vit_b_16": 86_567_656,           # ViT_B_16_Weights.IMAGENET1K_V1
    "swin_t": 28_288_354,             # Swin_T_Weights.IMAGENET1K_V1
    "efficientnet_v2_s": 21_458_488,  # EfficientNet_V2_S_Weights.IMAGENET1K_V1
    "regnet_y_400mf": 4_344_144,      # RegNet_Y_400MF_Weights.IMAGENET1K_V1
    "densenet121": 7_978_856,         # DenseNet121_Weights.IMAGENET1K_V1
    "squeezenet1_0": 1_248_424,       # SqueezeNet1_0_Weights.IMAGENET1K_V1
    "googlenet": 6_624_904,           # GoogLeNet_Weights.IMAGENET1K_V1
}


@pytest.mark.parametrize("name", sorted(TORCHVISION_PARAMS))
def test_params_match_torchvision_exactly(name):
    assert totals(name).params == TORCHVISION_PARAMS[name]


# torchvision docs "GFLOPS" column (its _ops meta, multiply-adds), printed to 3 decimals
TORCHVISION_GFLOPS = {
    "resnet34": 3.664, "convnext_tiny": 4.456, "vit_b_16": 17.564, "swin_t": 4.491,
    "efficientnet_v2_s": 8.366, "regnet_y_400mf": 0.402, "densenet121": 2.834,
    "squeezenet1_0": 0.819, "googlenet": 1.498}


@pytest.mark.parametrize("name", sorted(TORCHVISION_GFLOPS))
def test_modern_macs_at_published_precision(name):
    assert round(totals(name).macs / 1e9, 3) == TORCHVISION_GFLOPS[name]


def test_every_entry_is_held_to_torchvision_figures():
    """Every zoo entry's params and MACs are tested against torchvision's published figures
    (here and in the family test files); MobileNetV1, which torchvision lacks, against its
    paper's Tables 6 and 7 (below); ShuffleNet v1 against its authors' figures
    (tests/test_zoo_shufflenet_v1.py)."""
    from . import test_zoo_classic as classic, test_zoo_modern as modern
    from . import test_zoo_shufflenet_v1 as shufflenet_v1, test_zoo_variants as variants

    both = (set(classic.PUBLISHED) | set(modern.PUBLISHED) | set(modern.BASES)
            | set(variants.PUBLISHED) | set(shufflenet_v1.PUBLISHED))
    params = both | set(TORCHVISION_PARAMS)
    macs = both | set(TORCHVISION_GFLOPS) | set(variants.PUBLISHED_GFLOPS)
    assert params | {"mobilenet_v1"} == set(zoo_names()) == macs | {"mobilenet_v1"}


@pytest.mark.parametrize("depth, width, params", [
    (1.1, 1.0, 7_794_184),   # EfficientNet_B1_Weights.IMAGENET1K_V1 (w 1.0, d 1.1)
    (1.2, 1.1, 9_109_994),   # EfficientNet_B2_Weights.IMAGENET1K_V1 (w 1.1, d 1.2)
])
def test_depth_multiplier_gives_torchvision_efficientnets(depth, width, params):
    assert totals("efficientnet_b0", depth=depth, width=width).params == params


def test_width_multiplier_matches_torchvision_mnasnet():
    # torchvision docs: mnasnet0_5 2,218,512; mnasnet0_75 3,170,208; mnasnet1_3 6,282,256 params
    assert [totals("mnasnet1_0", width=a).params for a in (0.5, 0.75, 1.3)] == [
        2_218_512, 3_170_208, 6_282_256]


def mmacs(name, **kw):
    """MACs in millions, unrounded."""
    return totals(name, norm="none", **kw).macs / 1e6


@pytest.mark.parametrize("resolution, expected", [(224, 569), (192, 418), (160, 290), (128, 186)])
def test_mobilenet_v1_resolution_multiplier(resolution, expected):
    # MobileNetV1 paper, Table 7: 1.0 MobileNet at 224/192/160/128 = 569/418/290/186 M
    # mult-adds, printed to the million (ours: 568.7, 418.1, 290.7, 186.4)
    assert abs(mmacs("mobilenet_v1", resolution=resolution) - expected) < 1


@pytest.mark.parametrize("width, macs, params", [
    (1.0, 569, 4.2), (0.75, 325, 2.6), (0.5, 149, 1.3), (0.25, 41, 0.5)])
def test_mobilenet_v1_width_multiplier(width, macs, params):
    # MobileNetV1 paper, Table 6: width 1.0/0.75/0.5/0.25 -> 569/325/149/41 M mult-adds and
    # 4.2/2.6/1.3/0.5 M parameters (weights only, the paper counts no BN)
    t = totals("mobilenet_v1", width=width, norm="none")
    assert round(t.macs / 1e6) == macs
    assert round(t.params / 1e6, 1) == params


@pytest.mark.parametrize("name, expected_mmacs", [
    ("mobilenet_v2", 300),         # MobileNetV2 paper, Table 4: 300M MACs (ours 300.8)
    ("mobilenet_v3_large", 217),   # torchvision docs 0.22 GFLOPS, 216.6M; paper Table 3: 219M
    ("mobilenet_v3_small", 56.5),  # torchvision docs 0.06 GFLOPS, 56.5M; paper Table 3: 56M
    ("resnet18", 1814),            # torchvision docs: 1.81 GFLOPS
    ("resnet50", 4089),            # torchvision docs: 4.09 GFLOPS
    ("efficientnet_b0", 386),      # torchvision docs: 0.39 GFLOPS (0.386)
    ("mnasnet1_0", 314),           # torchvision docs: 0.31 GFLOPS
    ("shufflenet_v2_x1_0", 145),   # torchvision docs: 0.14 GFLOPS; paper Table 5: 146M
])
def test_macs_at_published_precision(name, expected_mmacs):
    assert abs(mmacs(name) - expected_mmacs) < 1


def test_mobilenet_v1_table2_breakdown():
    # MobileNetV1 paper, Table 2 (mult-adds %, params %): Conv 1×1 94.86 / 74.59,
    # Conv DW 3×3 3.06 / 1.06, Conv 3×3 1.19 / 0.02, FC 0.18 / 24.33.  The printed 1.19% is
    # 1.90% transposed: the column then sums to 100, and 112²·32·27 / 568.7M = 1.906%.
    # The params column leaves out the FC bias (1,000): hence a tolerance of 0.02 points.
    a = archcalc.analyze("zoo:mobilenet_v1", norm="none")
    t = a.totals
    share = {g.key: (100 * g.cost.macs / t.macs, 100 * g.cost.params / t.params)
             for g in a.by_category()}
    assert share["conv 1x1"] == pytest.approx((94.86, 74.59), abs=0.02)
    assert share["conv dw 3x3"] == pytest.approx((3.06, 1.06), abs=0.02)
    assert share["conv 3x3"] == pytest.approx((1.90, 0.02), abs=0.02)
    assert share["fully connected"] == pytest.approx((0.18, 24.33), abs=0.02)


def test_mobilenet_v1_table4_conv_mobilenet():
    # MobileNetV1 paper, Table 4: Conv MobileNet 4866M mult-adds, 29.3M parameters
    # (ours 4867.3M: within 0.03%)
    t = archcalc.analyze("zoo:mobilenet_v1", norm="none", replace=(("dwsep", "conv"),)).totals
    assert t.macs / 1e6 == pytest.approx(4866, rel=1e-3)
    assert round(t.params / 1e6, 1) == 29.3


def test_mobilenet_v2_last_conv_only_scales_up():
    a = archcalc.analyze("zoo:mobilenet_v2", width=0.5)
    b = archcalc.analyze("zoo:mobilenet_v2", width=1.4)
    last = lambda an: [r for r in an.records if r.name == "last.conv"][0].out_shape.c
    assert (last(a), last(b)) == (1280, 1792)


# The last feature map's side (input / 32 at the builder's native resolution), else 7×7.
FINAL_MAP = {"vit_b_16": None, "squeezenet1_0": 13, "efficientnet_v2_s": 12,
             "efficientnet_b1": 8, "efficientnet_b2": 9, "efficientnet_b3": 10,
             "efficientnet_b4": 12, "efficientnet_b5": 15, "efficientnet_b6": 17,
             "efficientnet_b7": 19, "efficientnet_v2_m": 15, "efficientnet_v2_l": 15,
             "inception_v3": 8, "squeezenet1_1": 13, "vit_b_32": None, "vit_l_16": None,
             "vit_l_32": None, "alexnet": None,  # VGG, AlexNet: adaptive pool to 7×7 / 6×6
             **{f"vgg{d}{bn}": None for d in (11, 13, 16, 19) for bn in ("", "_bn")}}


def test_every_entry_reaches_its_final_map_and_1000_classes():
    for name in zoo_names():
        a = archcalc.analyze(f"zoo:{name}")
        assert a.network.output_shape.numel == 1000, name
        side = FINAL_MAP.get(name, 7)
        assert side is None or any(r.in_shape.h == side and r.category == "global avg pool"
                                   for r in a.records), name


def test_zoo_command_and_zoo_all(cli):
    code, out, _ = cli("zoo", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 1 + len(zoo_names())
    assert "zoo:resnet50,224x224x3,25557032,4089184256" in out
    code, out, _ = cli("compare", "zoo:all", "--format", "csv")
    totals = [line for line in out.splitlines() if ",total," in line]
    assert code == 0 and [t.split(",")[0] for t in totals] == [
        archcalc.load(f"zoo:{n}").name for n in zoo_names()]
    assert "resnet50,total,,,,,,,25557032,4089184256," in out


def test_mobilenet_v3_width_rule_option(cli):
    # MobileNetV3 paper Table 3: Large 0.75 has 155M multiply-adds and 4.0M params (TF-slim's
    # rule); torchvision's rule scales every width instead (fewer params)
    code, out, _ = cli("compare", "zoo:mobilenet_v3_large", "--width-mult", "0.75",
                       "--width-rule", "tfslim", "-f", "json")
    totals = __import__("json").loads(out)["candidates"][0]["totals"]
    assert code == 0 and round(totals["macs"] / 1e6) == 155 and round(totals["params"] / 1e6, 1) == 4.0
    assert totals["params"] > archcalc.analyze("zoo:mobilenet_v3_large", width=0.75).totals.params


def test_only_families_with_a_width_rule_take_a_width_multiplier():
    """MobileNet V1/V2/V3, EfficientNet, MnasNet and ShuffleNet v1 ("ShuffleNet s×", §4.1.1)
    define α (their papers); every other family's widths are a table, and --width-mult is
    refused with one line saying so."""
    scalable = set()
    for name in zoo_names():
        try:
            archcalc.analyze(f"zoo:{name}", width=0.75, resolution=64)
            scalable.add(name)
        except archcalc.ArchcalcError as exc:
            assert "has no continuous width rule" in str(exc), name
    assert scalable == {n for n in zoo_names()
                        if n.startswith(("mobilenet", "efficientnet", "mnasnet", "shufflenet_v1"))}
