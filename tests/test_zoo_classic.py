"""The convolutional classics (bottleneck ResNets, ResNeXt, Wide ResNet, RegNet X/Y, VGG,
AlexNet) against torchvision's published figures, and the blocks they use.

Figures: torchvision's model documentation, which prints each weight's meta "num_params" and
"_ops" (GFLOPS = multiply-adds, to 3 decimals), e.g.
https://pytorch.org/vision/stable/models/generated/torchvision.models.resnext50_32x4d.html
"""

import pytest

import archcalc
from archcalc.blocks import regnet_stages
from archcalc.zoo import zoo_names

# name: (num_params, GFLOPS), source: the weights enum named beside each
PUBLISHED = {
    "resnet50": (25_557_032, 4.089),            # ResNet50_Weights.IMAGENET1K_V1
    "resnet101": (44_549_160, 7.801),           # ResNet101_Weights.IMAGENET1K_V1
    "resnet152": (60_192_808, 11.514),          # ResNet152_Weights.IMAGENET1K_V1
    "resnext50_32x4d": (25_028_904, 4.23),      # ResNeXt50_32X4D_Weights.IMAGENET1K_V1
    "resnext101_32x8d": (88_791_336, 16.414),   # ResNeXt101_32X8D_Weights.IMAGENET1K_V1
    "resnext101_64x4d": (83_455_272, 15.46),    # ResNeXt101_64X4D_Weights.IMAGENET1K_V1
    "wide_resnet50_2": (68_883_240, 11.398),    # Wide_ResNet50_2_Weights.IMAGENET1K_V1
    "wide_resnet101_2": (126_886_696, 22.753),  # Wide_ResNet101_2_Weights.IMAGENET1K_V1
    "regnet_x_400mf": (5_495_976, 0.414),       # RegNet_X_400MF_Weights.IMAGENET1K_V1
    "regnet_x_800mf": (7_259_656, 0.8),         # RegNet_X_800MF_Weights.IMAGENET1K_V1
    "regnet_x_1_6gf": (9_190_136, 1.603),       # RegNet_X_1_6GF_Weights.IMAGENET1K_V1
    "regnet_x_3_2gf": (15_296_552, 3.177),      # RegNet_X_3_2GF_Weights.IMAGENET1K_V1
    "regnet_x_8gf": (39_572_648, 7.995),        # RegNet_X_8GF_Weights.IMAGENET1K_V1
    "regnet_x_16gf": (54_278_536, 15.941),      # RegNet_X_16GF_Weights.IMAGENET1K_V1
    "regnet_x_32gf": (107_811_560, 31.736),     # RegNet_X_32GF_Weights.IMAGENET1K_V1
    "regnet_y_400mf": (4_344_144, 0.402),       # RegNet_Y_400MF_Weights.IMAGENET1K_V1
    "regnet_y_800mf": (6_432_512, 0.834),       # RegNet_Y_800MF_Weights.IMAGENET1K_V1
    "regnet_y_1_6gf": (11_202_430, 1.612),      # RegNet_Y_1_6GF_Weights.IMAGENET1K_V1
    "regnet_y_3_2gf": (19_436_338, 3.176),      # RegNet_Y_3_2GF_Weights.IMAGENET1K_V1
    "regnet_y_8gf": (39_381_472, 8.473),        # RegNet_Y_8GF_Weights.IMAGENET1K_V1
    "regnet_y_16gf": (83_590_140, 15.912),      # RegNet_Y_16GF_Weights.IMAGENET1K_V1
    "regnet_y_32gf": (145_046_770, 32.28),      # RegNet_Y_32GF_Weights.IMAGENET1K_V1
    "vgg11": (132_863_336, 7.609),              # VGG11_Weights.IMAGENET1K_V1
    "vgg11_bn": (132_868_840, 7.609),           # VGG11_BN_Weights.IMAGENET1K_V1
    "vgg13": (133_047_848, 11.308),             # VGG13_Weights.IMAGENET1K_V1
    "vgg13_bn": (133_053_736, 11.308),          # VGG13_BN_Weights.IMAGENET1K_V1
    "vgg16": (138_357_544, 15.47),              # VGG16_Weights.IMAGENET1K_V1
    "vgg16_bn": (138_365_992, 15.47),           # VGG16_BN_Weights.IMAGENET1K_V1
    "vgg19": (143_667_240, 19.632),             # VGG19_Weights.IMAGENET1K_V1
    "vgg19_bn": (143_678_248, 19.632),          # VGG19_BN_Weights.IMAGENET1K_V1
    "alexnet": (61_100_840, 0.714),             # AlexNet_Weights.IMAGENET1K_V1
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_params_exact_and_macs_at_published_precision(name):
    a = archcalc.analyze(f"zoo:{name}")
    params, gflops = PUBLISHED[name]
    assert a.totals.params == params
    assert round(a.totals.macs / 1e9, 3) == gflops
    assert a.network.output_shape.numel == 1000


def test_every_family_entry_is_listed():
    assert set(PUBLISHED) <= set(zoo_names())


@pytest.mark.parametrize("name, side", [("vgg16_bn", 7), ("alexnet", 6)])
def test_vgg_and_alexnet_reach_their_final_map_before_the_adaptive_pool(name, side):
    # torchvision's AdaptiveAvgPool2d((7, 7)) / ((6, 6)) sees a 7×7 / 6×6 map at 224: identity
    pool = [r for r in archcalc.analyze(f"zoo:{name}").records if r.name == "avgpool.pool"][0]
    assert (pool.in_shape.h, pool.out_shape.h, pool.category) == (side, side, "adaptive avg pool")


def test_resnext_bottleneck_groups_the_3x3():
    # torchvision ResNeXt-50 32×4d layer1.0 on 56×56×64: width = 64·4/64·32 = 128; conv1
    # 64·128, conv2 3×3 in 32 groups 128·4·9, conv3 128·256, downsample 64·256, BN 2·C each
    a = archcalc.analyze("bottleneck(out=256,cardinality=32,width_per_group=4)", input=(56, 56, 64))
    convs = 8_192 + 4_608 + 32_768 + 16_384
    assert a.totals.params == convs + 2 * (128 + 128 + 256 + 256) == 63_488
    assert a.totals.macs == convs * 56 * 56
    conv2 = [r for r in a.records if r.name == "bottleneck0.conv2.conv"][0]
    assert conv2.params == 4_608


def test_wide_bottleneck_doubles_the_inner_width():
    # Wide ResNet-50-2 layer1.0: width_per_group 128 -> 128 inner channels instead of 64
    wide = archcalc.analyze("bottleneck(out=256,width_per_group=128)", input=(56, 56, 64))
    assert [r.out_shape.c for r in wide.records if r.name.endswith("conv1.conv")] == [128]


def test_regnet_rule_gives_the_papers_stages():
    # RegNetY-400MF (d 16, w0 48, wa 27.89, wm 2.09, g 8): widths 48/104/208/440, depths
    # 1/3/6/6 (the paper's Figure 15 table); RegNetX-8GF's first stage is narrower than its
    # group width 120, so the group width becomes the stage width, 80
    assert regnet_stages(16, 48, 27.89, 2.09, 8) == [(48, 1, 8), (104, 3, 8), (208, 6, 8),
                                                     (440, 6, 8)]
    assert regnet_stages(23, 80, 49.56, 2.88, 120) == [(80, 2, 80), (240, 5, 120),
                                                       (720, 15, 120), (1920, 1, 120)]


def test_regnet_stages_expand_into_named_stages_of_regnet_blocks():
    a = archcalc.analyze("zoo:regnet_x_400mf")
    blocks = [b for b in a.network.blocks if b.kind == "regnet"]
    assert [b.name for b in blocks][:4] == ["stage1_", "stage2_0", "stage2_1", "stage3_0"]
    assert len(blocks) == 22  # depth d = 22 blocks over the four stages (1, 2, 7, 12)
    # the stage repeats follow the depth multiplier like any stage written with n:
    deeper = archcalc.analyze("zoo:regnet_x_400mf", depth=2.0).network.blocks
    assert len([b for b in deeper if b.kind == "regnet"]) == 44
