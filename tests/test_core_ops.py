"""Parity and gradient checks for the core tensor ops: arithmetic, reductions, shapes."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from parity import away_from_kinks, check, randn

BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((1,), (5, 2)), ((), (2, 3))]


@pytest.mark.parametrize("sa,sb", BROADCAST)
@pytest.mark.parametrize(
    "op",
    [
        (lambda a, b: a + b),
        (lambda a, b: a - b),
        (lambda a, b: a * b),
        (lambda a, b: a / (b * b + 1)),
        (lambda a, b: (a * a + 1) ** b),
    ],
)
def test_binary_broadcasting(op, sa, sb):
    check(op, op, [randn(*sa, seed=1), randn(*sb, seed=2)])


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3, 4), (4, 5)),
        ((4,), (4, 2)),
        ((3, 4), (4,)),
        ((4,), (4,)),
        ((2, 3, 4), (4, 5)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((1, 4), (4, 1)),
    ],
)
def test_matmul(sa, sb):
    check(lambda a, b: a @ b, lambda a, b: a @ b, [randn(*sa, seed=1), randn(*sb, seed=2)])


def test_matmul_noncontiguous():
    check(
        lambda a, b: dg.matmul(a, b),
        torch.matmul,
        [randn(5, 4), randn(4, 6, seed=3)],
        noncontiguous=True,
    )


@pytest.mark.parametrize(
    "name,make",
    [
        ("exp", lambda: randn(3, 4)),
        ("log", lambda: np.abs(randn(3, 4)) + 0.5),
        ("sqrt", lambda: np.abs(randn(3, 4)) + 0.5),
        ("abs", lambda: away_from_kinks(3, 4)),
        ("sin", lambda: randn(5)),
        ("cos", lambda: randn(2, 2, 2)),
        ("reciprocal", lambda: np.abs(randn(4)) + 0.5),
    ],
)
def test_unary(name, make):
    check(
        lambda x: getattr(dg, name, None)(x) if hasattr(dg, name) else getattr(x, name)(),
        lambda x: getattr(torch, name)(x),
        [make()],
    )


def test_clip_where_max_min():
    x = away_from_kinks(4, 5)
    check(lambda a: dg.clip(a, -0.5, 0.7), lambda a: torch.clamp(a, -0.5, 0.7), [x])
    cond = randn(4, 5, seed=4) > 0
    check(
        lambda a, b: dg.where(cond, a, b),
        lambda a, b: torch.where(torch.from_numpy(cond), a, b),
        [randn(4, 5), randn(5, seed=2)],
    )
    check(lambda a, b: dg.maximum(a, b), torch.maximum, [randn(3, 4), randn(4, seed=5)])
    check(lambda a, b: dg.minimum(a, b), torch.minimum, [randn(3, 4), randn(3, 1, seed=5)])


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions(dim, keepdim):
    x = randn(3, 4, 5)
    for name in ["sum", "mean", "amax", "amin", "logsumexp"]:
        tdim = tuple(range(3)) if dim is None else dim
        if name == "logsumexp" and dim is None:
            check(lambda a: a.logsumexp(), lambda a: torch.logsumexp(a.reshape(-1), 0), [x])
            continue
        check(
            lambda a, n=name: getattr(a, n)(dim, keepdim),
            lambda a, n=name, td=tdim: getattr(torch, n)(a, td, keepdim),
            [x],
        )
    for correction in (0, 1):
        check(
            lambda a, c=correction: a.var(dim, correction=c, keepdim=keepdim),
            lambda a, c=correction: torch.var(a, dim, correction=c, keepdim=keepdim),
            [x],
        )
        check(
            lambda a, c=correction: a.std(dim, correction=c, keepdim=keepdim),
            lambda a, c=correction: torch.std(a, dim, correction=c, keepdim=keepdim),
            [x],
        )


def test_max_ties_share_gradient():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], np.float32)
    check(lambda a: a.max(), lambda a: torch.amax(a, (0, 1)), [x], gradcheck=False)
    check(lambda a: a.amax(1), lambda a: torch.amax(a, 1), [x], gradcheck=False)


def test_logsumexp_stable_for_huge_logits():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1e30]], np.float32)
    out = dg.tensor(x).logsumexp(1).numpy()
    np.testing.assert_allclose(out, torch.logsumexp(torch.from_numpy(x), 1).numpy())
    assert np.all(np.isfinite(out))


def test_shape_ops():
    x = randn(2, 3, 4)
    check(lambda a: a.reshape(6, 4), lambda a: a.reshape(6, 4), [x])
    check(lambda a: a.reshape(-1), lambda a: a.reshape(-1), [x])
    check(lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), [x])
    check(lambda a: a.permute(1, 2, 0), lambda a: a.permute(1, 2, 0), [x])
    check(lambda a: a.flatten(1), lambda a: a.flatten(1), [x])
    check(lambda a: a.unsqueeze(1).squeeze(1), lambda a: a.unsqueeze(1).squeeze(1), [x])
    check(lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1), [x])
    check(lambda a: a.reshape(2, 1, 12).squeeze(), lambda a: a.reshape(2, 1, 12).squeeze(), [x])
    check(lambda a: a.expand(5, 2, 3, 4), lambda a: a.expand(5, 2, 3, 4), [x])
    check(lambda a: a[:, :1].expand(-1, 3, -1), lambda a: a[:, :1].expand(-1, 3, -1), [x])
    check(lambda a: a.T, lambda a: a.permute(2, 1, 0), [x])
    check(lambda a: a.repeat(2, 1, 3), lambda a: a.repeat(2, 1, 3), [x])
    check(lambda a: a.repeat(2, 1, 1, 3), lambda a: a.repeat(2, 1, 1, 3), [x])


def test_cat_stack_split():
    a, b, c = randn(2, 3), randn(4, 3, seed=1), randn(2, 3, seed=2)
    check(lambda x, y: dg.cat([x, y], 0), lambda x, y: torch.cat([x, y], 0), [a, b])
    check(lambda x, z: dg.cat([x, z], 1), lambda x, z: torch.cat([x, z], 1), [a, c])
    check(lambda x, z: dg.stack([x, z], 1), lambda x, z: torch.stack([x, z], 1), [a, c])
    check(lambda y: dg.split(y, 3, 0), lambda y: torch.split(y, 3, 0), [b])
    check(lambda y: dg.split(y, [1, 3], 0), lambda y: torch.split(y, [1, 3], 0), [b])
    check(lambda y: y.chunk(3, 0), lambda y: y.chunk(3, 0), [randn(7, 2)])


def test_indexing():
    x = randn(5, 4, 3)
    idx = np.array([0, 2, 2, 4])
    mask = randn(5, 4, seed=7) > 0
    cases = [
        (lambda a: a[1], lambda a: a[1]),
        (lambda a: a[1:4, ::2], lambda a: a[1:4, ::2]),
        (lambda a: a[..., -1], lambda a: a[..., -1]),
        (lambda a: a[None, :, 1], lambda a: a[None, :, 1]),
        (lambda a: a[idx], lambda a: a[torch.from_numpy(idx)]),
        (lambda a: a[idx, 1:3], lambda a: a[torch.from_numpy(idx), 1:3]),
        (
            lambda a: a[idx, idx[::-1] % 4],
            lambda a: a[torch.from_numpy(idx), torch.from_numpy(idx[::-1] % 4)],
        ),
        (lambda a: a[mask], lambda a: a[torch.from_numpy(mask)]),
        (lambda a: a[dg.tensor(idx)], lambda a: a[torch.from_numpy(idx)]),
    ]
    for f, g in cases:
        check(f, g, [x])


def test_gather():
    x = randn(4, 5)
    idx = np.random.default_rng(0).integers(0, 5, size=(4, 3))
    check(lambda a, i: dg.gather(a, 1, i), lambda a, i: torch.gather(a, 1, i), [x, idx])
    idx0 = np.random.default_rng(1).integers(0, 4, size=(2, 5))
    check(lambda a, i: a.gather(0, i), lambda a, i: torch.gather(a, 0, i), [x, idx0])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(mode):
    x = randn(2, 3, 4, 5)
    pads = (1, 2, 2, 1)
    check(
        lambda a: dg.functional.pad(a, pads, mode),
        lambda a: torch.nn.functional.pad(a, pads, mode),
        [x],
    )


def test_single_elements_and_batch_one():
    check(lambda a, b: (a * b).sum(), lambda a, b: (a * b).sum(), [randn(1), randn(1, seed=2)])
    check(lambda a, b: a @ b, lambda a, b: a @ b, [randn(1, 7), randn(7, 3)])
    check(lambda a: a.mean(), lambda a: a.mean(), [randn(1, 1)])


@pytest.mark.parametrize("xs", [(4, 3), (1, 3), (2, 5, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(xs, bias):
    import deepgrad.functional as F

    args = [randn(*xs), randn(6, 3, seed=1)] + ([randn(6, seed=2)] if bias else [])
    check(lambda *a: F.linear(*a), lambda *a: torch.nn.functional.linear(*a), args)
