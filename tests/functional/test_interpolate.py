"""F.interpolate and nn.Upsample against PyTorch (forward, gradient) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
import deepgrad.nn as nn
from parity import check, randn

CASES = [
    # (shape, kwargs)
    ((2, 3, 4, 5), {"scale_factor": 2}),
    ((2, 3, 4, 5), {"scale_factor": 3}),
    ((1, 2, 5, 7), {"scale_factor": 1.7}),  # non-integer scale: ratio 1 / 1.7
    ((1, 2, 5, 7), {"scale_factor": (0.6, 2.3)}),  # downsampling on one axis
    ((1, 2, 5, 7), {"scale_factor": 1.7, "recompute_scale_factor": True}),  # ratio in / out
    ((1, 2, 6, 6), {"scale_factor": 2.1}),  # out = 2 * in for 6 -> 12 (PyTorch's shortcut)
    ((1, 2, 5, 7), {"size": (11, 4)}),
    ((1, 2, 5, 7), {"size": 9}),
    ((1, 1, 1, 1), {"size": (3, 4)}),
    ((2, 3, 4, 5), {"scale_factor": 1.0}),
]


@pytest.mark.parametrize("shape,kw", CASES)
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear"])
def test_interpolate_2d_matches_torch(shape: tuple, kw: dict, mode: str) -> None:
    check(
        lambda x: F.interpolate(x, mode=mode, **kw),
        lambda x: TF.interpolate(x, mode=mode, **kw),
        [randn(*shape)],
    )


@pytest.mark.parametrize("shape,kw", CASES)
def test_bilinear_align_corners_matches_torch(shape: tuple, kw: dict) -> None:
    check(
        lambda x: F.interpolate(x, mode="bilinear", align_corners=True, **kw),
        lambda x: TF.interpolate(x, mode="bilinear", align_corners=True, **kw),
        [randn(*shape)],
    )


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear"])
@pytest.mark.parametrize("kw", [{"scale_factor": 2.5}, {"size": 3}, {"scale_factor": 0.45}])
def test_interpolate_1d(mode: str, kw: dict) -> None:
    check(
        lambda x: F.interpolate(x, mode=mode, **kw),
        lambda x: TF.interpolate(x, mode=mode, **kw),
        [randn(2, 3, 7)],
    )


@pytest.mark.parametrize("mode", ["nearest", "trilinear"])
def test_interpolate_3d(mode: str) -> None:
    check(
        lambda x: F.interpolate(x, scale_factor=(1.5, 2, 0.7), mode=mode),
        lambda x: TF.interpolate(x, scale_factor=(1.5, 2, 0.7), mode=mode),
        [randn(1, 2, 3, 4, 5)],
    )


def test_area_mode() -> None:
    check(
        lambda x: F.interpolate(x, size=(3, 2), mode="area"),
        lambda x: TF.interpolate(x, size=(3, 2), mode="area"),
        [randn(2, 2, 7, 5)],
    )
    check(
        lambda x: F.interpolate(x, size=4, mode="area"),
        lambda x: TF.interpolate(x, size=4, mode="area"),
        [randn(2, 2, 9)],
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode,ac", [("nearest", None), ("nearest-exact", None),
                                     ("bilinear", False), ("bilinear", True)])
def test_random_scales_agree_bit_for_bit_in_indices(dtype: type, mode: str, ac: bool) -> None:
    """Many random sizes and non-integer scales: same output (indices and weights) as torch."""
    rng = np.random.default_rng(123)
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 13, size=2))
        x = rng.standard_normal((1, 2, h, w)).astype(dtype)
        sf = (float(rng.uniform(0.3, 3.5)), float(np.round(rng.uniform(0.3, 3.5), 1)))
        kw = {"scale_factor": sf}
        if min(int(h * sf[0]), int(w * sf[1])) < 1:
            continue
        xt = torch.from_numpy(x).requires_grad_()
        yt = TF.interpolate(xt, mode=mode, align_corners=ac, **kw)
        xd = dg.Tensor(x, requires_grad=True)
        yd = F.interpolate(xd, mode=mode, align_corners=ac, **kw)
        assert yd.dtype == dtype
        tol = 1e-6 if dtype == np.float32 else 1e-13
        np.testing.assert_allclose(yd.data, yt.detach().numpy(), rtol=tol, atol=tol)
        u = rng.standard_normal(yd.shape).astype(dtype)
        (yt * torch.from_numpy(u)).sum().backward()
        (yd * dg.Tensor(u)).sum().backward()
        np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=10 * tol, atol=10 * tol)


def test_float64_and_channels_last_input() -> None:
    x = np.random.default_rng(0).standard_normal((2, 5, 6, 3)).transpose(0, 3, 1, 2)
    yt = TF.interpolate(torch.from_numpy(x.copy()), scale_factor=1.6, mode="bilinear")
    yd = F.interpolate(dg.Tensor(x), scale_factor=1.6, mode="bilinear")
    np.testing.assert_allclose(yd.data, yt.numpy(), rtol=1e-13, atol=1e-13)
    dg.gradcheck(lambda t: F.interpolate(t, size=(4, 9), mode="bilinear"), x)


def test_nearest_integer_scale_is_repeat() -> None:
    x = randn(2, 3, 4, 5)
    y = F.interpolate(dg.Tensor(x), scale_factor=(2, 3)).data
    np.testing.assert_array_equal(y, x.repeat(2, axis=2).repeat(3, axis=3))


def test_errors() -> None:
    x = dg.Tensor(randn(1, 1, 4, 4))
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="linear mode needs a 3-D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 3, 4))
    with pytest.raises(ValueError, match="greater than 0"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match="unknown mode"):
        F.interpolate(x, scale_factor=2, mode="cubic")
    with pytest.raises(ValueError, match="4-D"):
        F.interpolate(dg.Tensor(randn(4, 4)), scale_factor=2)
    with pytest.raises(ValueError, match="not meaningful"):
        F.interpolate(x, size=3, recompute_scale_factor=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Upsample(scale_factor=2),
        lambda m: m.Upsample(scale_factor=1.5, mode="bilinear"),
        lambda m: m.Upsample(size=(7, 3), mode="bilinear", align_corners=True),
        lambda m: m.UpsamplingNearest2d(scale_factor=3),
        lambda m: m.UpsamplingBilinear2d(size=(6, 9)),
    ],
)
def test_upsample_modules(make) -> None:
    x = randn(2, 3, 4, 5)
    ours, theirs = make(nn), make(torch.nn)
    check(lambda t: ours(t), lambda t: theirs(t), [x])
    assert repr(ours) == repr(theirs)
