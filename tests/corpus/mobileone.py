"""MobileOne (apple/ml-mobileone, mobileone.py idioms), scaled down, training-time form.

Each block sums `num_conv_branches` conv-BN branches, a 1×1 "scale" conv-BN branch and a BN
"skip" branch, starting from Python scalars: `identity_out = 0`, `scale_out = 0`,
`out = scale_out + identity_out`, then `out += self.rbr_conv[ix](x)` in a loop (for a 1×1 block
with in != out, `out` is still the int 0 when the first tensor is added).  SE pools with
`F.avg_pool2d(inputs, kernel_size=[h, w])` from `b, c, h, w = inputs.size()`.
"""

import torch
import torch.nn.functional as F
from torch import nn


class SEBlock(nn.Module):
    """ Squeeze and Excite module. """

    def __init__(self, in_channels, rd_ratio=0.0625):
        super(SEBlock, self).__init__()
        self.reduce = nn.Conv2d(in_channels=in_channels,
                                out_channels=int(in_channels * rd_ratio),
                                kernel_size=1, stride=1, bias=True)
        self.expand = nn.Conv2d(in_channels=int(in_channels * rd_ratio),
                                out_channels=in_channels,
                                kernel_size=1, stride=1, bias=True)

    def forward(self, inputs):
        b, c, h, w = inputs.size()
        x = F.avg_pool2d(inputs, kernel_size=[h, w])
        x = self.reduce(x)
        x = F.relu(x)
        x = self.expand(x)
        x = torch.sigmoid(x)
        x = x.view(-1, c, 1, 1)
        return inputs * x


class MobileOneBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, inference_mode=False, use_se=False, num_conv_branches=1):
        super(MobileOneBlock, self).__init__()
        self.inference_mode = inference_mode
        self.groups = groups
        self.stride = stride
        self.kernel_size = kernel_size
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_conv_branches = num_conv_branches

        # Check if SE-ReLU is requested
        if use_se:
            self.se = SEBlock(out_channels)
        else:
            self.se = nn.Identity()
        self.activation = nn.ReLU()

        if inference_mode:
            self.reparam_conv = nn.Conv2d(in_channels=in_channels, out_channels=out_channels,
                                          kernel_size=kernel_size, stride=stride, padding=padding,
                                          dilation=dilation, groups=groups, bias=True)
        else:
            # Re-parameterizable skip connection
            self.rbr_skip = nn.BatchNorm2d(num_features=in_channels) \
                if out_channels == in_channels and stride == 1 else None

            # Re-parameterizable conv branches
            rbr_conv = list()
            for _ in range(self.num_conv_branches):
                rbr_conv.append(self._conv_bn(kernel_size=kernel_size, padding=padding))
            self.rbr_conv = nn.ModuleList(rbr_conv)

            # Re-parameterizable scale branch
            self.rbr_scale = None
            if kernel_size > 1:
                self.rbr_scale = self._conv_bn(kernel_size=1, padding=0)

    def forward(self, x):
        # Inference mode forward pass.
        if self.inference_mode:
            return self.activation(self.se(self.reparam_conv(x)))

        # Multi-branched train-time forward pass.
        # Skip branch output
        identity_out = 0
        if self.rbr_skip is not None:
            identity_out = self.rbr_skip(x)

        # Scale branch output
        scale_out = 0
        if self.rbr_scale is not None:
            scale_out = self.rbr_scale(x)

        # Other branches
        out = scale_out + identity_out
        for ix in range(self.num_conv_branches):
            out += self.rbr_conv[ix](x)

        return self.activation(self.se(out))

    def _conv_bn(self, kernel_size, padding):
        mod_list = nn.Sequential()
        mod_list.add_module('conv', nn.Conv2d(in_channels=self.in_channels,
                                              out_channels=self.out_channels,
                                              kernel_size=kernel_size, stride=self.stride,
                                              padding=padding, groups=self.groups, bias=False))
        mod_list.add_module('bn', nn.BatchNorm2d(num_features=self.out_channels))
        return mod_list


class MobileOne(nn.Module):
    def __init__(self, num_blocks_per_stage=(2, 8, 10, 1), num_classes=1000,
                 width_multipliers=None, inference_mode=False, use_se=False,
                 num_conv_branches=1, base=64):
        super().__init__()

        assert len(width_multipliers) == 4
        self.inference_mode = inference_mode
        self.in_planes = min(base, int(base * width_multipliers[0]))
        self.use_se = use_se
        self.num_conv_branches = num_conv_branches

        # Build stages
        self.stage0 = MobileOneBlock(in_channels=3, out_channels=self.in_planes,
                                     kernel_size=3, stride=2, padding=1,
                                     inference_mode=self.inference_mode)
        self.cur_layer_idx = 1
        self.stage1 = self._make_stage(int(base * width_multipliers[0]), num_blocks_per_stage[0],
                                       num_se_blocks=0)
        self.stage2 = self._make_stage(int(2 * base * width_multipliers[1]),
                                       num_blocks_per_stage[1], num_se_blocks=0)
        self.stage3 = self._make_stage(int(4 * base * width_multipliers[2]),
                                       num_blocks_per_stage[2],
                                       num_se_blocks=int(num_blocks_per_stage[2] // 2)
                                       if use_se else 0)
        self.stage4 = self._make_stage(int(8 * base * width_multipliers[3]),
                                       num_blocks_per_stage[3],
                                       num_se_blocks=num_blocks_per_stage[3] if use_se else 0)
        self.gap = nn.AdaptiveAvgPool2d(output_size=1)
        self.linear = nn.Linear(int(8 * base * width_multipliers[3]), num_classes)

    def _make_stage(self, planes, num_blocks, num_se_blocks):
        # Get strides for all layers
        strides = [2] + [1] * (num_blocks - 1)
        blocks = []
        for ix, stride in enumerate(strides):
            use_se = False
            if num_se_blocks > num_blocks:
                raise ValueError("Number of SE blocks cannot exceed number of layers.")
            if ix >= (num_blocks - num_se_blocks):
                use_se = True

            # Depthwise conv
            blocks.append(MobileOneBlock(in_channels=self.in_planes, out_channels=self.in_planes,
                                         kernel_size=3, stride=stride, padding=1,
                                         groups=self.in_planes,
                                         inference_mode=self.inference_mode, use_se=use_se,
                                         num_conv_branches=self.num_conv_branches))
            # Pointwise conv
            blocks.append(MobileOneBlock(in_channels=self.in_planes, out_channels=planes,
                                         kernel_size=1, stride=1, padding=0, groups=1,
                                         inference_mode=self.inference_mode, use_se=use_se,
                                         num_conv_branches=self.num_conv_branches))
            self.in_planes = planes
            self.cur_layer_idx += 1
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.stage0(x)
        x = self.stage1(x)
        x = self.stage2(x)
        x = self.stage3(x)
        x = self.stage4(x)
        x = self.gap(x)
        x = x.view(x.size(0), -1)
        x = self.linear(x)
        return x


def mobileone_s0_tiny():
    """MobileOne-S0 layout (k=4 over-parameterised branches) at depth [1, 2, 2, 1], base 16."""
    return MobileOne(num_blocks_per_stage=(1, 2, 2, 1), num_classes=10,
                     width_multipliers=(0.75, 1.0, 1.0, 2.0), num_conv_branches=4, base=16)


def mobileone_s4_se_tiny():
    """MobileOne-S4 layout (k=1, SE in the last stages) at depth [1, 1, 2, 1], base 16."""
    return MobileOne(num_blocks_per_stage=(1, 1, 2, 1), num_classes=10,
                     width_multipliers=(3.0, 3.5, 3.5, 4.0), use_se=True, base=16)
