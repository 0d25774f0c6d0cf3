"""Adam (and AMSGrad): momentum on the gradient plus RMSprop's per-weight step size."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._adam_kernel import can_fuse, fused_adam
from .optimizer import Optimizer, ParamsT, _check_adam_group, resolve_lr

__all__ = ["Adam", "adam_step_plain"]


def adam_step_plain(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
                    lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                    eps: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Adam step (t = 1, 2, ...) as the equations below write it: (new w, m, v).

    ``Adam.step`` computes the same in place, fused into one pass where it can
    (``_adam_kernel.py``)."""
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


class Adam(Optimizer):
    r"""Adam: adaptive moment estimation (Kingma & Ba), with optional AMSGrad.

    With gradient g_t, learning rate eta (``lr``), ``betas = (beta1, beta2)``, ``eps`` and
    weight decay lambda, for each weight j::

        g_t <- g_t + lambda * w_{t-1}                       (coupled weight decay, if lambda)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t            (first moment: smoothed gradient)
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2          (second moment, as RMSprop's G_t)
        m^_t = m_t / (1 - beta1^t),   v^_t = v_t / (1 - beta2^t)      (bias correction)
        w_t = w_{t-1} - eta * m^_t / (sqrt(v^_t) + eps)

    ``amsgrad=True`` divides by the running maximum ``vmax_t = max(vmax_{t-1}, v_t)`` instead of
    v_t. ``decoupled_weight_decay=True`` shrinks the weights directly,
    ``w <- w * (1 - eta * lambda)`` before the update, instead of adding lambda w to g (that is
    AdamW). This is PyTorch's formulation (eps outside the square root), and the notes' m_t / v_t.

    State per parameter (PyTorch's names): ``step`` (t), ``exp_avg`` (m_t), ``exp_avg_sq``
    (v_t) and, with AMSGrad, ``max_exp_avg_sq``.
    """

    def __init__(
        self,
        params: ParamsT | None = None,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        decoupled_weight_decay: bool = False,
        learning_rate: float | None = None,
    ) -> None:
        lr = resolve_lr("Adam", lr, learning_rate, 1e-3)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_adam_group(self, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        decoupled = group.get("decoupled_weight_decay", False)
        amsgrad = group["amsgrad"]
        for p, g, w, st in self._with_grads(
            group,
            lambda w: {
                "step": 0,
                "exp_avg": np.zeros_like(w),
                "exp_avg_sq": np.zeros_like(w),
            },
        ):
            if amsgrad and "max_exp_avg_sq" not in st:
                st["max_exp_avg_sq"] = np.zeros_like(w)
            t = st["step"] = st["step"] + 1
            m = st["exp_avg"]
            v = st["exp_avg_sq"]
            step = lr / (1.0 - beta1**t)
            if can_fuse(w, g, m, v) and step != 0.0:
                fused_adam(
                    w,
                    g,
                    m,
                    v,
                    st.get("max_exp_avg_sq") if amsgrad else None,
                    lr=lr,
                    beta1=beta1,
                    beta2=beta2,
                    eps=eps,
                    weight_decay=wd,
                    decoupled=decoupled,
                    step=step,
                    bc2_sqrt=math.sqrt(1.0 - beta2**t),
                )
                continue
            tmp = st.get("_tmp")
            if tmp is None:  # scratch buffer (not saved in state_dict)
                tmp = st["_tmp"] = np.empty_like(w)
            if wd != 0.0:
                if decoupled:
                    w *= 1.0 - lr * wd
                else:
                    g = np.multiply(w, wd)
                    g += p.grad
            # m_t = beta1 m + (1 - beta1) g, written as m + (1 - beta1)(g - m) like torch's lerp
            np.subtract(g, m, out=tmp)
            tmp *= 1.0 - beta1
            m += tmp
            # v_t = beta2 v + (1 - beta2) g^2
            v *= beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v += tmp
            if amsgrad:
                vmax = st["max_exp_avg_sq"]
                np.maximum(vmax, v, out=vmax)
                v = vmax
            # w -= step * m / (sqrt(v) / sqrt(bc2) + eps), step = lr / bc1, folded into one
            # denominator: sqrt(v) / (sqrt(bc2) * step) + eps / step
            step = lr / (1.0 - beta1**t)
            if step == 0.0:
                continue
            bc2_sqrt = math.sqrt(1.0 - beta2**t)
            np.sqrt(v, out=tmp)
            tmp *= 1.0 / (bc2_sqrt * step)
            tmp += eps / step
            np.divide(m, tmp, out=tmp)
            w -= tmp
