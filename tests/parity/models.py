"""Shared machinery of tests/test_model_parity.py: twin models, dropout-mask replay, optimizers.

Each model is built twice with the same architecture, once from ``deepgrad.nn`` and once from
``torch.nn``; torch's ``state_dict`` is copied into deepgrad, then both are trained side by side.

Dropout: deepgrad draws its masks itself (its real ``nn.Dropout`` -> ``F.dropout`` -> ``_mask``
path, seeded through ``dg.manual_seed``); :func:`record_dropout_masks` wraps ``_mask`` to keep a
copy of every mask it returns, and the torch twin uses :class:`ReplayDropout`, which multiplies
by those masks in order (they already hold the 1 / (1 - p) scale). A deepgrad dropout that drew
no mask, or applied a different one than it returned, makes the comparison fail.
"""

from __future__ import annotations

import contextlib
import importlib
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

import deepgrad as dg
import deepgrad.nn as dnn
from deepgrad import optim

torch.set_num_threads(1)

_dropout_module = importlib.import_module("deepgrad.functional.dropout")


# ---------------------------------------------------------------------------- dropout replay
class MaskQueue:
    """Masks drawn by deepgrad's dropout, consumed first-in first-out by :class:`ReplayDropout`."""

    def __init__(self) -> None:
        self.pending: deque[np.ndarray] = deque()
        self.drawn: list[np.ndarray] = []  # every mask of the run, for checks on their values

    def push(self, mask: np.ndarray) -> None:
        self.pending.append(mask.copy())
        self.drawn.append(mask.copy())

    def pop(self, shape: tuple[int, ...]) -> np.ndarray:
        assert self.pending, "torch asked for a dropout mask that deepgrad never drew"
        m = self.pending.popleft()
        assert m.shape == shape, f"dropout mask of shape {m.shape} for an input of shape {shape}"
        return m


@contextlib.contextmanager
def record_dropout_masks(queue: MaskQueue) -> Iterator[MaskQueue]:
    """Within the block every mask deepgrad's ``F.dropout`` draws is also pushed on ``queue``."""
    original = _dropout_module._mask

    def recording_mask(*args: Any, **kwargs: Any) -> np.ndarray:
        m = original(*args, **kwargs)
        queue.push(m)
        return m

    _dropout_module._mask = recording_mask
    try:
        yield queue
    finally:
        _dropout_module._mask = original


class ReplayDropout(torch.nn.Module):
    """torch twin of ``nn.Dropout(p)``: in training, x * m with m the next mask deepgrad drew
    (m in {0, 1/(1-p)}); the identity in eval. No parameters or buffers, like nn.Dropout."""

    def __init__(self, p: float, queue: MaskQueue) -> None:
        super().__init__()
        self.p = p
        self.queue = queue

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        m = torch.from_numpy(self.queue.pop(tuple(x.shape)))
        assert m.dtype == x.dtype, f"mask dtype {m.dtype} for a {x.dtype} input"
        return x * m


# ---------------------------------------------------------------------------- models
IMAGE = (1, 10, 10)  # (C, H, W) of the CNN's input
N_CLASSES = 5
MLP_IN = 12


def mlp(lib: Any) -> Any:
    """12 -> 16 -> relu -> 16 -> tanh -> 5."""
    return lib.Sequential(
        lib.Linear(MLP_IN, 16),
        lib.ReLU(),
        lib.Linear(16, 16),
        lib.Tanh(),
        lib.Linear(16, N_CLASSES),
    )


def cnn(lib: Any, dropout: Callable[[float], Any]) -> Any:
    """conv3x3(1->4) - BN2d - relu - maxpool2 - dropout .25 - flatten - linear(100->16) - BN1d -
    relu - dropout .5 - linear(16->5), on 10x10 images.

    The conv and the linear that feed a BatchNorm have no bias: BatchNorm subtracts the batch
    mean, so that bias's gradient is exactly 0 in exact arithmetic and round-off noise (~1e-9)
    in float32, whose sign differs between libraries; Adam/Adagrad/RMSprop normalise it into a
    full-size step of arbitrary sign. (It is also the usual practice: the bias is redundant.)
    """
    return lib.Sequential(
        lib.Conv2d(IMAGE[0], 4, 3, padding=1, bias=False),
        lib.BatchNorm2d(4),
        lib.ReLU(),
        lib.MaxPool2d(2),
        dropout(0.25),
        lib.Flatten(),
        lib.Linear(4 * 5 * 5, 16, bias=False),
        lib.BatchNorm1d(16),
        lib.ReLU(),
        dropout(0.5),
        lib.Linear(16, N_CLASSES),
    )


class DgSeqModel(dnn.Module):
    """Stacked bidirectional LSTM/GRU, then a Linear head on every time step."""

    def __init__(self, kind: str, batch_first: bool, n_in: int, hidden: int) -> None:
        super().__init__()
        self.rnn = getattr(dnn, kind)(
            n_in, hidden, num_layers=2, bidirectional=True, batch_first=batch_first
        )
        self.head = dnn.Linear(2 * hidden, N_CLASSES)

    def forward(self, x: dg.Tensor) -> tuple:
        out, state = self.rnn(x)
        return (self.head(out),) + (tuple(state) if isinstance(state, tuple) else (state,))


class TorchSeqModel(torch.nn.Module):
    def __init__(self, kind: str, batch_first: bool, n_in: int, hidden: int) -> None:
        super().__init__()
        self.rnn = getattr(torch.nn, kind)(
            n_in, hidden, num_layers=2, bidirectional=True, batch_first=batch_first
        )
        self.head = torch.nn.Linear(2 * hidden, N_CLASSES)

    def forward(self, x: torch.Tensor) -> tuple:
        out, state = self.rnn(x)
        return (self.head(out),) + (tuple(state) if isinstance(state, tuple) else (state,))


def randomize_batchnorm(tmodel: torch.nn.Module) -> None:
    """Non-trivial affine parameters and running statistics (defaults are 1, 0, 0, 1)."""
    with torch.no_grad():
        for m in tmodel.modules():
            if isinstance(m, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)


def copy_into(dmodel: Any, tmodel: torch.nn.Module) -> None:
    """The issue's recipe: torch's state_dict, as NumPy arrays, loaded strictly into deepgrad."""
    dmodel.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})


# ---------------------------------------------------------------------------- optimizers
# (deepgrad class, torch class, kwargs). Learning rates are sized so that 3 steps move every
# parameter well beyond the comparison tolerance.
OPTIMIZERS: dict[str, tuple[type, type, dict]] = {
    "sgd": (optim.SGD, torch.optim.SGD, dict(lr=0.1)),
    "sgd_momentum": (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    "sgd_nesterov": (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    "sgd_weight_decay": (optim.SGD, torch.optim.SGD, dict(lr=0.1, weight_decay=0.1)),
    "adagrad": (optim.Adagrad, torch.optim.Adagrad, dict(lr=0.05)),
    "rmsprop": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005)),
    "rmsprop_momentum": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005, momentum=0.9)),
    "rmsprop_centered": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005, centered=True)),
    "adam": (optim.Adam, torch.optim.Adam, dict(lr=0.01)),
    "adam_amsgrad": (optim.Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
    "adamw": (optim.AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    "adamax": (optim.Adamax, torch.optim.Adamax, dict(lr=0.02)),
}
FLOAT32_EPS = 1e-3


def optimizer_kwargs(name: str, dtype: str) -> dict:
    """The case's kwargs; in float32 the adaptive optimizers get eps = 1e-3 (defaults in float64).

    An adaptive step divides g by about |g| + eps (RMSprop: sqrt(1 - alpha) |g| + eps), so its
    sensitivity to g is eps / (|g| + eps)^2: an entry with |g| near eps receives the round-off of
    its gradient, delta ~ 1e-7 * max|g| over the tensor (~2e-8 here), almost undamped, a step
    error of up to ~lr * delta / (4 eps). With the default eps = 1e-8 that is ~1e-3 for the few
    entries whose gradient happens to be ~1e-7, and 1e-5 to 1e-4 for eps = 1e-6: measured on
    these models, torch's float32 run itself is that far from its own float64 run, and deepgrad's
    float32 run is as far, in other places. eps = 1e-3 keeps every float32 step well conditioned
    (error < ~1e-6); the float64 runs test the default eps, where delta ~ 1e-17 is harmless.
    """
    kw = dict(OPTIMIZERS[name][2])
    if dtype == "float32" and OPTIMIZERS[name][0] is not optim.SGD:
        kw["eps"] = FLOAT32_EPS
    return kw


# ---------------------------------------------------------------------------- comparisons
def tolerances(dtype: str) -> tuple[float, float]:
    """(rtol, atol) for values of order 1: float32 ~ 1e-5 relative, float64 ~ 1e-10."""
    return (1e-5, 1e-6) if dtype == "float32" else (1e-10, 1e-12)


# float32 fallback: deepgrad's max error over the tensor against the float64 reference may be at
# most this multiple of torch's (plus atol).
ACCURACY_FACTOR = 3.0
fallbacks: list[str] = []  # the comparisons decided by the fallback (for the report)


def _np(x: Any) -> np.ndarray:
    if isinstance(x, dg.Tensor):
        return x.data
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_close(
    a: Any, b: Any, dtype: str, what: str, scale: float = 1.0, ref: Any = None
) -> None:
    """``a`` (deepgrad) == ``b`` (torch) in value, shape and dtype.

    float32 with ``ref`` (the same computation in float64 from the same float32 data): where
    ``a`` and ``b`` differ by more than the tolerance, float32 itself cannot resolve the value
    to 1e-5 (adaptive optimizers turn the relative round-off of a small gradient into a
    parameter-sized step); then deepgrad must be about as accurate as torch:
    max|a - ref| <= ACCURACY_FACTOR * max|b - ref| + atol over the tensor.
    """
    a_np, b_np = _np(a), _np(b)
    assert a_np.shape == b_np.shape, f"{what}: shape {a_np.shape} != torch {b_np.shape}"
    if b_np.dtype.kind == "f":
        assert a_np.dtype == np.dtype(dtype), f"{what}: dtype {a_np.dtype}, expected {dtype}"
    rtol, atol = tolerances(dtype)
    magnitude = float(np.abs(b_np).max()) if b_np.size and b_np.dtype.kind == "f" else 0.0
    rtol, atol = rtol * scale, atol * scale * max(1.0, magnitude)  # atol: of the tensor's scale
    if ref is None or np.allclose(a_np, b_np, rtol=rtol, atol=atol):
        np.testing.assert_allclose(a_np, b_np, rtol=rtol, atol=atol, err_msg=what)
        return
    r = _np(ref).astype(np.float64)
    err_dg = np.abs(a_np.astype(np.float64) - r).max()
    err_torch = np.abs(b_np.astype(np.float64) - r).max()
    fallbacks.append(f"{what}: max error vs float64 deepgrad {err_dg:.2e}, torch {err_torch:.2e}")
    assert err_dg <= ACCURACY_FACTOR * err_torch + atol, (
        f"{what}: deepgrad differs from torch by {np.abs(a_np - b_np).max():.2e} and is less "
        f"accurate: max error against the float64 result {err_dg:.2e}, torch's {err_torch:.2e}"
    )


def assert_grads_close(
    dmodel: Any, tmodel: torch.nn.Module, dtype: str, when: str, ref: Any = None
) -> None:
    """Every parameter gradient, by name; both sides must have exactly the same names."""
    tparams = dict(tmodel.named_parameters())
    dparams = dict(dmodel.named_parameters())
    rparams = dict(ref.named_parameters()) if ref is not None else {}
    assert list(dparams) == list(tparams), f"parameter names {list(dparams)} != {list(tparams)}"
    for name, p in dparams.items():
        tg = tparams[name].grad
        assert tg is not None and p.grad is not None, f"{when}: no gradient for {name}"
        assert np.abs(tg.numpy()).max() > 0, f"{when}: torch gradient of {name} is all zero"
        rg = rparams[name].grad if rparams else None
        assert_close(p.grad, tg, dtype, f"{when}: gradient of {name}", scale=10.0, ref=rg)


def assert_state_close(
    dmodel: Any, tmodel: torch.nn.Module, dtype: str, when: str, ref: Any = None
) -> None:
    """Every entry of the state_dicts (parameters and BatchNorm running statistics)."""
    dsd, tsd = dmodel.state_dict(), tmodel.state_dict()
    rsd = ref.state_dict() if ref is not None else {}
    assert list(dsd) == list(tsd), f"state_dict keys {list(dsd)} != {list(tsd)}"
    for k, v in tsd.items():
        if v.dtype == torch.int64:  # num_batches_tracked
            assert int(np.asarray(dsd[k])) == int(v), f"{when}: {k} {dsd[k]} != {int(v)}"
        else:
            assert_close(dsd[k], v, dtype, f"{when}: {k}", ref=rsd.get(k))
