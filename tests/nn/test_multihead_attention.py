"""nn.MultiheadAttention: torch's weights copied in, outputs and gradients compared in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn
from parity.modules import copy_weights

torch.set_num_threads(1)
E, H, L, S, N = 8, 2, 4, 5, 3


def _pair(**kw):
    tm = torch.nn.MultiheadAttention(E, H, **kw).double()
    dm = nn.MultiheadAttention(E, H, dtype=np.float64, **kw)
    assert [n for n, _ in dm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    copy_weights(tm, dm)
    return tm, dm


def _inputs(batch_first=False, batched=True, kdim=E, vdim=E, seed=0):
    rng = np.random.default_rng(seed)

    def shape(n, e):
        if not batched:
            return (n, e)
        return (N, n, e) if batch_first else (n, N, e)

    return [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kdim)),
            rng.standard_normal(shape(S, vdim))]


def _compare(tm, dm, arrays, self_attention=False, **fkw):
    ts = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    ds = [dg.Tensor(a, requires_grad=True) for a in arrays]
    if self_attention:
        ts, ds = [ts[0]] * 3, [ds[0]] * 3
    tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in fkw.items()}
    to, tw = tm(*ts, **tkw)
    do, dw = dm(*ds, **fkw)
    np.testing.assert_allclose(do.data, to.detach().numpy(), rtol=1e-11, atol=1e-12)
    if tw is None:
        assert dw is None
    else:
        np.testing.assert_allclose(dw.data, tw.detach().numpy(), rtol=1e-11, atol=1e-12)
    r = np.random.default_rng(1).standard_normal(do.shape)
    cost_t = (to * torch.from_numpy(r)).sum()
    cost_d = (do * dg.Tensor(r)).sum()
    if tw is not None:  # the weights are an output too
        rw = np.random.default_rng(2).standard_normal(dw.shape)
        cost_t = cost_t + (tw * torch.from_numpy(rw)).sum()
        cost_d = cost_d + (dw * dg.Tensor(rw)).sum()
    cost_t.backward()
    cost_d.backward()
    tp = dict(tm.named_parameters())
    for name, p in dm.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)
    for d, t in zip(ds, ts, strict=True):
        np.testing.assert_allclose(d.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights", [True, False])
def test_cross_attention(batch_first, need_weights) -> None:
    tm, dm = _pair(batch_first=batch_first)
    _compare(tm, dm, _inputs(batch_first), need_weights=need_weights)


def test_self_attention_per_head_weights() -> None:
    tm, dm = _pair()
    _compare(tm, dm, _inputs(), self_attention=True, average_attn_weights=False)


def test_unbatched() -> None:
    tm, dm = _pair()
    kpm = np.array([False, False, True, False, True])
    _compare(tm, dm, _inputs(batched=False), key_padding_mask=kpm)
    _compare(tm, dm, _inputs(batched=False), need_weights=False)


@pytest.mark.parametrize("need_weights", [True, False])
def test_masks(need_weights) -> None:
    rng = np.random.default_rng(3)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, 3:] = True
    kpm[2, 0] = True
    am = rng.random((L, S)) > 0.7  # True = not allowed (PyTorch's MHA convention)
    am[:, 1] = False
    tm, dm = _pair()
    _compare(tm, dm, _inputs(), key_padding_mask=kpm, attn_mask=am, need_weights=need_weights)
    fam = rng.standard_normal((N * H, L, S))
    _compare(tm, dm, _inputs(), attn_mask=fam, need_weights=need_weights)
    fkpm = rng.standard_normal((N, S))
    _compare(tm, dm, _inputs(), key_padding_mask=fkpm, need_weights=need_weights)


def test_causal_hint() -> None:
    causal = np.triu(np.ones((L, S), dtype=bool), 1)
    tm, dm = _pair()
    _compare(tm, dm, _inputs(), attn_mask=causal, is_causal=True, need_weights=False)
    _compare(tm, dm, _inputs(), attn_mask=causal, is_causal=True)
    with pytest.raises(ValueError, match="needs attn_mask"):
        dm(*(dg.Tensor(a) for a in _inputs()), is_causal=True)


@pytest.mark.parametrize("kw", [{"bias": False}, {"add_bias_kv": True},
                                {"add_zero_attn": True},
                                {"add_bias_kv": True, "add_zero_attn": True}])
def test_options(kw) -> None:
    kpm = np.zeros((N, S), dtype=bool)
    kpm[1, -2:] = True
    tm, dm = _pair(**kw)
    _compare(tm, dm, _inputs(), key_padding_mask=kpm)
    _compare(tm, dm, _inputs(), key_padding_mask=kpm, need_weights=False)


def test_kdim_vdim() -> None:
    tm, dm = _pair(kdim=3, vdim=6)
    assert dm.in_proj_weight is None and dm.k_proj_weight.shape == (E, 3)
    _compare(tm, dm, _inputs(kdim=3, vdim=6))


def test_dropout_only_in_training() -> None:
    tm, dm = _pair(dropout=0.5)
    dm.eval()
    tm.eval()
    _compare(tm, dm, _inputs())
    dm.train()
    x = [dg.Tensor(a) for a in _inputs()]
    dg.manual_seed(0)
    a, _ = dm(*x)
    dg.manual_seed(0)
    b, _ = dm(*x)
    np.testing.assert_array_equal(a.data, b.data)
    dm.eval()
    assert not np.allclose(a.data, dm(*x)[0].data)


def test_fully_masked_query() -> None:
    """As torch: NaN with need_weights=True (plain softmax), zeros with need_weights=False."""
    tm, dm = _pair()
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0] = True
    x = [dg.Tensor(a) for a in _inputs()]
    out, _ = dm(*x, key_padding_mask=kpm)
    assert np.isnan(out.data[:, 0]).all() and np.isfinite(out.data[:, 1:]).all()
    _compare(tm, dm, _inputs(), key_padding_mask=kpm, need_weights=False)


def test_init_and_float32() -> None:
    dg.manual_seed(0)
    m = nn.MultiheadAttention(16, 4)
    assert m.in_proj_weight.dtype == np.float32 and m.head_dim == 4
    bound = math.sqrt(6 / (16 + 48))  # xavier_uniform on the packed (3E, E) matrix
    assert np.abs(m.in_proj_weight.data).max() <= bound
    assert np.abs(m.in_proj_weight.data).max() > 0.9 * bound
    assert np.all(m.in_proj_bias.data == 0) and np.all(m.out_proj.bias.data == 0)
    x = dg.Tensor(np.random.default_rng(0).standard_normal((5, 2, 16)).astype(np.float32),
                  requires_grad=True)
    out, w = m(x, x, x)
    assert out.dtype == np.float32 and w.shape == (2, 5, 5)
    np.testing.assert_allclose(w.data.sum(-1), 1, rtol=1e-6)
    out.sum().backward()
    assert m.in_proj_weight.grad.dtype == np.float32


def test_gradcheck() -> None:
    m = nn.MultiheadAttention(4, 2, dtype=np.float64, add_bias_kv=True)
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((3, 2, 4)), rng.standard_normal((4, 2, 4))
    dg.gradcheck(lambda a, b: m(a, b, b)[0], q, k)


def test_errors() -> None:
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(E, H)
    x = dg.Tensor(np.zeros((L, N, E), np.float32))
    with pytest.raises(ValueError, match="expecting query embedding dimension of 8"):
        m(dg.Tensor(np.zeros((L, N, 6), np.float32)), x, x)
    with pytest.raises(ValueError, match="2D attn_mask"):
        m(x, x, x, attn_mask=np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="key_padding_mask of shape"):
        m(x, x, x, key_padding_mask=np.zeros((N, L + 1), bool))
