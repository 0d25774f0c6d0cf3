"""F.scaled_dot_product_attention against PyTorch (float32 and float64) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from parity import check, randn


def _qkv(*lead: int, L: int = 4, S: int = 6, E: int = 5, Ev: int = 3) -> list[np.ndarray]:
    return [randn(*lead, L, E, seed=1), randn(*lead, S, E, seed=2), randn(*lead, S, Ev, seed=3)]


@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
def test_plain(lead: tuple) -> None:
    check(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, _qkv(*lead))


@pytest.mark.parametrize("scale", [0.25, 2.0])
def test_scale(scale: float) -> None:
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=scale),
          lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, scale=scale), _qkv(2))


@pytest.mark.parametrize("L,S", [(4, 4), (4, 6), (6, 4)])
def test_causal_top_left_aligned(L: int, S: int) -> None:
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
          lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True),
          _qkv(2, 2, L=L, S=S))


@pytest.mark.parametrize("shape", [(4, 6), (2, 1, 4, 6), (1, 6)])
def test_boolean_mask_true_takes_part(shape: tuple) -> None:
    mask = np.random.default_rng(0).random(shape) > 0.4
    mask[..., 0] = True
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
          lambda q, k, v: TF.scaled_dot_product_attention(q, k, v,
                                                          attn_mask=torch.from_numpy(mask)),
          _qkv(2, 3))


def test_float_mask_is_added_and_gets_a_gradient() -> None:
    q, k, v = _qkv(2, 3)
    bias = randn(3, 4, 6, seed=9)
    check(lambda q, k, v, b: F.scaled_dot_product_attention(q, k, v, attn_mask=b),
          lambda q, k, v, b: TF.scaled_dot_product_attention(q, k, v, attn_mask=b),
          [q, k, v, bias])


def test_fully_masked_rows_give_zeros_like_torch() -> None:
    mask = np.ones((4, 6), dtype=bool)
    mask[1] = False  # query 1 may see nothing
    fmask = np.where(mask, 0.0, -np.inf).astype(np.float32)
    for m in (mask, fmask):
        check(lambda q, k, v, m=m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
              lambda q, k, v, m=m: TF.scaled_dot_product_attention(
                  q, k, v, attn_mask=torch.from_numpy(m)),
              _qkv(2), gradcheck=False)
    q, k, v = (dg.Tensor(a) for a in _qkv(2))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.all(out.data[:, 1] == 0) and np.isfinite(out.data).all()


def test_float64_exact() -> None:
    rng = np.random.default_rng(5)
    q, k, v = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 7, 4)), \
        rng.standard_normal((2, 3, 7, 6))
    mask = rng.random((5, 7)) > 0.3
    ts = [torch.from_numpy(a).requires_grad_() for a in (q, k, v)]
    ds = [dg.Tensor(a, requires_grad=True) for a in (q, k, v)]
    yt = TF.scaled_dot_product_attention(*ts, attn_mask=torch.from_numpy(mask))
    yd = F.scaled_dot_product_attention(*ds, attn_mask=mask)
    assert yd.dtype == np.float64
    np.testing.assert_allclose(yd.data, yt.detach().numpy(), rtol=1e-12, atol=1e-13)
    r = rng.standard_normal(yd.shape)
    (yt * torch.from_numpy(r)).sum().backward()
    (yd * dg.Tensor(r)).sum().backward()
    for a, b in zip(ds, ts, strict=True):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_grouped_query_attention() -> None:
    q = randn(2, 4, 3, 5, seed=1)
    k, v = randn(2, 2, 6, 5, seed=2), randn(2, 2, 6, 3, seed=3)
    check(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
          lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, enable_gqa=True), [q, k, v])


def test_dropout_reproducible_and_equals_dropped_weights() -> None:
    q, k, v = (dg.Tensor(a) for a in _qkv(2, 3))
    dg.manual_seed(0)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    dg.manual_seed(0)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.data, b.data)
    w = F.softmax(F.matmul(q, F.transpose(k, -2, -1)) * (1 / np.sqrt(5)), dim=-1)
    dg.manual_seed(0)
    expected = F.matmul(F.dropout(w, 0.5), v)
    np.testing.assert_allclose(a.data, expected.data, rtol=1e-6)
    assert not np.allclose(a.data, F.scaled_dot_product_attention(q, k, v).data)


def test_errors() -> None:
    q, k, v = (dg.Tensor(a) for a in _qkv(2))
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((4, 6), bool), is_causal=True)
    with pytest.raises(ValueError, match="does not broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((4, 5), bool))
    with pytest.raises(ValueError, match="same feature size"):
        F.scaled_dot_product_attention(q, dg.Tensor(randn(2, 6, 4)), v)
    with pytest.raises(ValueError, match="same sequence length"):
        F.scaled_dot_product_attention(q, k, dg.Tensor(randn(2, 5, 3)))
    with pytest.raises(TypeError, match="same floating dtype"):
        F.scaled_dot_product_attention(q, k, dg.Tensor(v.data.astype(np.float64)))
    with pytest.raises(TypeError, match="boolean or floating"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((4, 6), np.int64))
