"""AdaGrad: a per-weight learning rate from the accumulated squared gradients (week 1)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check_nonneg, resolve_lr

__all__ = ["Adagrad", "AdaGrad"]


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al.): each weight's step shrinks with its gradient history.

    With gradient g_t, learning rate eta (``lr``), ``lr_decay`` d and weight decay lambda, for
    each weight j::

        g_t <- g_t + lambda * w_{t-1}                  (coupled weight decay, if lambda)
        G_t = G_{t-1} + g_t^2                          (G_0 = initial_accumulator_value)
        eta_t = eta / (1 + (t - 1) * d)
        w_t = w_{t-1} - eta_t * g_t / (sqrt(G_t) + eps)

    The notes write ``w_t = w_{t-1} - eta / sqrt(G_t + eps) * g_t``; this is PyTorch's form, with
    eps (default 1e-10) added after the square root. Because G_t only grows, the effective
    learning rate keeps falling (the weakness RMSprop fixes).

    State per parameter (PyTorch's names): ``step`` (t), ``sum`` (G_t).
    """

    def __init__(
        self,
        params: ParamsT | None = None,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        learning_rate: float | None = None,
    ) -> None:
        lr = resolve_lr("Adagrad", lr, learning_rate, 1e-2)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _check_nonneg(self, group, key)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        wd = float(group["weight_decay"])
        eps = float(group["eps"])
        init = float(group["initial_accumulator_value"])
        for p, g, w, st in self._with_grads(
            group, lambda w: {"step": 0, "sum": np.full_like(w, init)}
        ):
            t = st["step"] = st["step"] + 1
            G = st["sum"]
            tmp = st.get("_tmp")
            if tmp is None:  # scratch buffer (not saved in state_dict)
                tmp = st["_tmp"] = np.empty_like(w)
            if wd != 0.0:
                g = np.multiply(w, wd)
                g += p.grad
            clr = lr / (1.0 + (t - 1) * lr_decay)
            np.multiply(g, g, out=tmp)  # G_t = G_{t-1} + g^2
            G += tmp
            np.sqrt(G, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= clr
            w -= tmp


AdaGrad = Adagrad  # the notes' spelling
