"""Classic CNNs, scaled down.

* `lenet5`: LeNet-5 as in countless tutorials (`F.max_pool2d(F.relu(self.conv1(x)), (2, 2))`,
  flatten with `x.view(x.size(0), -1)`).
* `lenet_blitz`: the old PyTorch "60-minute blitz" Net with `num_flat_features` — a Python loop
  over `x.size()[1:]`, which torch.fx cannot trace (a Proxy cannot be iterated).
* `alexnet_tiny`: torchvision models/alexnet.py (`nn.AdaptiveAvgPool2d((6, 6))` up-samples the
  1×1 map, `torch.flatten(x, 1)`, Dropout/Linear classifier).
* `vgg11_cifar`: kuangliu/pytorch-cifar models/vgg.py (`cfg` list with 'M', conv-BN-ReLU,
  the no-op `nn.AvgPool2d(kernel_size=1, stride=1)`), flatten as `out.reshape(out.shape[0], -1)`.
* `squeezenet1_1_tiny`: torchvision models/squeezenet.py (Fire modules with
  `torch.cat([...expand1x1..., ...expand3x3...], 1)`, `nn.MaxPool2d(3, 2, ceil_mode=True)`,
  final-conv classifier then `torch.flatten(x, 1)`).
* `keras_port_cnn`: a Keras Sequential model ported by hand: `padding='same'` (also for an even
  4×4 kernel, which pads asymmetrically), (1, 5)/(5, 1) kernels, BN eps=1e-3, Keras-order flatten
  `x.permute(0, 2, 3, 1).flatten(1)`.
"""

import torch
import torch.nn.functional as F
from torch import nn


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super(LeNet5, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


class BlitzNet(nn.Module):

    def __init__(self):
        super(BlitzNet, self).__init__()
        # 1 input image channel, 6 output channels, 3x3 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 6 * 6, 120)  # 6*6 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


class AlexNet(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.5, d=1, hidden=4096):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64 // d, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64 // d, 192 // d, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192 // d, 384 // d, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384 // d, 256 // d, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256 // d, 256 // d, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 // d * 6 * 6, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


cfg = {
    'VGG11': [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
    'VGG13': [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
    'VGG16': [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512,
              'M'],
}


class VGG(nn.Module):
    def __init__(self, vgg_name, d=1):
        super(VGG, self).__init__()
        self.d = d
        self.features = self._make_layers(cfg[vgg_name])
        self.classifier = nn.Linear(512 // d, 10)

    def forward(self, x):
        out = self.features(x)
        out = out.reshape(out.shape[0], -1)
        out = self.classifier(out)
        return out

    def _make_layers(self, cfg):
        layers = []
        in_channels = 3
        for x in cfg:
            if x == 'M':
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                x = x // self.d
                layers += [nn.Conv2d(in_channels, x, kernel_size=3, padding=1),
                           nn.BatchNorm2d(x),
                           nn.ReLU(inplace=True)]
                in_channels = x
        layers += [nn.AvgPool2d(kernel_size=1, stride=1)]
        return nn.Sequential(*layers)


class Fire(nn.Module):
    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)),
             self.expand3x3_activation(self.expand3x3(x))], 1
        )


class SqueezeNet(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.5, d=1):
        super().__init__()
        self.num_classes = num_classes

        def fire(*chs):
            return Fire(*[c // d for c in chs])

        # version == "1_1"
        self.features = nn.Sequential(
            nn.Conv2d(3, 64 // d, kernel_size=3, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            fire(64, 16, 64, 64),
            fire(128, 16, 64, 64),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            fire(128, 32, 128, 128),
            fire(256, 32, 128, 128),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            fire(256, 48, 192, 192),
            fire(384, 48, 192, 192),
            fire(384, 64, 256, 256),
            fire(512, 64, 256, 256),
        )

        # Final convolution is initialized differently from the rest
        final_conv = nn.Conv2d(512 // d, self.num_classes, kernel_size=1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1))
        )

    def forward(self, x):
        x = self.features(x)
        x = self.classifier(x)
        return torch.flatten(x, 1)


class KerasPortCNN(nn.Module):
    """Keras: Conv2D(16, 4, padding='same') → BN → ReLU → MaxPool(2) → Conv2D(24, (1, 5), 'same')
    → Conv2D(24, (5, 1), 'same') → BN → ReLU → MaxPool(2) → Conv2D(32, 3, 'same', dilation 2)
    → ReLU → Flatten → Dense(64) → Dense(10)."""

    def __init__(self, num_classes=10, input_hw=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=4, padding='same')
        self.bn1 = nn.BatchNorm2d(16, eps=1e-3, momentum=0.01)
        self.conv2a = nn.Conv2d(16, 24, kernel_size=(1, 5), padding='same')
        self.conv2b = nn.Conv2d(24, 24, kernel_size=(5, 1), padding='same')
        self.bn2 = nn.BatchNorm2d(24, eps=1e-3, momentum=0.01)
        self.conv3 = nn.Conv2d(24, 32, kernel_size=3, padding='same', dilation=2)
        flat = 32 * (input_hw // 4) ** 2
        self.dense1 = nn.Linear(flat, 64)
        self.dense2 = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2b(self.conv2a(x)))), 2)
        x = F.relu(self.conv3(x))
        # Keras flattens channels-last: permute so that ported Dense weights line up
        x = x.permute(0, 2, 3, 1).flatten(1)
        x = F.relu(self.dense1(x))
        return self.dense2(x)


def lenet5():
    return LeNet5(num_classes=10)


def lenet_blitz():
    return BlitzNet()


def alexnet_tiny():
    """AlexNet at 1/8 width, classifier 256 wide, 64×64 input."""
    return AlexNet(num_classes=10, d=8, hidden=256)


def vgg11_cifar():
    """VGG11-BN (CIFAR layout) at 1/8 width on 32×32."""
    return VGG('VGG11', d=8)


def squeezenet1_1_tiny():
    """SqueezeNet 1.1 at 1/4 width; on 56×56 the third max-pool's ceil_mode adds a row/col."""
    return SqueezeNet(num_classes=10, d=4)


def keras_port_cnn():
    return KerasPortCNN()
