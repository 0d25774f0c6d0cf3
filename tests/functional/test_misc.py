"""cosine_similarity, embedding, one_hot and dropout: PyTorch parity, gradcheck, statistics."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from parity import check, randn


# ---------------------------------------------------------------- cosine_similarity
@pytest.mark.parametrize(
    "s1,s2,dim",
    [
        ((4, 5), (4, 5), 1),
        ((4, 5), (4, 5), 0),
        ((1, 3), (1, 3), 1),
        ((5,), (5,), 0),
        ((2, 3, 4), (2, 3, 4), -1),
        ((2, 3, 4), (3, 4), 1),  # broadcasting
        ((4, 1), (1, 3), 0),
    ],
)
def test_cosine_similarity(s1, s2, dim):
    check(
        lambda a, b: F.cosine_similarity(a, b, dim=dim),
        lambda a, b: TF.cosine_similarity(a, b, dim=dim),
        [randn(*s1, seed=1), randn(*s2, seed=2)],
    )


def test_cosine_similarity_noncontiguous_and_eps_clamp():
    check(
        F.cosine_similarity,
        TF.cosine_similarity,
        [randn(5, 3), randn(5, 3, seed=4)],
        noncontiguous=True,
    )
    # tiny vectors: the norms are clamped at eps (no gradient through the clamp, as PyTorch)
    a = randn(3, 4, seed=1) * np.array([[1e-3], [1.0], [0.0]], np.float32)
    b = randn(3, 4, seed=2)
    check(
        lambda x, y: F.cosine_similarity(x, y, dim=1, eps=0.1),
        lambda x, y: TF.cosine_similarity(x, y, dim=1, eps=0.1),
        [a, b],
        gradcheck=False,  # the clamp makes autodiff differ from finite differences by design
    )


def test_cosine_similarity_errors():
    with pytest.raises(ValueError, match="cosine_similarity: x1 of shape"):
        F.cosine_similarity(dg.Tensor(randn(3, 4)), dg.Tensor(randn(3, 5)))
    with pytest.raises(IndexError, match="dim 2"):
        F.cosine_similarity(dg.Tensor(randn(3, 4)), dg.Tensor(randn(3, 4)), dim=2)


# ---------------------------------------------------------------- embedding
@pytest.mark.parametrize("idx_shape", [(), (1,), (7,), (3, 5), (2, 3, 4)])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding(idx_shape, padding_idx):
    idx = np.random.default_rng(0).integers(0, 6, size=idx_shape)
    if idx.size > 1:
        idx.reshape(-1)[:2] = 2  # repeated rows accumulate; row 2 may be padding
    check(
        lambda w, i: F.embedding(i, w, padding_idx=padding_idx),
        lambda w, i: TF.embedding(i, w, padding_idx=padding_idx),
        [randn(6, 4, seed=1), idx],
        gradcheck=padding_idx is None,  # the padding row's zero gradient is by design
    )


def test_embedding_scale_grad_by_freq_and_max_norm():
    idx = np.array([[0, 1, 1], [3, 1, 0]])
    check(
        lambda w, i: F.embedding(i, w, scale_grad_by_freq=True),
        lambda w, i: TF.embedding(i, w, scale_grad_by_freq=True),
        [randn(5, 3, seed=2), idx],
        gradcheck=False,  # dividing by the frequency is by design not the true derivative
    )
    w = randn(5, 3, seed=3) * 3
    wd, wt = dg.Tensor(w.copy()), torch.tensor(w.copy())
    out_d = F.embedding(dg.Tensor(idx), wd, max_norm=1.0)
    with torch.no_grad():
        out_t = TF.embedding(torch.from_numpy(idx), wt, max_norm=1.0)
    np.testing.assert_allclose(out_d.data, out_t.numpy(), rtol=1e-6)
    np.testing.assert_allclose(wd.data, wt.numpy(), rtol=1e-6)  # the table was renormalized
    assert np.all(np.linalg.norm(wd.data[[0, 1, 3]], axis=1) <= 1.0 + 1e-6)


def test_embedding_large_scatter_matches_add_at():
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 50, size=(16, 40))
    w = dg.Tensor(randn(50, 8), requires_grad=True)
    up = randn(16, 40, 8, seed=3)
    (F.embedding(dg.Tensor(idx), w) * dg.Tensor(up)).sum().backward()
    ref = np.zeros((50, 8), np.float32)
    np.add.at(ref, idx.reshape(-1), up.reshape(-1, 8))
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad, ref, rtol=1e-5, atol=1e-5)


def test_embedding_errors():
    w = dg.Tensor(randn(4, 2))
    with pytest.raises(IndexError, match=r"embedding: index 4 is out of range for a table of 4"):
        F.embedding(dg.Tensor(np.array([0, 4])), w)
    with pytest.raises(TypeError, match="embedding: indices must be integers"):
        F.embedding(dg.Tensor(np.array([0.0, 1.0])), w)
    with pytest.raises(ValueError, match="weight must be 2-D"):
        F.embedding(dg.Tensor(np.array([0])), dg.Tensor(randn(4)))


# ---------------------------------------------------------------- one_hot
@pytest.mark.parametrize("shape,num_classes", [((5,), -1), ((5,), 7), ((2, 3), 4), ((), 3)])
def test_one_hot(shape, num_classes):
    idx = np.random.default_rng(1).integers(0, 3, size=shape)
    got = F.one_hot(dg.Tensor(idx), num_classes)
    want = TF.one_hot(torch.from_numpy(np.asarray(idx)), num_classes).numpy()
    assert got.dtype == np.int64 and not got.requires_grad
    np.testing.assert_array_equal(got.data, want)


def test_one_hot_errors():
    with pytest.raises(
        ValueError, match="one_hot: class value 3 is out of range for num_classes=3"
    ):
        F.one_hot(dg.Tensor(np.array([0, 3])), 3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(dg.Tensor(np.array([0, -1])))
    with pytest.raises(TypeError, match="one_hot: indices must be integers"):
        F.one_hot(dg.Tensor(np.array([0.0])))


# ---------------------------------------------------------------- dropout
def test_dropout_statistics_and_scaling():
    dg.manual_seed(0)
    x = dg.Tensor(np.ones((400, 500), np.float32))
    for p in (0.1, 0.5, 0.8):
        y = F.dropout(x, p).data
        kept = y != 0
        assert y.dtype == np.float32
        # fraction dropped ~ p: std of the fraction is sqrt(p(1-p)/200000) < 0.0012
        assert abs(1 - kept.mean() - p) < 0.006, p
        np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)  # inverted dropout
        assert abs(y.mean() - 1) < 0.02  # E[out] = x


def test_dropout_backward_uses_the_same_mask():
    dg.manual_seed(1)
    x = dg.Tensor(randn(50, 40) + 3, requires_grad=True)
    y = F.dropout(x, 0.4)
    up = randn(50, 40, seed=5)
    (y * dg.Tensor(up)).sum().backward()
    mask = y.data / x.data  # 0 or 1/(1-p)
    np.testing.assert_allclose(np.unique(np.round(mask, 5)), [0, round(1 / 0.6, 5)], rtol=1e-5)
    np.testing.assert_allclose(x.grad, up * mask, rtol=1e-5)
    assert x.grad.dtype == np.float32


def test_dropout_edge_cases_and_rng():
    x = dg.Tensor(randn(6, 7), requires_grad=True)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.7, training=False) is x
    y = F.dropout(x, 1.0)
    assert np.all(y.data == 0)
    y.sum().backward()
    assert np.all(x.grad == 0)
    a = F.dropout(x, 0.5, rng=np.random.default_rng(3)).data
    b = F.dropout(x, 0.5, rng=np.random.default_rng(3)).data
    np.testing.assert_array_equal(a, b)
    dg.manual_seed(7)
    c = F.dropout(x, 0.5).data
    dg.manual_seed(7)
    np.testing.assert_array_equal(c, F.dropout(x, 0.5).data)
    with pytest.raises(ValueError, match=r"dropout: dropout probability p must be in \[0, 1\]"):
        F.dropout(x, 1.5)
    x64 = dg.Tensor(randn(3, 3).astype(np.float64))
    assert F.dropout(x64, 0.5).dtype == np.float64


def test_dropout2d_zeroes_whole_channels():
    dg.manual_seed(2)
    x = dg.Tensor(np.ones((8, 16, 5, 5), np.float32), requires_grad=True)
    y = F.dropout2d(x, 0.5)
    per_channel = y.data.reshape(8, 16, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # each map all-zero or all-2
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        assert F.dropout2d(dg.Tensor(np.ones((3, 4, 4), np.float32)), 0.5).shape == (3, 4, 4)
    with pytest.raises(ValueError, match="dropout2d: expected a 4-D"):
        F.dropout2d(dg.Tensor(np.ones((3,), np.float32)))
