"""Models written the way users write them (plain torch code, no archcalc), for `inspect`."""

import torch
import torch.nn.functional as F
from torch import nn


class SqueezeExcite(nn.Module):
    def __init__(self, channels, squeeze):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class Bottleneck(nn.Module):
    """Inverted residual with SE, as "ir(t=4,out=16,se=0.25,act=hswish)" describes it."""

    def __init__(self, c, t):
        super().__init__()
        hidden = c * t
        self.expand = nn.Sequential(nn.Conv2d(c, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
                                    nn.Hardswish())
        self.dw = nn.Sequential(nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden, bias=False),
                                nn.BatchNorm2d(hidden), nn.Hardswish())
        self.se = SqueezeExcite(hidden, 16)
        self.project = nn.Sequential(nn.Conv2d(hidden, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.project(self.se(self.dw(self.expand(x))))


class TinyNet(nn.Module):
    """Same network as the spec "conv(out=16,s=2,act=hswish), ir(t=4,out=16,se=0.25,
    act=hswish), pool(global), linear(out=10)" on a 32×32×3 input."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.Hardswish())
        self.block = Bottleneck(16, 4)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.block(self.stem(x))
        x = torch.flatten(x.mean([2, 3]), 1)
        return self.fc(self.drop(x))


class SplitNet(nn.Module):
    """Channel split and concat in plain torch code."""

    def __init__(self):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(8, 8, 1), nn.ReLU())

    def forward(self, x):
        a, b = x.chunk(2, dim=1)
        return torch.cat((a, self.branch(b)), dim=1)


class ChainBySize(nn.Module):
    """Control flow on the input's size (fx cannot trace it); the modules form a chain and
    nothing is computed outside them, so module hooks count it exactly."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.ReLU()
        self.small = nn.Conv2d(8, 4, 1)
        self.large = nn.Conv2d(8, 4, 3, padding=1)

    def forward(self, x):
        y = self.act(self.bn(self.conv(x)))
        return self.small(y) if x.shape[-1] < 16 else self.large(y)


class Gated(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        y = self.bn(self.conv(x))
        if y.sum() > 0:
            y = torch.relu(y)
        return y


class WithLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.rnn = nn.LSTM(4, 4)

    def forward(self, x):
        y = self.conv(x).flatten(2).permute(2, 0, 1)
        return self.rnn(y)[0]


class Unsupported(nn.Module):
    """Two unsupported calls, the second downstream of the first."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.norm = nn.InstanceNorm2d(4)

    def forward(self, x):
        y = self.norm(self.conv(x))
        return torch.einsum("nchw->nhwc", y) + 1


class ClampConv(nn.Conv2d):
    """A subclass that changes what the module computes."""

    def forward(self, x):
        return super().forward(x).clamp(0, 6)


class SubclassUnderHooks(nn.Module):
    """fx cannot trace it; a leaf subclass with its own forward must not pass as its parent."""

    def __init__(self):
        super().__init__()
        self.conv = ClampConv(3, 8, 3, padding=1)

    def forward(self, x):
        return self.conv(x) if x.shape[-1] > 4 else x


class Twice(nn.Module):
    """One convolution applied twice: its parameters belong to two calls."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        return self.conv(self.conv(x))


class Tied(nn.Module):
    """Two linear layers sharing one weight."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(16, 16)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))
