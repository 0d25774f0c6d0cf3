"""The plain im2col convolution == the fast conv2d == PyTorch, forward and every gradient."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from deepgrad.functional.conv_plain import col2im, conv2d_plain, im2col

CASES = [
    dict(x=(2, 3, 7, 6), w=(4, 3, 3, 3)),
    dict(x=(2, 3, 7, 6), w=(4, 3, 3, 2), stride=2, padding=1),
    dict(x=(1, 4, 9, 8), w=(6, 2, 3, 3), groups=2, dilation=2, padding=(2, 1)),
    dict(x=(2, 4, 6, 6), w=(4, 1, 3, 3), groups=4, padding=1),  # depthwise
    dict(x=(3, 2, 5, 5), w=(3, 2, 1, 1), bias=False),
]


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_plain_equals_fast_equals_torch(case):
    case = dict(case)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(case.pop("x")), rng.standard_normal(case.pop("w"))
    b = rng.standard_normal(w.shape[0]) if case.pop("bias", True) else None
    results = []
    for fn in (conv2d_plain, F.conv2d):
        ts = [dg.tensor(a, dtype=np.float64, requires_grad=True) for a in (x, w, b)
              if a is not None]
        y = fn(ts[0], ts[1], ts[2] if b is not None else None, **case)
        (y * y).sum().backward()
        results.append([y.data] + [t.grad for t in ts])
    tt = [torch.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    ty = TF.conv2d(tt[0], tt[1], tt[2] if b is not None else None, **case)
    (ty * ty).sum().backward()
    want = [ty.detach().numpy()] + [t.grad.numpy() for t in tt]
    for got in results:
        for g, t in zip(got, want, strict=True):
            np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-10)


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 8, 7))
    cols = im2col(x, 3, 2, (2, 1), (1, 2))
    c = rng.standard_normal(cols.shape)
    # <im2col(x), c> == <x, col2im(c)>
    back = col2im(c, x.shape, 3, 2, (2, 1), (1, 2))
    np.testing.assert_allclose((cols * c).sum(), (x * back).sum())


def test_gradcheck_plain():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 2, 2))
    assert dg.gradcheck(lambda a, b: conv2d_plain(a, b, stride=2, padding=1), x, w)
