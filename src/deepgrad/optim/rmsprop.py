"""RMSprop: AdaGrad with an exponentially weighted average of squared gradients (week 1)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check_nonneg, resolve_lr

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton): divide each weight's step by a running RMS of its gradients.

    With gradient g_t, learning rate eta (``lr``), smoothing ``alpha``, ``eps``, momentum mu and
    weight decay lambda, for each weight j::

        g_t <- g_t + lambda * w_{t-1}                  (coupled weight decay, if lambda)
        G_t = alpha * G_{t-1} + (1 - alpha) * g_t^2
        s_t = sqrt(G_t) + eps
        w_t = w_{t-1} - eta * g_t / s_t                (mu = 0)

    ``centered=True`` also tracks the mean gradient ``a_t = alpha a_{t-1} + (1 - alpha) g_t``
    and uses ``s_t = sqrt(G_t - a_t^2) + eps`` (an estimate of the gradient's standard
    deviation). With momentum mu > 0::

        b_t = mu * b_{t-1} + g_t / s_t,   w_t = w_{t-1} - eta * b_t      (b_0 = 0)

    The notes write ``w_t = w_{t-1} - eta / sqrt(G_t + eps) * g_t``; this is PyTorch's form,
    with eps added after the square root.

    State per parameter (PyTorch's names): ``step``, ``square_avg`` (G_t), ``grad_avg`` (a_t,
    centered only), ``momentum_buffer`` (b_t, momentum only).
    """

    def __init__(
        self,
        params: ParamsT | None = None,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        learning_rate: float | None = None,
    ) -> None:
        lr = resolve_lr("RMSprop", lr, learning_rate, 1e-2)
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "eps", "weight_decay", "momentum"):
            _check_nonneg(self, group, key)
        if not 0.0 <= float(group["alpha"]) <= 1.0:
            raise ValueError(f"RMSprop: invalid alpha {group['alpha']} (expected 0 <= alpha <= 1)")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        mu = float(group["momentum"])
        centered = group["centered"]
        for p, g, w, st in self._with_grads(
            group, lambda w: {"step": 0, "square_avg": np.zeros_like(w)}
        ):
            if mu > 0.0 and "momentum_buffer" not in st:
                st["momentum_buffer"] = np.zeros_like(w)
            if centered and "grad_avg" not in st:
                st["grad_avg"] = np.zeros_like(w)
            st["step"] += 1
            G = st["square_avg"]
            tmp = st.get("_tmp")
            if tmp is None:  # scratch buffer (not saved in state_dict)
                tmp = st["_tmp"] = np.empty_like(w)
            if wd != 0.0:
                g = np.multiply(w, wd)
                g += p.grad
            G *= alpha  # G_t = alpha G + (1 - alpha) g^2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - alpha
            G += tmp
            if centered:  # a_t = a + (1 - alpha)(g - a); s_t = sqrt(G_t - a_t^2) + eps
                a = st["grad_avg"]
                np.subtract(g, a, out=tmp)
                tmp *= 1.0 - alpha
                a += tmp
                np.multiply(a, a, out=tmp)
                np.subtract(G, tmp, out=tmp)
                np.sqrt(tmp, out=tmp)
            else:
                np.sqrt(G, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            if mu > 0.0:
                b = st["momentum_buffer"]
                b *= mu
                b += tmp
                np.multiply(b, lr, out=tmp)
            else:
                tmp *= lr
            w -= tmp
