"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check_adam_group, resolve_lr

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, section 7): Adam's second moment becomes a decaying maximum.

    With gradient g_t, learning rate eta (``lr``), ``betas = (beta1, beta2)``, ``eps`` and
    weight decay lambda, for each weight j::

        g_t <- g_t + lambda * w_{t-1}                  (coupled weight decay, if lambda)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        u_t = max(beta2 * u_{t-1}, |g_t| + eps)        (exponentially weighted infinity norm)
        w_t = w_{t-1} - eta / (1 - beta1^t) * m_t / u_t

    PyTorch's formulation (eps inside the max). State per parameter: ``step``, ``exp_avg``
    (m_t), ``exp_inf`` (u_t).
    """

    def __init__(
        self,
        params: ParamsT | None = None,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        learning_rate: float | None = None,
    ) -> None:
        lr = resolve_lr("Adamax", lr, learning_rate, 2e-3)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_adam_group(self, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        for p, g, w, st in self._with_grads(
            group,
            lambda w: {
                "step": 0,
                "exp_avg": np.zeros_like(w),
                "exp_inf": np.zeros_like(w),
            },
        ):
            t = st["step"] = st["step"] + 1
            m = st["exp_avg"]
            u = st["exp_inf"]
            tmp = st.get("_tmp")
            if tmp is None:  # scratch buffer (not saved in state_dict)
                tmp = st["_tmp"] = np.empty_like(w)
            if wd != 0.0:
                g = np.multiply(w, wd)
                g += p.grad
            np.subtract(g, m, out=tmp)  # m_t = m + (1 - beta1)(g - m)
            tmp *= 1.0 - beta1
            m += tmp
            u *= beta2  # u_t = max(beta2 u, |g| + eps)
            np.abs(g, out=tmp)
            tmp += eps
            np.maximum(u, tmp, out=u)
            np.divide(m, u, out=tmp)
            tmp *= lr / (1.0 - beta1**t)
            w -= tmp
