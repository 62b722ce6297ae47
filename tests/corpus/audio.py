"""Keyword-spotting ResNet (castorini/honk, utils/model.py SpeechResModel idioms) as res8-narrow.

Input is a (time, mel) spectrogram without a channel axis: `x = x.unsqueeze(1)`; layers are
registered with `add_module("conv{}".format(i + 1), ...)` and fetched with `getattr(self,
"conv{}".format(i))`; `nn.BatchNorm2d(n_maps, affine=False)` (no parameters); non-square
`nn.AvgPool2d((4, 3))`; residual every second layer (`x = y + old_x`); head
`x.view(x.size(0), x.size(1), -1)` then `torch.mean(x, 2)`.
"""

import torch
import torch.nn.functional as F
from torch import nn


class SpeechResModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        n_labels = config["n_labels"]
        n_maps = config["n_feature_maps"]
        self.conv0 = nn.Conv2d(1, n_maps, (3, 3), padding=(1, 1), bias=False)
        if "res_pool" in config:
            self.pool = nn.AvgPool2d(config["res_pool"])

        self.n_layers = n_layers = config["n_layers"]
        dilation = config["use_dilation"]
        if dilation:
            self.convs = [nn.Conv2d(n_maps, n_maps, (3, 3), padding=int(2**(i // 3)),
                                    dilation=int(2**(i // 3)), bias=False)
                          for i in range(n_layers)]
        else:
            self.convs = [nn.Conv2d(n_maps, n_maps, (3, 3), padding=1, dilation=1, bias=False)
                          for _ in range(n_layers)]
        for i, conv in enumerate(self.convs):
            self.add_module("bn{}".format(i + 1), nn.BatchNorm2d(n_maps, affine=False))
            self.add_module("conv{}".format(i + 1), conv)
        self.output = nn.Linear(n_maps, n_labels)

    def forward(self, x):
        x = x.unsqueeze(1)
        for i in range(self.n_layers + 1):
            y = F.relu(getattr(self, "conv{}".format(i))(x))
            if i == 0:
                if hasattr(self, "pool"):
                    y = self.pool(y)
                old_x = y
            if i > 0 and i % 2 == 0:
                x = y + old_x
                old_x = x
            else:
                x = y
            if i > 0:
                x = getattr(self, "bn{}".format(i))(x)
        x = x.view(x.size(0), x.size(1), -1)  # shape: (batch, feats, o3)
        x = torch.mean(x, 2)
        return self.output(x)


def res8_narrow_kws():
    """honk res8-narrow: 19 maps, 6 layers, res_pool (4, 3), 12 labels, on a 64×40 spectrogram."""
    return SpeechResModel(dict(n_labels=12, n_feature_maps=19, n_layers=6, res_pool=(4, 3),
                               use_dilation=False))


def res15_narrow_kws():
    """honk res15-narrow: 19 maps, 13 dilated layers (dilation 2**(i // 3)), no pooling."""
    return SpeechResModel(dict(n_labels=12, n_feature_maps=19, n_layers=13, use_dilation=True))
