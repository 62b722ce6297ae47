"""EfficientNet family, scaled down.

* `efficientnetv2_tiny`: EfficientNetV2 written timm-style (efficientnet_blocks.py: explicit
  conv/bn/act attributes, `EdgeResidual` = Fused-MBConv, `InvertedResidual` = MBConv), SE gate
  computed from `F.adaptive_avg_pool2d(x, 1)` and applied as `x * self.se(x)`, SiLU, DropPath
  on the residual (`self.drop_path(x) + shortcut`).
* `efficientnet_b0_tiny`: EfficientNet-B0 written torchvision-style (models/efficientnet.py:
  `Conv2dNormActivation` sequentials, `SqueezeExcitation` with an `nn.AdaptiveAvgPool2d` and
  `scale * input`, `StochasticDepth(p, "row")` whose function is `torch.fx.wrap`-ped as in
  torchvision.ops, `result += input`, `torch.flatten(x, 1)`).
"""

import copy
import math
from functools import partial

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from .layers import Conv2dNormActivation, DropPath, make_divisible


# ---------------------------------------------------------------- EfficientNetV2 (timm style)

class SqueezeExcite(nn.Module):
    def __init__(self, in_chs, rd_chs, act_layer=nn.SiLU):
        super().__init__()
        self.conv_reduce = nn.Conv2d(in_chs, rd_chs, 1, bias=True)
        self.act1 = act_layer(inplace=True)
        self.conv_expand = nn.Conv2d(rd_chs, in_chs, 1, bias=True)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        x_se = F.adaptive_avg_pool2d(x, 1)
        x_se = self.conv_reduce(x_se)
        x_se = self.act1(x_se)
        x_se = self.conv_expand(x_se)
        return self.gate(x_se)


class FusedMBConv(nn.Module):
    """Fused-MBConv (timm EdgeResidual): 3×3 expansion conv + 1×1 projection, or a single 3×3 conv
    when expand_ratio == 1."""

    def __init__(self, in_chs, out_chs, stride=1, expand_ratio=4., drop_path_rate=0.):
        super().__init__()
        self.has_skip = stride == 1 and in_chs == out_chs
        if expand_ratio == 1:
            mid_chs = out_chs
        else:
            mid_chs = make_divisible(in_chs * expand_ratio)
        self.conv_exp = nn.Conv2d(in_chs, mid_chs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_chs, eps=1e-3)
        self.act1 = nn.SiLU(inplace=True)
        if expand_ratio == 1:
            self.conv_pwl = None
        else:
            self.conv_pwl = nn.Conv2d(mid_chs, out_chs, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(out_chs, eps=1e-3)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate else nn.Identity()

    def forward(self, x):
        shortcut = x
        x = self.conv_exp(x)
        x = self.bn1(x)
        x = self.act1(x)
        if self.conv_pwl is not None:
            x = self.conv_pwl(x)
            x = self.bn2(x)
        if self.has_skip:
            x = self.drop_path(x) + shortcut
        return x


class MBConv(nn.Module):
    """MBConv (timm InvertedResidual) with SE: 1×1 expand, depthwise k×k, SE, 1×1 project."""

    def __init__(self, in_chs, out_chs, dw_kernel_size=3, stride=1, expand_ratio=4.,
                 se_ratio=0.25, drop_path_rate=0.):
        super().__init__()
        mid_chs = make_divisible(in_chs * expand_ratio)
        self.has_skip = stride == 1 and in_chs == out_chs
        self.conv_pw = nn.Conv2d(in_chs, mid_chs, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_chs, eps=1e-3)
        self.act1 = nn.SiLU(inplace=True)
        self.conv_dw = nn.Conv2d(mid_chs, mid_chs, dw_kernel_size, stride,
                                 dw_kernel_size // 2, groups=mid_chs, bias=False)
        self.bn2 = nn.BatchNorm2d(mid_chs, eps=1e-3)
        self.act2 = nn.SiLU(inplace=True)
        # EfficientNetV2 sizes the SE bottleneck from the block's *input* channels
        self.se = SqueezeExcite(mid_chs, max(1, int(in_chs * se_ratio)))
        self.conv_pwl = nn.Conv2d(mid_chs, out_chs, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_chs, eps=1e-3)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate else nn.Identity()

    def forward(self, x):
        shortcut = x
        x = self.conv_pw(x)
        x = self.bn1(x)
        x = self.act1(x)
        x = self.conv_dw(x)
        x = self.bn2(x)
        x = self.act2(x)
        x = x * self.se(x)
        x = self.conv_pwl(x)
        x = self.bn3(x)
        if self.has_skip:
            x = self.drop_path(x) + shortcut
        return x


class EfficientNetV2(nn.Module):
    def __init__(self, cfgs, num_classes=1000, stem_chs=24, num_features=1280,
                 drop_rate=0.2, drop_path_rate=0.2):
        super().__init__()
        self.drop_rate = drop_rate
        self.conv_stem = nn.Conv2d(3, stem_chs, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_chs, eps=1e-3)
        self.act1 = nn.SiLU(inplace=True)

        total = sum(c[1] for c in cfgs)
        blocks = []
        in_chs = stem_chs
        idx = 0
        for block_type, repeats, k, stride, expand, out_chs, se in cfgs:
            stage = []
            for i in range(repeats):
                dpr = drop_path_rate * idx / total
                s = stride if i == 0 else 1
                if block_type == 'fused':
                    stage.append(FusedMBConv(in_chs, out_chs, s, expand, drop_path_rate=dpr))
                else:
                    stage.append(MBConv(in_chs, out_chs, k, s, expand, se, drop_path_rate=dpr))
                in_chs = out_chs
                idx += 1
            blocks.append(nn.Sequential(*stage))
        self.blocks = nn.Sequential(*blocks)

        self.conv_head = nn.Conv2d(in_chs, num_features, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(num_features, eps=1e-3)
        self.act2 = nn.SiLU(inplace=True)
        self.classifier = nn.Linear(num_features, num_classes)

    def forward_features(self, x):
        x = self.conv_stem(x)
        x = self.bn1(x)
        x = self.act1(x)
        x = self.blocks(x)
        x = self.conv_head(x)
        x = self.bn2(x)
        x = self.act2(x)
        return x

    def forward(self, x):
        x = self.forward_features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        if self.drop_rate > 0.:
            x = F.dropout(x, p=self.drop_rate, training=self.training)
        return self.classifier(x)


def efficientnetv2_tiny():
    """EfficientNetV2-S stage pattern (fused e1, fused e4, MBConv e4 SE, MBConv e6 SE),
    one or two blocks per stage, stem 16, head 128."""
    cfgs = [
        # type, repeats, kernel, stride, expand, out, se
        ('fused', 1, 3, 1, 1, 16, 0),
        ('fused', 2, 3, 2, 4, 24, 0),
        ('mbconv', 2, 3, 2, 4, 32, 0.25),
        ('mbconv', 1, 3, 2, 6, 48, 0.25),
    ]
    return EfficientNetV2(cfgs, num_classes=10, stem_chs=16, num_features=128)


# ------------------------------------------------------------ EfficientNet-B0 (torchvision style)

def stochastic_depth(input, p: float, mode: str, training: bool = True):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input

    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


torch.fx.wrap("stochastic_depth")


class StochasticDepth(nn.Module):
    def __init__(self, p: float, mode: str):
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        return stochastic_depth(input, self.p, self.mode, self.training)


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU,
                 scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input):
        scale = self.avgpool(input)
        scale = self.fc1(scale)
        scale = self.activation(scale)
        scale = self.fc2(scale)
        return self.scale_activation(scale)

    def forward(self, input):
        scale = self._scale(input)
        return scale * input


class MBConvConfig:
    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                 width_mult=1.0, depth_mult=1.0):
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.num_layers = self.adjust_depth(num_layers, depth_mult)

    @staticmethod
    def adjust_channels(channels, width_mult, min_value=None):
        return make_divisible(channels * width_mult, 8, min_value)

    @staticmethod
    def adjust_depth(num_layers, depth_mult):
        return int(math.ceil(num_layers * depth_mult))


class TvMBConv(nn.Module):
    def __init__(self, cnf, stochastic_depth_prob, norm_layer, se_layer=SqueezeExcitation):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels

        layers = []
        activation_layer = nn.SiLU

        # expand
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels,
                                               kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=activation_layer))
        # depthwise
        layers.append(Conv2dNormActivation(expanded_channels, expanded_channels,
                                           kernel_size=cnf.kernel, stride=cnf.stride,
                                           groups=expanded_channels, norm_layer=norm_layer,
                                           activation_layer=activation_layer))
        # squeeze and excitation
        squeeze_channels = max(1, cnf.input_channels // 4)
        layers.append(se_layer(expanded_channels, squeeze_channels,
                               activation=partial(nn.SiLU, inplace=True)))
        # project
        layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))

        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result


class EfficientNet(nn.Module):
    def __init__(self, inverted_residual_setting, dropout, stochastic_depth_prob=0.2,
                 num_classes=1000, last_channel=None):
        super().__init__()
        norm_layer = nn.BatchNorm2d
        layers = []

        # building first layer
        firstconv_output_channels = inverted_residual_setting[0].input_channels
        layers.append(Conv2dNormActivation(3, firstconv_output_channels, kernel_size=3,
                                           stride=2, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))

        # building inverted residual blocks
        total_stage_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        stage_block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                # copy to avoid modifications. shallow copy is enough
                block_cnf = copy.copy(cnf)
                # overwrite info if not the first conv in the stage
                if stage:
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                # adjust stochastic depth probability based on the depth of the stage block
                sd_prob = stochastic_depth_prob * float(stage_block_id) / total_stage_blocks
                stage.append(TvMBConv(block_cnf, sd_prob, norm_layer))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))

        # building last several layers
        lastconv_input_channels = inverted_residual_setting[-1].out_channels
        lastconv_output_channels = last_channel if last_channel is not None \
            else 4 * lastconv_input_channels
        layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels,
                                           kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))

        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(lastconv_output_channels, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


def efficientnet_b0_tiny():
    """EfficientNet-B0 stage pattern (e1 k3, e6 k3, e6 k5, e6 k3) at width 0.5, one or two
    blocks per stage, head 128."""
    bneck_conf = partial(MBConvConfig, width_mult=0.5, depth_mult=1.0)
    setting = [
        bneck_conf(1, 3, 1, 32, 16, 1),
        bneck_conf(6, 3, 2, 16, 24, 2),
        bneck_conf(6, 5, 2, 24, 40, 2),
        bneck_conf(6, 3, 2, 40, 80, 1),
    ]
    return EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=128)
