"""Week-3 workloads (issue 12): the segmentation network's training step (batch 32, the 64 x 64
scenes, 11 classes, pixel-wise cross-entropy, Adam) with each decoder, and transposed
convolution forward + backward. deepgrad builds ``deepgrad.models.segnet`` (what the task
trains); the PyTorch twin below has the same layers under the same names (tests/models check
the state dicts agree name by name, and the outputs and gradients in float64)."""

from __future__ import annotations

import numpy as np

from .base import Workload

RNG = np.random.default_rng(0)
SIZE, CLASSES, WIDTHS = 64, 11, (16, 32, 64)


def torch_segnet(num_classes: int = CLASSES, widths=WIDTHS, upsampling: str = "unpool",
                 in_channels: int = 1, convs: int = 1):
    """torch twin of ``deepgrad.models.segnet(num_classes, widths, upsampling, convs=convs)``."""
    import torch.nn as nn

    def block(cin, cout, n=1):
        layers = []
        for i in range(n):
            layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False),
                       nn.BatchNorm2d(cout), nn.ReLU()]
        return nn.Sequential(*layers)

    def decoder_block(cin, cout):
        if convs == 1:
            return block(cin, cout)
        return nn.Sequential(*block(cin, cin, convs - 1), *block(cin, cout))

    class SegNet(nn.Module):
        def __init__(self):
            super().__init__()
            chans = (in_channels, *widths)
            self.upsampling = upsampling
            self.encoder = nn.ModuleList([block(chans[k], chans[k + 1], convs)
                                          for k in range(len(widths))])
            self.pool = nn.MaxPool2d(2, return_indices=True)
            self.bottleneck = block(widths[-1], widths[-1], convs)
            ins, outs = widths[::-1], (*widths[:-1][::-1], widths[0])
            if upsampling == "transposed":
                self.up = nn.ModuleList([nn.ConvTranspose2d(c, c, 2, stride=2) for c in ins])
            else:
                self.unpool = nn.MaxUnpool2d(2)
            self.decoder = nn.ModuleList([decoder_block(a, b)
                                          for a, b in zip(ins, outs, strict=True)])
            self.classifier = nn.Conv2d(widths[0], num_classes, 1)

        def forward(self, x):
            indices, sizes = [], []
            for b in self.encoder:
                x = b(x)
                sizes.append(x.shape[2:])
                x, idx = self.pool(x)
                indices.append(idx)
            x = self.bottleneck(x)
            for k, b in enumerate(self.decoder):
                if self.upsampling == "unpool":
                    x = self.unpool(x, indices[-1 - k], output_size=sizes[-1 - k])
                else:
                    x = self.up[k](x)
                x = b(x)
            return self.classifier(x)

    return SegNet()


def seg_step(lib: str, upsampling: str):
    def build(n: int):
        x_np = RNG.random((n, 1, SIZE, SIZE), dtype=np.float32)
        y_np = RNG.integers(0, CLASSES, (n, SIZE, SIZE)).astype(np.int64)
        if lib == "torch":
            import torch

            model = torch_segnet(upsampling=upsampling)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            x, y, ce = torch.tensor(x_np), torch.tensor(y_np), torch.nn.functional.cross_entropy
        else:
            import deepgrad as dg
            from deepgrad import optim
            from deepgrad.models.segnet import segnet

            model = segnet(CLASSES, WIDTHS, upsampling)
            opt = optim.Adam(model.parameters(), lr=1e-3)
            x, y, ce = dg.tensor(x_np), dg.tensor(y_np), dg.functional.cross_entropy

        def step():
            opt.zero_grad()
            ce(model(x), y).backward()
            opt.step()

        return step

    return build


def _seg_flops(n: int) -> float:
    s = SIZE
    convs = [(1, 16, s), (16, 32, s // 2), (32, 64, s // 4), (64, 64, s // 8),
             (64, 32, s // 4), (32, 16, s // 2), (16, 16, s)]
    fwd = sum(2 * n * ci * co * 9 * r * r for ci, co, r in convs) + 2 * n * 16 * 11 * s * s
    return 3 * fwd


# ------------------------------------------ conv_transpose2d, N=32, 64->32, 16x16 -> 32x32
CT = dict(cin=64, cout=32, hw=16)


def _ct(lib: str, k: int, stride: int, padding: int, output_padding: int):
    def build(n: int):
        x_np = RNG.standard_normal((n, CT["cin"], CT["hw"], CT["hw"])).astype(np.float32)
        w_np = (RNG.standard_normal((CT["cin"], CT["cout"], k, k)) * 0.05).astype(np.float32)
        b_np = RNG.standard_normal(CT["cout"]).astype(np.float32)
        ho = (CT["hw"] - 1) * stride - 2 * padding + k + output_padding
        g_np = RNG.standard_normal((n, CT["cout"], ho, ho)).astype(np.float32)
        if lib == "torch":
            import torch

            T, f = torch.tensor, torch.nn.functional.conv_transpose2d
        else:
            import deepgrad as dg

            T, f = dg.tensor, dg.functional.conv_transpose2d
        x, w, b = (T(a, requires_grad=True) for a in (x_np, w_np, b_np))
        g = T(g_np)

        def step():
            x.grad = w.grad = b.grad = None
            f(x, w, b, stride=stride, padding=padding, output_padding=output_padding).backward(g)

        return step

    return build


def _ct_flops(k: int):
    return lambda n: 3 * 2 * n * CT["cin"] * CT["cout"] * k * k * CT["hw"] ** 2


SEGMENTATION_WORKLOADS = [
    Workload("segnet_unpool", "SegNet 16-32-64, max-unpooling decoder, 1x64x64, 11 classes, "
             "batch 32, pixel CE, Adam", 32, seg_step("deepgrad", "unpool"),
             seg_step("torch", "unpool"), _seg_flops),
    Workload("segnet_transposed", "the same SegNet with 2x2 stride-2 transposed convs "
             "upsampling", 32, seg_step("deepgrad", "transposed"),
             seg_step("torch", "transposed"), _seg_flops),
    Workload("conv_transpose2d", "conv_transpose2d fwd+bwd, N=32, 64->32 ch, 16x16 -> 32x32, "
             "4x4, stride 2, pad 1", 32, _ct("deepgrad", 4, 2, 1, 0), _ct("torch", 4, 2, 1, 0),
             _ct_flops(4)),
    Workload("conv_transpose2d_k2", "conv_transpose2d fwd+bwd, N=32, 64->32 ch, 16x16 -> 32x32, "
             "2x2, stride 2 (SegNet's)", 32, _ct("deepgrad", 2, 2, 0, 0),
             _ct("torch", 2, 2, 0, 0), _ct_flops(2)),
]
