"""Inception family (torchvision models/inception.py and models/googlenet.py idioms), at 1/8 width.

* `inception_v3_tiny`: BasicConv2d (conv bias=False, BN eps=0.001, `F.relu(x, inplace=True)`),
  InceptionA/B/C/D/E with `torch.cat(outputs, 1)`; InceptionC has the factorised 1×7 / 7×1
  kernels (`padding=(0, 3)` / `(3, 0)`) and the `F.avg_pool2d(x, kernel_size=3, stride=1,
  padding=1)` branch; InceptionE concatenates lists (`torch.cat(branch3x3, 1)`); `InceptionAux`
  runs only `if self.training` — its parameters are unused at eval; `_transform_input` with
  `torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5`.  Input 75×75, the
  smallest torchvision accepts.
* `googlenet_tiny`: GoogLeNet with `nn.MaxPool2d(3, stride=2, ceil_mode=True)`, the four-branch
  Inception module (branch3's 3×3 "known bug"), two training-only aux heads
  (`F.adaptive_avg_pool2d(x, (4, 4))`, `F.relu(self.fc1(x), inplace=True)`).
"""

from collections import namedtuple

import torch
import torch.nn.functional as F
from torch import nn

InceptionOutputs = namedtuple("InceptionOutputs", ["logits", "aux_logits"])
GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        return F.relu(x, inplace=True)


# ---------------------------------------------------------------------------- Inception v3

class InceptionA(nn.Module):
    def __init__(self, in_channels, pool_features, conv_block=None, d=1):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1x1 = conv_block(in_channels, 64 // d, kernel_size=1)

        self.branch5x5_1 = conv_block(in_channels, 48 // d, kernel_size=1)
        self.branch5x5_2 = conv_block(48 // d, 64 // d, kernel_size=5, padding=2)

        self.branch3x3dbl_1 = conv_block(in_channels, 64 // d, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64 // d, 96 // d, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96 // d, 96 // d, kernel_size=3, padding=1)

        self.branch_pool = conv_block(in_channels, pool_features, kernel_size=1)

    def _forward(self, x):
        branch1x1 = self.branch1x1(x)

        branch5x5 = self.branch5x5_1(x)
        branch5x5 = self.branch5x5_2(branch5x5)

        branch3x3dbl = self.branch3x3dbl_1(x)
        branch3x3dbl = self.branch3x3dbl_2(branch3x3dbl)
        branch3x3dbl = self.branch3x3dbl_3(branch3x3dbl)

        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)

        outputs = [branch1x1, branch5x5, branch3x3dbl, branch_pool]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class InceptionB(nn.Module):
    def __init__(self, in_channels, conv_block=None, d=1):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch3x3 = conv_block(in_channels, 384 // d, kernel_size=3, stride=2)

        self.branch3x3dbl_1 = conv_block(in_channels, 64 // d, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64 // d, 96 // d, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96 // d, 96 // d, kernel_size=3, stride=2)

    def _forward(self, x):
        branch3x3 = self.branch3x3(x)

        branch3x3dbl = self.branch3x3dbl_1(x)
        branch3x3dbl = self.branch3x3dbl_2(branch3x3dbl)
        branch3x3dbl = self.branch3x3dbl_3(branch3x3dbl)

        branch_pool = F.max_pool2d(x, kernel_size=3, stride=2)

        outputs = [branch3x3, branch3x3dbl, branch_pool]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class InceptionC(nn.Module):
    def __init__(self, in_channels, channels_7x7, conv_block=None, d=1):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1x1 = conv_block(in_channels, 192 // d, kernel_size=1)

        c7 = channels_7x7
        self.branch7x7_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = conv_block(c7, 192 // d, kernel_size=(7, 1), padding=(3, 0))

        self.branch7x7dbl_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = conv_block(c7, 192 // d, kernel_size=(1, 7), padding=(0, 3))

        self.branch_pool = conv_block(in_channels, 192 // d, kernel_size=1)

    def _forward(self, x):
        branch1x1 = self.branch1x1(x)

        branch7x7 = self.branch7x7_1(x)
        branch7x7 = self.branch7x7_2(branch7x7)
        branch7x7 = self.branch7x7_3(branch7x7)

        branch7x7dbl = self.branch7x7dbl_1(x)
        branch7x7dbl = self.branch7x7dbl_2(branch7x7dbl)
        branch7x7dbl = self.branch7x7dbl_3(branch7x7dbl)
        branch7x7dbl = self.branch7x7dbl_4(branch7x7dbl)
        branch7x7dbl = self.branch7x7dbl_5(branch7x7dbl)

        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)

        outputs = [branch1x1, branch7x7, branch7x7dbl, branch_pool]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class InceptionD(nn.Module):
    def __init__(self, in_channels, conv_block=None, d=1):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch3x3_1 = conv_block(in_channels, 192 // d, kernel_size=1)
        self.branch3x3_2 = conv_block(192 // d, 320 // d, kernel_size=3, stride=2)

        self.branch7x7x3_1 = conv_block(in_channels, 192 // d, kernel_size=1)
        self.branch7x7x3_2 = conv_block(192 // d, 192 // d, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = conv_block(192 // d, 192 // d, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = conv_block(192 // d, 192 // d, kernel_size=3, stride=2)

    def _forward(self, x):
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = self.branch3x3_2(branch3x3)

        branch7x7x3 = self.branch7x7x3_1(x)
        branch7x7x3 = self.branch7x7x3_2(branch7x7x3)
        branch7x7x3 = self.branch7x7x3_3(branch7x7x3)
        branch7x7x3 = self.branch7x7x3_4(branch7x7x3)

        branch_pool = F.max_pool2d(x, kernel_size=3, stride=2)
        outputs = [branch3x3, branch7x7x3, branch_pool]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class InceptionE(nn.Module):
    def __init__(self, in_channels, conv_block=None, d=1):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1x1 = conv_block(in_channels, 320 // d, kernel_size=1)

        self.branch3x3_1 = conv_block(in_channels, 384 // d, kernel_size=1)
        self.branch3x3_2a = conv_block(384 // d, 384 // d, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = conv_block(384 // d, 384 // d, kernel_size=(3, 1), padding=(1, 0))

        self.branch3x3dbl_1 = conv_block(in_channels, 448 // d, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(448 // d, 384 // d, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = conv_block(384 // d, 384 // d, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = conv_block(384 // d, 384 // d, kernel_size=(3, 1), padding=(1, 0))

        self.branch_pool = conv_block(in_channels, 192 // d, kernel_size=1)

    def _forward(self, x):
        branch1x1 = self.branch1x1(x)

        branch3x3 = self.branch3x3_1(x)
        branch3x3 = [
            self.branch3x3_2a(branch3x3),
            self.branch3x3_2b(branch3x3),
        ]
        branch3x3 = torch.cat(branch3x3, 1)

        branch3x3dbl = self.branch3x3dbl_1(x)
        branch3x3dbl = self.branch3x3dbl_2(branch3x3dbl)
        branch3x3dbl = [
            self.branch3x3dbl_3a(branch3x3dbl),
            self.branch3x3dbl_3b(branch3x3dbl),
        ]
        branch3x3dbl = torch.cat(branch3x3dbl, 1)

        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)

        outputs = [branch1x1, branch3x3, branch3x3dbl, branch_pool]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class InceptionAux(nn.Module):
    def __init__(self, in_channels, num_classes, conv_block=None, d=1):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.conv0 = conv_block(in_channels, 128 // d, kernel_size=1)
        self.conv1 = conv_block(128 // d, 768 // d, kernel_size=5)
        self.conv1.stddev = 0.01  # type: ignore[assignment]
        self.fc = nn.Linear(768 // d, num_classes)
        self.fc.stddev = 0.001  # type: ignore[assignment]

    def forward(self, x):
        # N x 768 x 17 x 17 in the full-size net, where avg_pool2d(kernel_size=5, stride=3) makes
        # the 5×5 map conv1 needs; the tiny net reaches this point at 3×3, so pool adaptively.
        x = F.adaptive_avg_pool2d(x, (5, 5))
        # N x 768 x 5 x 5
        x = self.conv0(x)
        # N x 128 x 5 x 5
        x = self.conv1(x)
        # N x 768 x 1 x 1
        # Adaptive average pooling
        x = F.adaptive_avg_pool2d(x, (1, 1))
        # N x 768 x 1 x 1
        x = torch.flatten(x, 1)
        # N x 768
        x = self.fc(x)
        # N x 1000
        return x


class Inception3(nn.Module):
    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, dropout=0.5,
                 d=1):
        super().__init__()
        conv_block = BasicConv2d
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.Conv2d_1a_3x3 = conv_block(3, 32 // d, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = conv_block(32 // d, 32 // d, kernel_size=3)
        self.Conv2d_2b_3x3 = conv_block(32 // d, 64 // d, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = conv_block(64 // d, 80 // d, kernel_size=1)
        self.Conv2d_4a_3x3 = conv_block(80 // d, 192 // d, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        # one InceptionA configured like Mixed_5c/5d (pool_features=64), so Mixed_6a sees 288
        self.Mixed_5b = InceptionA(192 // d, pool_features=64 // d, d=d)
        self.Mixed_6a = InceptionB(288 // d, d=d)
        self.Mixed_6b = InceptionC(768 // d, channels_7x7=128 // d, d=d)
        self.AuxLogits = None
        if aux_logits:
            self.AuxLogits = InceptionAux(768 // d, num_classes, d=d)
        self.Mixed_7a = InceptionD(768 // d, d=d)
        self.Mixed_7b = InceptionE(1280 // d, d=d)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048 // d, num_classes)

    def _transform_input(self, x):
        if self.transform_input:
            x_ch0 = torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
            x_ch1 = torch.unsqueeze(x[:, 1], 1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
            x_ch2 = torch.unsqueeze(x[:, 2], 1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
            x = torch.cat((x_ch0, x_ch1, x_ch2), 1)
        return x

    def _forward(self, x):
        # N x 3 x 299 x 299
        x = self.Conv2d_1a_3x3(x)
        x = self.Conv2d_2a_3x3(x)
        x = self.Conv2d_2b_3x3(x)
        x = self.maxpool1(x)
        x = self.Conv2d_3b_1x1(x)
        x = self.Conv2d_4a_3x3(x)
        x = self.maxpool2(x)
        x = self.Mixed_5b(x)
        x = self.Mixed_6a(x)
        x = self.Mixed_6b(x)
        aux = None
        if self.AuxLogits is not None:
            if self.training:
                aux = self.AuxLogits(x)
        x = self.Mixed_7a(x)
        x = self.Mixed_7b(x)
        # Adaptive average pooling
        x = self.avgpool(x)
        x = self.dropout(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x, aux

    def eager_outputs(self, x, aux):
        if self.training and self.aux_logits:
            return InceptionOutputs(x, aux)
        else:
            return x  # type: ignore[return-value]

    def forward(self, x):
        x = self._transform_input(x)
        x, aux = self._forward(x)
        return self.eager_outputs(x, aux)


def inception_v3_tiny():
    """Inception v3 at 1/8 width with one block of each type (5b, 6a, 6b, 7a, 7b), aux head
    after 6b, transform_input=True."""
    return Inception3(num_classes=10, aux_logits=True, transform_input=True, d=8)


# ------------------------------------------------------------------------------- GoogLeNet

class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                 conv_block=None):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)

        self.branch2 = nn.Sequential(
            conv_block(in_channels, ch3x3red, kernel_size=1),
            conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1)
        )

        self.branch3 = nn.Sequential(
            conv_block(in_channels, ch5x5red, kernel_size=1),
            # Here, kernel_size=3 instead of kernel_size=5 is a known bug.
            # Please see https://github.com/pytorch/vision/issues/906 for details.
            conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1),
        )

        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            conv_block(in_channels, pool_proj, kernel_size=1),
        )

    def _forward(self, x):
        branch1 = self.branch1(x)
        branch2 = self.branch2(x)
        branch3 = self.branch3(x)
        branch4 = self.branch4(x)

        outputs = [branch1, branch2, branch3, branch4]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class GoogLeNetAux(nn.Module):
    def __init__(self, in_channels, num_classes, conv_block=None, dropout=0.7, d=1):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.conv = conv_block(in_channels, 128 // d, kernel_size=1)

        self.fc1 = nn.Linear(2048 // d, 1024 // d)
        self.fc2 = nn.Linear(1024 // d, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        # aux1: N x 512 x 14 x 14, aux2: N x 528 x 14 x 14
        x = F.adaptive_avg_pool2d(x, (4, 4))
        # aux1: N x 512 x 4 x 4, aux2: N x 528 x 4 x 4
        x = self.conv(x)
        # N x 128 x 4 x 4
        x = torch.flatten(x, 1)
        # N x 2048
        x = F.relu(self.fc1(x), inplace=True)
        # N x 1024
        x = self.dropout(x)
        # N x 1024
        x = self.fc2(x)
        # N x 1000 (num_classes)

        return x


class GoogLeNet(nn.Module):
    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, dropout=0.2,
                 dropout_aux=0.7, d=1):
        super().__init__()
        conv_block = BasicConv2d
        inception_block = Inception

        self.aux_logits = aux_logits
        self.transform_input = transform_input

        self.conv1 = conv_block(3, 64 // d, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64 // d, 64 // d, kernel_size=1)
        self.conv3 = conv_block(64 // d, 192 // d, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        def inc(*chs):
            return inception_block(*[c // d for c in chs])

        self.inception3a = inc(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = inc(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception4a = inc(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = inc(512, 160, 112, 224, 24, 64, 64)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)

        self.inception5a = inc(512, 256, 160, 320, 32, 128, 128)

        if aux_logits:
            self.aux1 = GoogLeNetAux(512 // d, num_classes, dropout=dropout_aux, d=d)
            self.aux2 = GoogLeNetAux(512 // d, num_classes, dropout=dropout_aux, d=d)
        else:
            self.aux1 = None  # type: ignore[assignment]
            self.aux2 = None  # type: ignore[assignment]

        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(832 // d, num_classes)

    def _transform_input(self, x):
        if self.transform_input:
            x_ch0 = torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
            x_ch1 = torch.unsqueeze(x[:, 1], 1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
            x_ch2 = torch.unsqueeze(x[:, 2], 1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
            x = torch.cat((x_ch0, x_ch1, x_ch2), 1)
        return x

    def _forward(self, x):
        # N x 3 x 224 x 224
        x = self.conv1(x)
        x = self.maxpool1(x)
        x = self.conv2(x)
        x = self.conv3(x)
        x = self.maxpool2(x)

        x = self.inception3a(x)
        x = self.inception3b(x)
        x = self.maxpool3(x)
        x = self.inception4a(x)
        aux1 = None
        if self.aux1 is not None:
            if self.training:
                aux1 = self.aux1(x)

        x = self.inception4b(x)
        aux2 = None
        if self.aux2 is not None:
            if self.training:
                aux2 = self.aux2(x)

        x = self.maxpool4(x)
        x = self.inception5a(x)

        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        x = self.fc(x)
        return x, aux2, aux1

    def eager_outputs(self, x, aux2, aux1):
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        else:
            return x  # type: ignore[return-value]

    def forward(self, x):
        x = self._transform_input(x)
        x, aux1, aux2 = self._forward(x)
        return self.eager_outputs(x, aux2, aux1)


def googlenet_tiny():
    """GoogLeNet at 1/8 width (3a, 3b, 4a, 4b, 5a), two aux heads, transform_input=True."""
    return GoogLeNet(num_classes=10, aux_logits=True, transform_input=True, d=8)
