"""Week-4 workloads (issue 13): the conv autoencoder's step and a DCGAN step, batch 64, MNIST
sized. deepgrad builds its networks from ``deepgrad.models`` (what the tasks train); the PyTorch
twins below are the same layers in the same order (tests/models check the parameter shapes
agree name by name)."""

from __future__ import annotations

import numpy as np

from .base import Workload

RNG = np.random.default_rng(0)
IMAGE = (1, 28, 28)
CODE, LATENT = 32, 100


def torch_conv_autoencoder():
    """torch twin of ``deepgrad.models.conv_autoencoder((1, 28, 28), 32)``."""
    import torch.nn as nn

    class AE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * 7 * 7, CODE))
            self.decoder = nn.Sequential(
                nn.Linear(CODE, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                nn.ConvTranspose2d(32, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())

        def forward(self, x):
            return self.decoder(self.encoder(x))

    return AE()


def torch_dcgan(refine: bool = False):
    """torch twins of ``deepgrad.models.dcgan_generator((1, 28, 28), refine=refine)`` and
    ``dcgan_discriminator((1, 28, 28))``."""
    import torch.nn as nn

    if refine:
        def block(c):
            return [nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]

        g = nn.Sequential(
            nn.Linear(LATENT, 128 * 7 * 7, bias=False), nn.Unflatten(1, (128, 7, 7)),
            nn.BatchNorm2d(128), nn.ReLU(), *block(128),
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(64),
            nn.ReLU(), *block(64),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(32),
            nn.ReLU(), nn.Conv2d(32, 1, 3, padding=1), nn.Tanh())
    else:
        g = nn.Sequential(
            nn.Linear(LATENT, 128 * 7 * 7, bias=False), nn.Unflatten(1, (128, 7, 7)),
            nn.BatchNorm2d(128), nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(64),
            nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(128),
        nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return g, d


def _images(n: int) -> np.ndarray:
    return RNG.random((n, *IMAGE), dtype=np.float32)


def conv_ae(lib: str):
    def build(n: int):
        x_np = _images(n)
        if lib == "torch":
            import torch

            model = torch_conv_autoencoder()
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            x, mse = torch.tensor(x_np), torch.nn.functional.mse_loss
        else:
            import deepgrad as dg
            from deepgrad import models, optim

            model = models.conv_autoencoder(IMAGE, CODE)
            opt = optim.Adam(model.parameters(), lr=1e-3)
            x, mse = dg.tensor(x_np), dg.functional.mse_loss

        def step():
            opt.zero_grad()
            mse(model(x), x).backward()
            opt.step()

        return step

    return build


def dcgan(lib: str, refine: bool = False):
    """One alternating update: D on a real and a generated batch, then G through D
    (``refine``: the gan task's deeper generator)."""

    def build(n: int):
        x_np = _images(n) * 2 - 1
        z_np = RNG.standard_normal((n, LATENT)).astype(np.float32)
        if lib == "torch":
            import torch
            import torch.nn.functional as F

            g, d = torch_dcgan(refine)
            T = torch.tensor
        else:
            import deepgrad as dg
            import deepgrad.functional as F
            from deepgrad import models

            g = models.dcgan_generator(IMAGE, LATENT, refine=refine)
            d = models.dcgan_discriminator(IMAGE)
            T = dg.tensor
        optim = torch.optim if lib == "torch" else dg.optim
        opt_g = optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        x, z = T(x_np), T(z_np)
        ones, zeros = T(np.ones((n, 1), np.float32)), T(np.zeros((n, 1), np.float32))
        bce = F.binary_cross_entropy_with_logits

        def step():
            opt_d.zero_grad()
            fake = g(z)
            (bce(d(x), ones) + bce(d(fake.detach()), zeros)).backward()
            opt_d.step()
            opt_g.zero_grad()
            bce(d(fake), ones).backward()
            opt_g.step()

        return step

    return build


def conv_ae_flops(n: int) -> float:
    fwd = 2 * n * (28 * 28 * 32 * 9 + 14 * 14 * 64 * 32 * 9 + 2 * 3136 * CODE
                   + 14 * 14 * 64 * 32 * 9 + 28 * 28 * 32 * 9)
    return 3 * fwd


def dcgan_flops(n: int, refine: bool = False) -> float:
    if refine:
        g = 2 * n * (LATENT * 6272 + 49 * 128 * 128 * 9 + 49 * 128 * 64 * 16
                     + 196 * 64 * 64 * 9 + 196 * 64 * 32 * 16 + 784 * 32 * 9)
    else:
        g = 2 * n * (LATENT * 6272 + 49 * 128 * 64 * 16 + 196 * 64 * 16)
    d = 2 * n * (196 * 64 * 16 + 49 * 128 * 64 * 16 + 6272)
    # G forward once, D forward+backward on real, fake and fake again, G backward once
    return g + 3 * 3 * d + 2 * g


GENERATIVE_WORKLOADS = [
    Workload("conv_ae", "conv autoencoder c32-p-c64-p-d32-d3136-ct32-ct1 on 1x28x28, MSE, "
             "batch 64, Adam", 64, conv_ae("deepgrad"), conv_ae("torch"), conv_ae_flops),
    Workload("dcgan", "DCGAN step (D on real+fake, then G), z 100 -> 1x28x28, batch 64, Adam",
             64, dcgan("deepgrad"), dcgan("torch"), dcgan_flops),
    Workload("dcgan_refine", "the gan task's DCGAN step: G with a 3x3 conv block after every "
             "upsampling (refine=True), batch 64, Adam", 64, dcgan("deepgrad", True),
             dcgan("torch", True), lambda n: dcgan_flops(n, True)),
]
