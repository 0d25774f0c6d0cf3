"""Keras' losses: ``loss = BinaryCrossentropy(); cost = loss(y_true, y_pred)`` (Keras' order).

Every class follows Keras 3's ``LossFunctionWrapper``:

1. ``squeeze_or_expand_to_same_rank(y_true, y_pred)``: when the ranks differ by one and the
   larger one ends in a dim of 1, the two are brought to the same rank, so a ``Dense(1)`` output
   (N, 1) meets labels (N,) sample by sample (never the N x N broadcast);
2. the loss of each sample, reduced over the last axis (``mean`` for the regression losses);
3. ``sample_weight`` (optional) multiplies the per-sample losses, then ``reduction``:
   ``'sum_over_batch_size'`` (the default, also ``'mean'``: sum / number of per-sample values),
   ``'mean_with_sample_weight'`` (sum / sum of the weights), ``'sum'``, or ``'none'``/None.

Probabilities are clipped to [eps, 1 - eps] with Keras' eps = 1e-7; ``from_logits=False`` is
Keras' default (the model ends with a sigmoid/softmax). Shapes that still differ after step 1
are an error (Keras would broadcast them silently). The PyTorch-named classes in
:mod:`deepgrad.nn.loss` keep PyTorch's ``(input, target)`` order and broadcasting.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor

__all__ = [
    "Loss", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Huber", "LogCosh", "Hinge", "SquaredHinge",
    "CategoricalHinge", "KLDivergence", "Poisson", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "squeeze_or_expand_to_same_rank",
]

EPSILON = 1e-7  # keras.backend.epsilon()
_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight", "sum", "none", None)


def _tensor(x: Any, dtype: np.dtype | None = None) -> Tensor:
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != dtype and not x.requires_grad:
            return Tensor(x.data.astype(dtype))
        return x
    arr = np.asarray(x)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return Tensor(arr, dtype=arr.dtype)


def _squeeze_last(x: Tensor) -> Tensor:
    return F.reshape(x, x.shape[:-1])


def _expand_last(x: Tensor) -> Tensor:
    return F.reshape(x, (*x.shape, 1))


def squeeze_or_expand_to_same_rank(x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    """Keras' rule: if the ranks differ by one and the larger tensor's last dim is 1, squeeze it
    (or, when the smaller one has rank 1, give that one a last dim of 1 instead)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        return (x1, _expand_last(x2)) if r2 == 1 else (_squeeze_last(x1), x2)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        return (_expand_last(x1), x2) if r1 == 1 else (x1, _squeeze_last(x2))
    return x1, x2


def _same_shape(name: str, t: Tensor, p: Tensor) -> None:
    if t.shape != p.shape:
        raise ValueError(
            f"{name}: y_true has shape {t.shape} and y_pred {p.shape}; Keras' losses take them "
            "sample by sample (a last dim of 1 on either side is squeezed), these cannot be paired"
        )


def _mean_last(x: Tensor) -> Tensor:
    return x if x.ndim == 0 else F.mean(x, dim=-1)


def _sum_last(x: Tensor) -> Tensor:
    return x if x.ndim == 0 else F.sum(x, dim=-1)


class Loss:
    """Base of Keras' losses: ``loss(y_true, y_pred, sample_weight=None)`` -> a Tensor.

    Subclasses define ``call(y_true, y_pred)`` returning the per-sample losses (the last axis
    reduced); ``get_config()`` gives the constructor arguments (``type(l)(**l.get_config())``
    rebuilds it).
    """

    keras_order = True  # called as loss(y_true, y_pred): model.fit passes the target first
    from_logits = False
    integer_targets = False  # y_true keeps its integer dtype (sparse labels)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None
                 ) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}"
            )
        self.reduction = reduction
        self.name = name or type(self).__dict__.get("default_name") or _snake(type(self).__name__)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_pred = _tensor(y_pred)
        if y_pred.dtype.kind != "f":
            y_pred = _tensor(y_pred, np.dtype(np.float32))
        y_true = _tensor(y_true, None if self.integer_targets else y_pred.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        values = self.call(y_true, y_pred)
        sw = None
        if sample_weight is not None:
            sw = _tensor(sample_weight, values.dtype)
            values, sw = squeeze_or_expand_to_same_rank(values, sw)
            if sw.ndim < values.ndim:
                sw = F.reshape(sw, sw.shape + (1,) * (values.ndim - sw.ndim))
            values = values * sw
        return self._reduce(values, sw)

    def _reduce(self, values: Tensor, sw: Tensor | None) -> Tensor:
        if self.reduction in ("none", None) or values.ndim == 0:
            return values
        total = F.sum(values)
        if self.reduction == "sum":
            return total
        if self.reduction == "mean_with_sample_weight" and sw is not None:
            denom = float(np.broadcast_to(sw.data, values.shape).sum())
        else:
            denom = float(values.numel())
        return total / denom if denom else total * 0.0

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _snake(name: str) -> str:
    out = ""
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper():
            out += "_"
        out += c.lower()
    return out


class MeanSquaredError(Loss):
    """Keras 'mse': per sample mean((y_true - y_pred)^2) over the last axis."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        d = y_pred - y_true
        return _mean_last(d * d)


class MeanAbsoluteError(Loss):
    """Keras 'mae': per sample mean(|y_true - y_pred|) over the last axis."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        return _mean_last(F.abs(y_pred - y_true))


class MeanAbsolutePercentageError(Loss):
    """Keras 'mape': 100 mean(|(y_true - y_pred) / max(|y_true|, eps)|)."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        denom = np.maximum(np.abs(y_true.data), EPSILON).astype(y_pred.dtype)
        return _mean_last(F.abs((y_true - y_pred) / Tensor(denom))) * 100.0


class MeanSquaredLogarithmicError(Loss):
    """Keras 'msle': mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2)."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        d = F.log(F.maximum(y_pred, EPSILON) + 1.0) - F.log(F.maximum(y_true, EPSILON) + 1.0)
        return _mean_last(d * d)


class Huber(Loss):
    """Keras 'huber': mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2), e = y_pred - y."""

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "huber_loss") -> None:
        super().__init__(reduction, name)
        self.delta = float(delta)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        return _mean_last(F.huber_loss(y_pred, y_true, reduction="none", delta=self.delta))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "delta": self.delta}


class LogCosh(Loss):
    """Keras 'log_cosh': mean(log(cosh(e))), computed as e + softplus(-2e) - log 2."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "log_cosh") -> None:
        super().__init__(reduction, name)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        e = y_pred - y_true
        return _mean_last(e + F.softplus(e * -2.0) - math.log(2.0))


def _hinge_labels(y_true: Tensor) -> Tensor:
    """Keras converts 0/1 labels to -1/1 (when every label is 0 or 1)."""
    t = y_true.data
    if t.size and np.all((t == 0) | (t == 1)):
        return Tensor(2 * t - 1)
    return y_true


class Hinge(Loss):
    """Keras 'hinge': mean(max(1 - y_true y_pred, 0)), labels -1/1 (0/1 are mapped to -1/1)."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        return _mean_last(F.relu(1.0 - _hinge_labels(y_true) * y_pred))


class SquaredHinge(Loss):
    """Keras 'squared_hinge': mean(max(1 - y_true y_pred, 0)^2), labels as Hinge."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        h = F.relu(1.0 - _hinge_labels(y_true) * y_pred)
        return _mean_last(h * h)


class CategoricalHinge(Loss):
    """Keras 'categorical_hinge': max(max_c (1 - t_c) p_c - sum_c t_c p_c + 1, 0), one-hot t."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        pos = _sum_last(y_true * y_pred)
        neg = F.amax((1.0 - y_true) * y_pred, dim=-1)
        return F.relu(neg - pos + 1.0)


class KLDivergence(Loss):
    """Keras 'kl_divergence': sum(t log(t / p)) over the last axis, t and p clipped to [eps, 1]."""

    default_name = "kl_divergence"

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        t = F.clamp(y_true, EPSILON, 1.0)
        p = F.clamp(y_pred, EPSILON, 1.0)
        return _sum_last(t * F.log(t / p))


class Poisson(Loss):
    """Keras 'poisson': mean(y_pred - y_true log(y_pred + eps))."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        return _mean_last(y_pred - y_true * F.log(y_pred + EPSILON))


class CosineSimilarity(Loss):
    """Keras 'cosine_similarity' (a loss: -cos(y_true, y_pred) along the last axis, each vector
    divided by max(||v||, eps)). Not exported from ``deepgrad.nn``, where the name is PyTorch's."""

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        tn = np.maximum(np.linalg.norm(y_true.data, axis=-1, keepdims=True), EPSILON)
        pn = F.clamp(F.sqrt(F.sum(y_pred * y_pred, dim=-1, keepdim=True)), EPSILON)
        return -_sum_last(Tensor((y_true.data / tn).astype(y_pred.dtype)) * (y_pred / pn))


class BinaryCrossentropy(Loss):
    """Keras 'binary_crossentropy': mean over the last axis of
    -(t log p + (1 - t) log(1 - p)), p = clip(y_pred, eps, 1 - eps) (``from_logits=False``) or
    p = sigmoid(y_pred) computed stably (``from_logits=True``). ``label_smoothing`` s:
    t <- t (1 - s) + s / 2."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "binary_crossentropy") -> None:
        super().__init__(reduction, name)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        _same_shape(self.name, y_true, y_pred)
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        if self.from_logits:
            bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
        else:
            p = F.clamp(y_pred, EPSILON, 1.0 - EPSILON)
            bce = -(y_true * F.log(p) + (1.0 - y_true) * F.log(1.0 - p))
        return _mean_last(bce)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


def sparse_labels(who: str, y_true: Any, pred_shape: tuple[int, ...]) -> np.ndarray:
    """Integer class labels of shape ``pred_shape[:-1]``; a trailing axis of 1 is dropped, as
    Keras's sparse losses and metrics do."""
    t = np.asarray(y_true)
    if t.ndim == len(pred_shape) and t.shape[-1:] == (1,):
        t = t[..., 0]
    if len(pred_shape) < 1 or t.shape != tuple(pred_shape[:-1]):
        raise ValueError(
            f"{who}: integer labels must have shape {tuple(pred_shape[:-1])} (y_pred "
            f"{tuple(pred_shape)} without its class axis), got {np.shape(y_true)}"
        )
    return t


def _log_probs(y_pred: Tensor, from_logits: bool) -> Tensor:
    if from_logits:
        return F.log_softmax(y_pred, -1)
    p = y_pred / F.sum(y_pred, dim=-1, keepdim=True)
    return F.log(F.clamp(p, EPSILON, 1.0 - EPSILON))


class CategoricalCrossentropy(Loss):
    """Keras 'categorical_crossentropy': -sum_c t_c log p_c over the last axis (classes last),
    one-hot/probability targets of y_pred's shape; p = clip(y_pred / sum y_pred, eps, 1 - eps)
    or softmax(y_pred) (``from_logits=True``). ``label_smoothing`` s: t <- t (1 - s) + s / C."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "categorical_crossentropy") -> None:
        super().__init__(reduction, name)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{self.name}: y_true {y_true.shape} must be one-hot of y_pred's shape "
                f"{y_pred.shape}; for integer labels use 'sparse_categorical_crossentropy'"
            )
        if self.label_smoothing:
            n = y_pred.shape[-1]
            y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / n
        return -_sum_last(y_true * _log_probs(y_pred, self.from_logits))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(Loss):
    """Keras 'sparse_categorical_crossentropy': -log p_{y} with integer labels y of shape
    y_pred.shape[:-1] (a trailing dim of 1 is squeezed), classes on the last axis; p as in
    CategoricalCrossentropy. Float labels must hold whole numbers."""

    integer_targets = True

    def __init__(self, from_logits: bool = False,
                 reduction: str | None = "sum_over_batch_size",
                 name: str | None = "sparse_categorical_crossentropy") -> None:
        super().__init__(reduction, name)
        self.from_logits = bool(from_logits)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        t = sparse_labels(self.name, y_true.data, y_pred.shape)
        if t.dtype.kind == "f":
            if not np.all(np.isfinite(t) & (t == np.round(t))):
                raise ValueError(f"{self.name}: float labels must be whole numbers")
            t = t.astype(np.int64)
        elif t.dtype.kind not in "iub":
            raise TypeError(f"{self.name}: labels of dtype {t.dtype} are not class indices")
        n_cls = y_pred.shape[-1]
        if t.size and (t.min() < 0 or t.max() >= n_cls):
            raise ValueError(
                f"{self.name}: labels must be in [0, {n_cls}), got [{t.min()}, {t.max()}]"
            )
        logp = F.reshape(_log_probs(y_pred, self.from_logits), (-1, n_cls))
        nll = F.nll_loss(logp, Tensor(t.reshape(-1).astype(np.int64)), reduction="none")
        return F.reshape(nll, t.shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits}
