"""The softmax classification losses: cross_entropy, nll_loss and the multi-class focal_loss.

All three take logits (or log-probabilities for nll_loss) of shape (N, C), (C,) or
(N, C, d1, ...) with class-index targets of shape (N,), () or (N, d1, ...); cross_entropy also
takes class-probability targets of the input's shape. They are re-exported by ``loss.py``.

cross_entropy fuses log_softmax and the negative log-likelihood: the forward works on one
(M, C) buffer, x - max(x) exponentiated in place, and the backward turns that same buffer into
(softmax - onehot) * scale in place, so forward+backward costs about five passes over the logits
and no float64 temporaries (class weights, smoothing and one-hot terms in the logits' dtype).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, make_result

__all__ = ["cross_entropy", "nll_loss", "focal_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def _num_classes(x: np.ndarray, op: str) -> int:
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    return x.shape[1] if x.ndim >= 2 else x.shape[0]


def _rows(x: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) -> (N*d1*..., C) rows of class scores ((C,) -> (1, C))."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of ``_rows`` for a gradient (``g`` itself when 2-D, so the engine owns it)."""
    if g.shape == shape:
        return g
    if len(shape) <= 2:
        return g.reshape(shape)
    moved = (shape[0],) + shape[2:] + (shape[1],)
    return np.moveaxis(g.reshape(moved), -1, 1)


def _batch_shape(x: np.ndarray) -> tuple[int, ...]:
    return () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]


def _class_weight(weight: Any, c: int, dtype: np.dtype, op: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if w.shape != (c,):
        raise ValueError(f"{op}: weight must have shape ({c},) (one per class), got {w.shape}")
    return w.astype(dtype, copy=False)


class _Targets:
    """Validated class-index targets flattened to rows: y (M,), safe y, valid mask."""

    def __init__(self, x: np.ndarray, target: Any, ignore_index: int, op: str) -> None:
        t = np.asarray(target.data if isinstance(target, Tensor) else target)
        c = _num_classes(x, op)
        expected = _batch_shape(x)
        if t.dtype.kind not in "iu":
            raise TypeError(
                f"{op}: class-index targets must be integers (int64), got dtype {t.dtype} with "
                f"shape {t.shape} for input of shape {x.shape}"
            )
        if t.shape != expected:
            raise ValueError(
                f"{op}: target has shape {t.shape} but input of shape {x.shape} expects class "
                f"indices of shape {expected}"
            )
        y = t.reshape(-1)
        valid = y != ignore_index
        self.all_valid = bool(valid.all())
        ys = y if self.all_valid else np.where(valid, y, 0)
        if ys.size:
            lo, hi = ys.min(), ys.max()
            if lo < 0 or hi >= c:
                bad = lo if lo < 0 else hi
                raise IndexError(
                    f"{op}: target class index {int(bad)} is out of range for {c} classes "
                    f"(expected 0 <= target < {c}, or ignore_index={ignore_index})"
                )
        self.shape = t.shape
        self.ys = ys
        self.valid = valid
        self.rows = np.arange(ys.size)


def _weighted(t: _Targets, w: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """w[y_n] for kept rows, 0 for ignored ones, in the logits' dtype."""
    if w is None:
        return t.valid.astype(dtype)
    wy = w[t.ys]
    if not t.all_valid:
        wy *= t.valid
    return wy


def _reduce_rows(loss_n: np.ndarray, reduction: str, denom: Any, shape: tuple) -> np.ndarray:
    if reduction == "none":
        return loss_n.reshape(shape)
    total = loss_n.sum()
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0/0 = nan (as PyTorch)
        return np.asarray(total / denom)


def _row_scale(
    delta: np.ndarray, reduction: str, denom: Any, m: int, tg: _Targets | None = None
) -> np.ndarray:
    """dC/d(loss_n) for every row: delta itself, or delta / denom for the mean; 0 for ignored
    rows (even when every row is ignored and the mean is 0/0)."""
    if reduction == "none":
        scale = delta.reshape(m)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            d = delta / denom if reduction == "mean" else delta
        scale = np.full(m, d, dtype=delta.dtype)
    if tg is not None and not tg.all_valid:
        scale = np.where(tg.valid, scale, 0)
    return scale


_SAFE_EXP = 60.0  # e^60 ~ 1e26: exp of logits within +-60 of 0 can neither overflow float32
# (even summed over 1e12 classes) nor underflow a whole row


def _exp_rows(
    x2: np.ndarray, reduce_with: Any = None
) -> tuple[Any, np.ndarray, np.ndarray | None]:
    """e = exp(x - m) row by row, in a fresh buffer, with the offset m it used.

    m is each row's max (stable for any logits: 1e30, -inf...). When every row's max already
    lies within +-60, m = 0 is used instead: exp(x) is then safe and the subtraction pass over
    the logits is saved. ``reduce_with``: 'sum' or a (C,) weight vector w (sum_c w_c (x_c - m))
    or a (M, C) array t (sum_c t_c (x_c - m)); returned computed before the exponential.
    """
    m = x2.max(axis=1)
    if m.size and -_SAFE_EXP <= m.min() and m.max() <= _SAFE_EXP:
        offset: Any = x2.dtype.type(0)
        shifted = x2
    else:
        offset = m
        with np.errstate(over="ignore", invalid="ignore"):
            shifted = np.subtract(x2, m[:, None])
    red = None
    if reduce_with is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            if isinstance(reduce_with, str):
                red = shifted.sum(axis=1)
            elif reduce_with.ndim == 1:
                red = shifted @ reduce_with
            else:
                red = np.einsum("ij,ij->i", reduce_with, shifted)
    if shifted is x2:
        e = np.exp(x2)
    else:
        e = shifted
        np.exp(e, out=e)
    return offset, e, red


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy between logits x and targets (PyTorch's exact semantics).

    Class indices y:  loss_n = (1 - eps) w_{y_n} (-log p_{n,y_n}) + (eps / C) sum_c w_c (-log p_nc),
    p = softmax(x) over classes, eps = label_smoothing, w = weight (1 if None); loss_n = 0 where
    y_n = ignore_index. 'mean' divides the sum by sum_n w_{y_n} over kept targets.
    Class probabilities t (same shape as x):  loss_n = -sum_c w_c t'_nc log p_nc with
    t' = (1 - eps) t + eps / C; 'mean' divides by the number of rows N*d1*...
    Backward (fused): dC/dx_nc = scale_n (p_nc a_n - b_nc), one pass over the softmax buffer,
    with a_n = (1 - eps) w_{y_n} + (eps / C) sum_c w_c and b_nc = (1 - eps) w_{y_n} [c = y_n]
    + (eps / C) w_c. ``weight`` gets no gradient (as in PyTorch); probability targets do.
    """
    x = input.data
    op = "cross_entropy"
    _check_reduction(reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    c = _num_classes(x, op)
    w = _class_weight(weight, c, x.dtype, op)
    t_arr = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t_arr.dtype.kind == "f" and t_arr.shape == x.shape:
        if ignore_index != -100:
            raise ValueError(
                f"{op}: ignore_index is not supported for class-probability (floating point) "
                "targets"
            )
        return _cross_entropy_probs(input, target, w, reduction, label_smoothing)
    if t_arr.dtype.kind == "f":
        raise TypeError(
            f"{op}: float targets must be class probabilities of the input's shape {x.shape}, "
            f"got shape {t_arr.shape}; class indices must be integers of shape {_batch_shape(x)}"
        )
    tg = _Targets(x, t_arr, ignore_index, op)
    dt = x.dtype.type
    eps = dt(label_smoothing)
    x2 = _rows(x)
    rows, ys = tg.rows, tg.ys
    # offset m, e = exp(x - m); sum_c w_c (x_c - m) for the smoothing term
    m, e, shift_sum = _exp_rows(x2, ("sum" if w is None else w) if eps else None)
    shift_y = x2[rows, ys] - m  # x_y - m
    s = e.sum(axis=1)
    log_s = np.log(s)
    wy = _weighted(tg, w, x.dtype)  # w[y] (0 when ignored)
    loss_n = log_s - shift_y  # -log p_y
    loss_n *= wy if (w is not None or not tg.all_valid) else 1
    if eps:
        w_total = dt(c) if w is None else w.sum(dtype=x.dtype)
        smooth = log_s * w_total
        smooth -= shift_sum
        if not tg.all_valid:
            smooth *= tg.valid
        loss_n *= 1 - eps
        loss_n += smooth * (eps / c)
    denom = wy.sum() if reduction == "mean" else None
    out = _reduce_rows(loss_n, reduction, denom, tg.shape)
    buffer = [e]

    def backward(delta: np.ndarray) -> tuple:
        scale = _row_scale(delta, reduction, denom, len(ys), tg)
        if buffer:
            g = buffer.pop()  # the exp buffer becomes the gradient (first backward only)
        else:
            g = _exp_rows(x2)[1]
        hot = scale * wy  # (1 - eps) w_y scale at the target entry; 0 for ignored rows
        if eps:
            a = hot * (1 - eps)
            a += (scale * tg.valid) * (eps / c * w_total)  # p's coefficient
            hot *= 1 - eps
        else:
            a = hot
        g *= (a / s)[:, None]
        g[rows, ys] -= hot
        if eps:
            sv = scale * tg.valid * (eps / c)
            if w is None:
                g -= sv[:, None]
            else:
                g -= np.multiply.outer(sv, w)
        return (_unrows(g, x.shape),)

    return make_result(out, (input,), backward, op)


def _cross_entropy_probs(
    input: Tensor,  # noqa: A002
    target: Any,
    w: np.ndarray | None,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """cross_entropy with class-probability targets (see ``cross_entropy``)."""
    x = input.data
    dt = x.dtype.type
    c = _num_classes(x, "cross_entropy")
    target_t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    t_rows = _rows(target_t.data).astype(x.dtype, copy=False)
    eps = dt(label_smoothing)
    if eps:
        t_rows = t_rows * (1 - eps) + eps / c
    tw = t_rows if w is None else t_rows * w  # w_c t'_nc
    x2 = _rows(x)
    m, e, dot = _exp_rows(x2, tw)  # dot = sum_c w_c t'_c (x_c - m)
    s = e.sum(axis=1)
    log_s = np.log(s)
    tw_sum = tw.sum(axis=1)
    loss_n = tw_sum * log_s - dot  # sum_c w_c t'_c (log s - (x_c - m)) = -sum_c w_c t'_c log p_c
    n_rows = x2.shape[0]
    out = _reduce_rows(loss_n, reduction, dt(n_rows), _batch_shape(x))
    buffer = [e]

    def backward(delta: np.ndarray) -> tuple:
        scale = _row_scale(delta, reduction, dt(n_rows), n_rows)
        g_target = None
        if target_t.requires_grad:  # dC/dt_c = -(1 - eps) w_c log p_c scale
            logp = x2 - (m + log_s)[:, None]
            logp *= (scale * (eps - 1))[:, None]
            if w is not None:
                logp *= w
            g_target = _unrows(logp, x.shape)
        if buffer:
            g = buffer.pop()
        else:
            g = _exp_rows(x2)[1]
        g *= (scale * tw_sum / s)[:, None]
        g -= tw * scale[:, None]
        return (_unrows(g, x.shape), g_target)

    return make_result(out, (input, target_t), backward, "cross_entropy")


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities x:  loss_n = -w_{y_n} x_{n, y_n}.

    Ignored targets give 0; 'mean' divides by sum_n w_{y_n} over kept targets.
    dC/dx_nc = -scale_n w_{y_n} [c = y_n].
    """
    x = input.data
    op = "nll_loss"
    _check_reduction(reduction, op)
    c = _num_classes(x, op)
    w = _class_weight(weight, c, x.dtype, op)
    tg = _Targets(x, target, ignore_index, op)
    x2 = _rows(x)
    wy = _weighted(tg, w, x.dtype)
    loss_n = x2[tg.rows, tg.ys] * wy
    np.negative(loss_n, out=loss_n)
    denom = wy.sum() if reduction == "mean" else None
    out = _reduce_rows(loss_n, reduction, denom, tg.shape)

    def backward(delta: np.ndarray) -> tuple:
        scale = _row_scale(delta, reduction, denom, len(tg.ys), tg)
        g = np.zeros(x2.shape, dtype=x.dtype)
        g[tg.rows, tg.ys] = -(scale * wy)
        return (_unrows(g, x.shape),)

    return make_result(out, (input,), backward, op)


def focal_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    gamma: float = 2.0,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class focal loss (Lin et al. 2017) on logits, class-index targets.

    loss_n = -w_{y_n} (1 - p_n)^gamma log p_n,  p_n = softmax(x_n)_{y_n};  gamma = 0 gives
    cross_entropy. Ignored targets give 0; 'mean' divides by sum_n w_{y_n} (as cross_entropy).
    With l = log p:  d loss_n / d l = w (gamma (1 - p)^(gamma - 1) p l - (1 - p)^gamma), and
    dl/dx_c = [c = y] - softmax(x)_c, so dC/dx_nc = scale_n (d loss_n / d l) ([c = y_n] - p_nc).
    """
    x = input.data
    op = "focal_loss"
    _check_reduction(reduction, op)
    if gamma < 0:
        raise ValueError(f"{op}: gamma must be >= 0, got {gamma}")
    c = _num_classes(x, op)
    w = _class_weight(weight, c, x.dtype, op)
    tg = _Targets(x, target, ignore_index, op)
    dt = x.dtype.type
    g_exp = dt(gamma)
    x2 = _rows(x)
    rows, ys = tg.rows, tg.ys
    m, e, _ = _exp_rows(x2)
    shift_y = x2[rows, ys] - m
    s = e.sum(axis=1)
    logp = shift_y - np.log(s)  # log p_y
    p = np.exp(logp)
    q = -np.expm1(logp)  # 1 - p_y, accurate when p_y is near 1
    qg = q**g_exp
    wy = _weighted(tg, w, x.dtype)
    loss_n = -qg * logp * wy
    denom = wy.sum() if reduction == "mean" else None
    out = _reduce_rows(loss_n, reduction, denom, tg.shape)

    def backward(delta: np.ndarray) -> tuple:
        scale = _row_scale(delta, reduction, denom, len(ys), tg)
        with np.errstate(divide="ignore", invalid="ignore"):
            qg1 = np.where(q > 0, q ** (g_exp - 1), 0) if gamma != 0 else 0
        dl = g_exp * qg1 * p * logp - qg  # d(loss_n / w) / d log p
        coef = dl * wy * scale
        g = e * (-coef / s)[:, None]  # -coef * softmax
        g[rows, ys] += coef
        return (_unrows(g, x.shape),)

    return make_result(out, (input,), backward, op)
