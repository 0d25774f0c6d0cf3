"""Issue 11's zoo workload: a ResNet-18 (small-input, CIFAR-style) training step on 32x32x3,
batch 64, SGD with momentum. deepgrad trains ``deepgrad.models.resnet18(10, small_input=True)``;
the PyTorch twin below is the same network written in torch.nn (tests/models/test_zoo_counts.py
loads its state_dict into ours with strict=True and compares the logits)."""

from __future__ import annotations

import numpy as np

from .base import Workload

RNG = np.random.default_rng(0)


def torch_resnet18_small(num_classes: int = 10):
    """torch twin of ``deepgrad.models.resnet18(num_classes, small_input=True)``."""
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + identity)

    class ResNet18Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.Identity()
            widths = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
            for i, (cin, cout, s) in enumerate(widths, 1):
                setattr(self, f"layer{i}", nn.Sequential(Block(cin, cout, s),
                                                         Block(cout, cout, 1)))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet18Small()


def resnet18_small(lib: str):
    def build(n: int):
        x = RNG.standard_normal((n, 3, 32, 32)).astype(np.float32)
        y = RNG.integers(0, 10, n).astype(np.int64)
        if lib == "torch":
            import torch

            model, F, optim, T = (torch_resnet18_small(), torch.nn.functional, torch.optim,
                                  torch.tensor)
        else:
            import deepgrad as dg
            from deepgrad.models import resnet18

            model, F, optim, T = resnet18(10, small_input=True), dg.functional, dg.optim, dg.tensor
        model.train()
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        xt, yt = T(x), T(y)

        def step():
            opt.zero_grad()
            F.cross_entropy(model(xt), yt).backward()
            opt.step()

        return step

    return build


def resnet18_small_flops(n: int) -> float:
    """3x the forward multiply-adds x 2 (forward, and backward's two GEMMs per layer)."""
    fwd, cin, size = 2 * n * 3 * 64 * 9 * 32 * 32, 64, 32
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        size //= stride
        fwd += 2 * n * size * size * 9 * (cin * cout + cout * cout * 3)  # 4 convs in 2 blocks
        if stride != 1:
            fwd += 2 * n * size * size * cin * cout  # the 1x1 downsample
        cin = cout
    return 3 * (fwd + 2 * n * 512 * 10)


ZOO_WORKLOADS = [
    Workload("resnet18_small", "ResNet-18 small-input (3x3 stem, no maxpool) training step, "
             "32x32x3, batch 64, SGD momentum 0.9", 64, resnet18_small("deepgrad"),
             resnet18_small("torch"), resnet18_small_flops),
]
