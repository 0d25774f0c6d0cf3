"""The zoo trains: a few SGD steps on one small batch drive the loss far down (one-batch
overfit), and float32 models stay float32 through backward."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import models, optim


def _blocks() -> dg.nn.Module:
    """The zoo's blocks at toy width: residual (basic, bottleneck with a downsample),
    inception (plain and factorized), then global pooling and a classifier."""
    nn = dg.nn
    down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), models.BasicBlock(8, 8), models.Bottleneck(8, 4, 2, down),
        models.inception_block(16, 4, 4, 4, 2, 4, 4), models.inception_block(16, 4, 4, 4, 2, 4,
                                                                             4, factorize=3),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4),
    )


BUILDERS = {
    "lenet5": (lambda: models.lenet5(4, input_size=28), (1, 28, 28)),
    "blocks": (_blocks, (3, 8, 8)),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_one_batch_overfit(name):
    dg.manual_seed(0)
    build, shape = BUILDERS[name]
    model = build()
    rng = np.random.default_rng(0)
    x = dg.Tensor(rng.standard_normal((8, *shape)).astype(np.float32))
    y = dg.Tensor(rng.integers(0, 4, 8))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    assert losses[-1] < 0.25 * losses[0], losses
