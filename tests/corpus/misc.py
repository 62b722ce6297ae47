"""Odds and ends found in real training code.

* `stray_param_net`: a small CNN after a refactor — `self.temperature` (once used by a
  distillation loss) and `self.old_fc` (superseded by `self.fc`) are still registered but never
  used in forward; head `F.adaptive_avg_pool2d(x, 1).squeeze()` — the bare `squeeze()` also drops
  the batch axis at batch 1, so the Linear runs on a 1-D tensor and the output is (10,).
"""

import torch
import torch.nn.functional as F
from torch import nn


class StrayParamNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
        )
        self.old_fc = nn.Linear(32, num_classes)
        self.fc = nn.Linear(32, num_classes)
        self.temperature = nn.Parameter(torch.ones(1) * 4.0)
        self.register_buffer("class_counts", torch.zeros(num_classes))

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).squeeze()
        return self.fc(x)


def stray_param_net():
    return StrayParamNet()
