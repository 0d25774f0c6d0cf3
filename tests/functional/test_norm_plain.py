"""The plain batch norm (deepgrad ops, autodiff) == the fused F.batch_norm == PyTorch."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.functional as F
from deepgrad.functional.norm_plain import batch_norm_plain


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 5, 6)])
def test_plain_equals_fused_equals_torch(shape):
    rng = np.random.default_rng(0)
    x, gm, bt = rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)
    up = rng.standard_normal(shape)  # a cost that weights every output differently
    results = []
    for fused in (False, True):
        ts = [dg.tensor(a, dtype=np.float64, requires_grad=True) for a in (x, gm, bt)]
        y = (F.batch_norm(ts[0], None, None, ts[1], ts[2], training=True) if fused
             else batch_norm_plain(*ts))
        (y * dg.tensor(up, dtype=np.float64)).sum().backward()
        results.append([y.data] + [t.grad for t in ts])
    tt = [torch.tensor(a, requires_grad=True) for a in (x, gm, bt)]
    ty = torch.nn.functional.batch_norm(tt[0], None, None, tt[1], tt[2], training=True)
    (ty * torch.tensor(up)).sum().backward()
    want = [ty.detach().numpy()] + [t.grad.numpy() for t in tt]
    for got in results:
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11)
