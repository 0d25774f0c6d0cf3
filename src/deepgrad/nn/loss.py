"""Losses as layers: ``criterion = nn.CrossEntropyLoss(); cost = criterion(logits, target)``.

Each PyTorch-named class stores its options and calls the functional op of the same name in
``deepgrad.functional`` (``reduction`` = 'mean' | 'sum' | 'none'), with PyTorch's argument
order ``(input, target)`` and PyTorch's behaviour (a target broadcast against the input warns).
Keras' classes (``MeanSquaredError``, ``BinaryCrossentropy``, ``CategoricalCrossentropy``,
``SparseCategoricalCrossentropy``, ``Huber``, ...) live in :mod:`deepgrad.nn.keras_losses` and
are re-exported here: Keras' order ``(y_true, y_pred)``, Keras' shape rules, ``from_logits``
False by default. :func:`get_loss` maps a name to either kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from . import keras_losses as K
from .keras_losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from .module import Module

__all__ = [
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "HingeLoss",
    "FocalLoss",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "Huber",
    "LogCosh",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
    "KLDivergence",
    "Poisson",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "get_loss",
]

_EPS = 1e-7  # Keras' epsilon for losses on probabilities


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return F.mean(loss)
    if reduction == "sum":
        return F.sum(loss)
    return loss


def _as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if like is not None and arr.dtype.kind == "f":
        arr = arr.astype(like.dtype, copy=False)
    return Tensor(arr, dtype=arr.dtype)


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', "
                f"got {reduction!r}"
            )
        self.reduction = reduction

    def __call__(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        input = _as_tensor(input)
        return super().__call__(input, _as_tensor(target, input))

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


def _weight(w: Any, like: Tensor) -> Tensor | None:
    return None if w is None else _as_tensor(w, like)


class MSELoss(_Loss):
    """L = mean((y_hat - y)^2) (Keras 'mse')."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """L = mean(|y_hat - y|) (mean absolute error, Keras 'mae')."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """L = mean(0.5 r^2 if |r| <= delta else delta (|r| - 0.5 delta)), r = y_hat - y."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = float(delta)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities p: L = -mean(w (y log p + (1 - y) log(1 - p)))."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        w = _weight(self.weight, input)
        return F.binary_cross_entropy(input, target, weight=w, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits z (stable): L = -mean(w (pw y log s(z) + (1-y) log(1-s(z))))
    with s the sigmoid and pw = ``pos_weight`` (per class, for imbalanced positives)."""

    from_logits = True

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        kw: dict[str, Any] = {"weight": _weight(self.weight, input), "reduction": self.reduction}
        if self.pos_weight is not None:
            kw["pos_weight"] = _weight(self.pos_weight, input)
        return F.binary_cross_entropy_with_logits(input, target, **kw)


class CrossEntropyLoss(_Loss):
    """Categorical cross-entropy, classes along dim 1 (input (N, C) or (N, C, d1, ...)).

    * integer targets (N,) (*sparse* labels): L = -mean_n w_{y_n} log softmax(z_n)_{y_n}
      (the mean divides by sum of w_{y_n} when ``weight`` is given, as PyTorch);
    * float targets of the input's shape (one-hot or probabilities t):
      L = -mean_n sum_c w_c t_nc log softmax(z_n)_c.

    ``from_logits=False`` (Keras' default) takes probabilities p instead of logits and uses
    log(clip(p / sum p, 1e-7, 1 - 1e-7)). ``ignore_index`` and ``label_smoothing`` as PyTorch.
    """

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
        from_logits: bool = True,
    ) -> None:
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = float(label_smoothing)
        self.from_logits = from_logits

    def _log_probs(self, input: Tensor) -> Tensor:  # noqa: A002
        if self.from_logits:
            return F.log_softmax(input, 1)
        p = input / F.sum(input, dim=1, keepdim=True)
        return F.log(F.clamp(p, _EPS, 1 - _EPS))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        if input.ndim < 2:
            raise ValueError(
                f"{type(self).__name__}: input must be (N, C, ...) scores, got shape {input.shape}"
            )
        w = _weight(self.weight, input)
        if target.dtype.kind == "f":
            if target.shape != input.shape:
                raise ValueError(
                    f"{type(self).__name__}: probability/one-hot targets must have the input's "
                    f"shape {input.shape}, got {target.shape} (integer labels: shape "
                    f"{(input.shape[0],) + input.shape[2:]})"
                )
            if not self.from_logits:
                return self._soft(input, target, w)
        elif target.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__}: target dtype {target.dtype} not understood")
        if self.from_logits:
            return F.cross_entropy(
                input,
                target,
                weight=w,
                ignore_index=self.ignore_index,
                reduction=self.reduction,
                label_smoothing=self.label_smoothing,
            )
        if self.label_smoothing:
            n_cls = input.shape[1]
            shape = [1] * input.ndim
            shape[1] = n_cls
            onehot = np.expand_dims(target.data, 1) == np.arange(n_cls).reshape(shape)
            return self._soft(input, Tensor(onehot.astype(input.dtype)), w)
        return F.nll_loss(
            self._log_probs(input),
            target,
            weight=w,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )

    def _soft(self, input: Tensor, target: Tensor, w: Tensor | None) -> Tensor:  # noqa: A002
        if self.label_smoothing:
            target = target * (1 - self.label_smoothing) + self.label_smoothing / input.shape[1]
        logp = self._log_probs(input)
        if w is not None:
            shape = [1] * input.ndim
            shape[1] = input.shape[1]
            logp = logp * F.reshape(w, tuple(shape))
        loss = -F.sum(target * logp, dim=1)
        return _reduce(loss, self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities: L = -mean_n w_{y_n} logp_{n, y_n}."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(
            input,
            target,
            weight=_weight(self.weight, input),
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class HingeLoss(_Loss):
    """Keras' hinge: L = mean(max(0, margin - y * y_hat)), labels y in {-1, 1} (0/1 labels
    are mapped to -1/1 as Keras does); ``squared=True`` gives Keras' squared_hinge."""

    def __init__(self, reduction: str = "mean", margin: float = 1.0, squared: bool = False) -> None:
        super().__init__(reduction)
        self.margin = float(margin)
        self.squared = squared

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        if not self.squared:
            return F.hinge_loss(input, target, margin=self.margin, reduction=self.reduction)
        y = target.data
        if y.size and np.all((y == 0) | (y == 1)):
            y = 2 * y - 1
        y = Tensor(np.asarray(y, dtype=input.dtype))
        loss = F.relu(self.margin - y * input)
        return _reduce(loss * loss, self.reduction)


class FocalLoss(_Loss):
    """Focal loss (Lin et al.): L = -alpha_t (1 - p_t)^gamma log p_t, down-weighting easy
    examples (p_t near 1) so training focuses on the hard ones; gamma = 0 is cross-entropy.

    * integer targets (N,) with logits (N, C) (``F.focal_loss``): p_t = softmax(z)_{y};
      ``alpha`` None (no weighting), a float or a per-class array; 'mean' divides by N;
    * float 0/1 targets of the input's shape (``F.sigmoid_focal_loss``): the sigmoid
      (binary / multi-label) form of torchvision, alpha_t = alpha y + (1 - alpha)(1 - y)
      (alpha None: no weighting; torchvision's usual value is 0.25).
    """

    from_logits = True

    def __init__(
        self,
        alpha: Any = None,
        gamma: float = 2.0,
        reduction: str = "mean",
        ignore_index: int = -100,
    ) -> None:
        super().__init__(reduction)
        self.alpha = alpha
        self.gamma = float(gamma)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        if target.dtype.kind == "f":
            alpha = -1.0 if self.alpha is None else float(self.alpha)
            return F.sigmoid_focal_loss(input, target, alpha, self.gamma, self.reduction)
        if self.alpha is None:
            return F.focal_loss(
                input, target, self.gamma, ignore_index=self.ignore_index, reduction=self.reduction
            )
        # alpha_t as per-class weights; 'mean' divides by the number of kept targets (not by
        # sum alpha_t as a class-weighted cross-entropy would, which would cancel a scalar alpha)
        n_cls = input.shape[1] if input.ndim >= 2 else input.shape[0]
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=input.dtype), (n_cls,))
        red = "sum" if self.reduction == "mean" else self.reduction
        loss = F.focal_loss(
            input, target, self.gamma, alpha, ignore_index=self.ignore_index, reduction=red
        )
        if self.reduction == "mean":
            kept = int(np.count_nonzero(np.asarray(target.data) != self.ignore_index))
            loss = loss / max(kept, 1)
        return loss


KERAS_LOSSES: dict[str, Any] = {
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "huber": Huber,
    "huber_loss": Huber,
    "log_cosh": LogCosh,
    "logcosh": LogCosh,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson,
    "cosine_similarity": K.CosineSimilarity,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
KERAS_LOSSES.update({cls.__name__.lower(): cls for cls in set(KERAS_LOSSES.values())})

_TORCH_LOSSES: dict[str, Any] = {
    "l1": L1Loss,
    "bce_with_logits": BCEWithLogitsLoss,
    "cross_entropy": CrossEntropyLoss,
    "nll": NLLLoss,
    "nll_loss": NLLLoss,
    "focal": FocalLoss,
    "focal_loss": FocalLoss,
}
_TORCH_LOSSES.update({cls.__name__.lower(): cls for cls in (
    MSELoss, L1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss)})


def get_loss(spec: str | Module | Any, **kwargs: Any) -> Any:
    """A loss object from a name; a Module or callable is returned as is.

    Keras' names ('mse', 'mean_squared_error', 'mae', 'huber', 'hinge', 'squared_hinge',
    'binary_crossentropy'/'bce', 'categorical_crossentropy', 'sparse_categorical_crossentropy',
    'kl_divergence', 'poisson', 'log_cosh', ..., or a class name such as 'BinaryCrossentropy')
    give Keras' losses (:mod:`deepgrad.nn.keras_losses`): called ``loss(y_true, y_pred)``, last
    dims of 1 squeezed to pair (N, 1) outputs with (N,) labels, ``from_logits=False`` by
    default. PyTorch's class names ('mseloss', 'crossentropyloss', ...) and deepgrad's short
    names 'cross_entropy', 'bce_with_logits', 'nll', 'l1', 'focal' give the PyTorch-style
    classes here (``loss(input, target)``, logits, PyTorch's broadcasting). ``model.compile``
    calls either kind in its own order.
    """
    if isinstance(spec, str):
        key = spec.lower()
        cls = KERAS_LOSSES.get(key) or _TORCH_LOSSES.get(key)
        if cls is None:
            known = sorted(set(KERAS_LOSSES) | set(_TORCH_LOSSES))
            raise ValueError(f"get_loss: unknown loss {spec!r}; known: {', '.join(known)}")
        return cls(**kwargs)
    if callable(spec):
        if kwargs:
            raise TypeError("get_loss: options are only accepted with a loss name")
        return spec
    raise TypeError(f"get_loss: expected a name or a callable, got {type(spec).__name__}")
