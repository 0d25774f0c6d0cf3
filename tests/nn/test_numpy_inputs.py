"""NumPy arrays into layers and ops (issue 23): accepted as constants, the same result as Tensors,
never "'numpy.ndarray' object has no attribute 'requires_grad'"."""

import types

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn

RNG = np.random.default_rng(0)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _leaves(out):
    if isinstance(out, tuple | list):
        return [x for o in out for x in _leaves(o)]
    return [out]


def _same(a, b):
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        assert isinstance(x, dg.Tensor) == isinstance(y, dg.Tensor)
        xa = x.data if isinstance(x, dg.Tensor) else np.asarray(x)
        ya = y.data if isinstance(y, dg.Tensor) else np.asarray(y)
        assert xa.dtype == ya.dtype
        np.testing.assert_array_equal(xa, ya)


# ---------------------------------------------------------------- layers
def test_layers_and_models_take_arrays():
    x = f32(4, 3, 8, 8)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 5))
    model.eval()
    out = model(x)
    assert isinstance(out, dg.Tensor) and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, model(dg.tensor(x)).data)


def test_arrays_take_the_model_dtype_like_keras():
    lin = nn.Linear(3, 2)
    assert lin(f32(2, 3).astype(np.float64)).dtype == np.float32  # float64 array, float32 model
    lin.double()
    assert lin(f32(2, 3)).dtype == np.float64
    dense = nn.Sequential(nn.Dense(4, activation="relu"), nn.Dense(2))  # lazy: built at the call
    assert dense(f32(5, 3).astype(np.float64)).dtype == np.float32
    assert nn.ReLU()(np.array([-1.0, 2.0])).dtype == np.float32


def test_integer_arrays_stay_integers_and_kwargs_are_converted():
    emb = nn.Embedding(10, 3)
    ids = np.array([[1, 2, 9]])
    np.testing.assert_array_equal(emb(ids).data, emb(dg.tensor(ids)).data)
    loss = nn.CrossEntropyLoss()
    logits = f32(3, 4)
    assert loss(logits, np.array([0, 3, 1])).item() == pytest.approx(
        torch.nn.CrossEntropyLoss()(torch.tensor(logits), torch.tensor([0, 3, 1])).item(),
        rel=1e-6)
    lstm = nn.LSTM(3, 4, batch_first=True)
    x = f32(2, 5, 3)
    _same(lstm(input=x), lstm(input=dg.tensor(x)))


def test_gradients_still_reach_the_parameters():
    lin = nn.Linear(3, 1)
    lin(f32(4, 3)).sum().backward()
    assert lin.weight.grad is not None and lin.weight.grad.shape == (1, 3)


# ---------------------------------------------------------------- functional ops
X, W, A4 = f32(3, 4), f32(2, 4), f32(2, 3, 6, 6)
POS = np.abs(f32(3, 4)) + 0.1
PROB = 1 / (1 + np.exp(-f32(3, 4)))
SEQ, H = f32(5, 2, 3), f32(2, 4)
WIH, WHH = f32(4, 3), f32(4, 4)
LABELS = np.array([0, 3, 1])
CALLS = {
    "abs": (X,), "add": (X, X), "sub": (X, POS), "mul": (X, X), "div": (X, POS), "neg": (X,),
    "pow": (POS, X), "exp": (X,), "log": (POS,), "sqrt": (POS,), "square": (X,), "sin": (X,),
    "cos": (X,), "reciprocal": (POS,), "sign": (X,), "clip": (X, -0.5, 0.5),
    "clamp": (X, -0.5, 0.5), "maximum": (X, POS), "minimum": (X, POS), "matmul": (X, X.T),
    "mm": (X, X.T), "bmm": (A4[0], A4[0].transpose(0, 2, 1)), "cast": (X, np.float64),
    "where": (X > 0, X, POS), "sum": (X, 1), "mean": (X,), "max": (X, 1), "min": (X,),
    "amax": (X, 0), "amin": (X, 1), "argmax": (X, 1), "argmin": (X,), "var": (X, 1),
    "std": (X,), "logsumexp": (X, 1), "norm": (X, 1), "sort": (X,), "argsort": (X, 0),
    "topk": (X, 2), "einsum": ("ij,kj->ik", X, W), "reshape": (X, -1), "view": (X, 2, 6),
    "transpose": (X, 0, 1), "permute": (X, 1, 0), "flatten": (A4, 1), "squeeze": (X[None],),
    "unsqueeze": (X, 0), "expand": (X[:1], 3, 4), "repeat": (X, 2, 1), "cat": ([X, X], 1),
    "concatenate": ([X, X],), "stack": ([X, X],), "split": (X, 2, 1), "chunk": (X, 2),
    "gather": (X, 1, np.array([[0], [3], [1]])), "pad": (X, (1, 2)),
    "relu": (X,), "relu6": (X,), "hardtanh": (X,), "leaky_relu": (X, 0.1), "elu": (X,),
    "sigmoid": (X,), "tanh": (X,),
    "softplus": (X,), "gelu": (X,), "silu": (X,), "softmax": (X, 1), "log_softmax": (X, 1),
    "linear": (X, W, f32(2)), "conv1d": (A4[:, :, 0], f32(2, 3, 3)),
    "conv2d": (A4, f32(2, 3, 3, 3)),
    "conv_transpose1d": (A4[:, :, 0], f32(3, 2, 3)), "conv_transpose2d": (A4, f32(3, 2, 3, 3)),
    "max_pool2d": (A4, 2), "avg_pool2d": (A4, 2), "adaptive_avg_pool2d": (A4, 1),
    "batch_norm": (A4, None, None, f32(3), f32(3), True), "layer_norm": (X, 4),
    "group_norm": (A4, 3), "dropout": (X, 0.0), "dropout2d": (A4, 0.0),
    "embedding": (np.array([[0, 2]]), X), "one_hot": (LABELS,), "cosine_similarity": (X, POS),
    "cross_entropy": (X, LABELS), "nll_loss": (F.log_softmax(dg.tensor(X), 1).data, LABELS),
    "focal_loss": (X, LABELS), "mse_loss": (X, POS), "l1_loss": (X, POS),
    "smooth_l1_loss": (X, POS), "huber_loss": (X, POS), "hinge_loss": (X, np.sign(POS)),
    "binary_cross_entropy": (PROB, (POS > 0.8).astype(np.float32)),
    "binary_cross_entropy_with_logits": (X, (POS > 0.8).astype(np.float32)),
    "sigmoid_focal_loss": (X, (POS > 0.8).astype(np.float32)),
    "rnn_tanh": (SEQ, H, WIH, WHH), "rnn_relu": (SEQ, H, WIH, WHH),
    "rnn_tanh_cell": (SEQ[0], H, WIH, WHH), "rnn_relu_cell": (SEQ[0], H, WIH, WHH),
    "gru": (SEQ, H, f32(12, 3), f32(12, 4)), "gru_cell": (SEQ[0], H, f32(12, 3), f32(12, 4)),
    "lstm": (SEQ, H, H, f32(16, 3), f32(16, 4)),
    "lstm_cell": (SEQ[0], H, H, f32(16, 3), f32(16, 4)),
    "lengths_to_mask": (np.array([3, 1]),),
    "interpolate": (A4, None, 2.0), "upsample": (A4, None, 2), "upsample_nearest": (A4, None, 2),
    "upsample_bilinear": (A4, None, 2),
    "scaled_dot_product_attention": (f32(2, 4, 5), f32(2, 6, 5), f32(2, 6, 3)),
}
_, POOL_IDX = F.max_pool2d(dg.tensor(A4), 2, return_indices=True)
CALLS["max_unpool2d"] = (F.max_pool2d(dg.tensor(A4), 2).data, POOL_IDX.data, 2)


def _as_tensors(args):
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(dg.tensor(a, dtype=a.dtype))
        elif isinstance(a, list):
            out.append([dg.tensor(v, dtype=v.dtype) for v in a])
        else:
            out.append(a)
    return out


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_op_takes_arrays_as_constants(name):
    fn = getattr(F, name)
    args = CALLS[name]
    with_arrays = fn(*args)
    with_tensors = fn(*_as_tensors(args))
    _same(with_arrays, with_tensors)


def test_every_public_op_is_covered_and_wrapped():
    ops = {n for n, v in vars(F).items() if isinstance(v, types.FunctionType)
           and not n.startswith("_")}
    assert ops - set(CALLS) == set(), "add the new ops to CALLS"
    for n in ops:
        assert getattr(getattr(F, n), "__accepts_arrays__", False), n
    assert dg.relu is F.relu and dg.sum is F.sum  # the top-level names are the wrapped ones
    assert F.plain.relu is F.relu.__wrapped__  # layers call the plain ops (given Tensors)


def test_float_arrays_take_the_tensor_dtype_and_state_is_updated_in_place():
    x = dg.tensor(f32(3, 4), requires_grad=True)
    y = F.mse_loss(x, POS.astype(np.float64))  # as x - array: a float32 graph stays float32
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32
    assert F.add(dg.tensor(X), np.ones(4)).dtype == np.float32
    assert F.relu(X.astype(np.float64)).dtype == np.float64  # arrays only: their own dtype
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    F.batch_norm(A4, rm, rv, training=True)  # running statistics: the caller's arrays updated
    assert np.all(rm != 0) and np.all(rv != 1)
    rm64 = np.zeros(3)
    F.batch_norm(dg.tensor(A4), rm64, np.ones(3), training=True)
    assert np.all(rm64 != 0)


def test_the_old_crash_message_is_gone():
    try:
        F.softmax(X, 1)
        nn.Linear(4, 2)(X)
        dg.exp(X)
    except AttributeError as e:  # pragma: no cover - the regression
        pytest.fail(f"NumPy input crashed: {e}")
