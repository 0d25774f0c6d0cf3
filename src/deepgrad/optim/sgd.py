"""Stochastic gradient descent with momentum and Nesterov momentum (week 1 of the notes)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check_nonneg, resolve_lr

__all__ = ["SGD", "sgd_step_plain"]


def sgd_step_plain(w: np.ndarray, g: np.ndarray, h: np.ndarray | None, lr: float,
                   momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """One SGD step as the equations below write it: (new w, new momentum buffer h).

    ``SGD.step`` computes the same in place with scratch buffers (no temporaries)."""
    g = g + weight_decay * w
    if momentum:
        h = g if h is None else momentum * h + g
        g = g + momentum * h if nesterov else h
    return w - lr * g, h


class SGD(Optimizer):
    r"""SGD, optionally with momentum or Nesterov momentum, and coupled weight decay.

    With gradient g_t = dL/dw at w_{t-1}, learning rate eta (``lr``), momentum mu, dampening
    tau and weight decay lambda:

    * plain SGD:                ``w_t = w_{t-1} - eta * g_t``
    * weight decay (coupled):   ``g_t <- g_t + lambda * w_{t-1}``  (an L2 penalty lambda/2 |w|^2)
    * momentum (PyTorch's form, implemented here)::

          h_t = mu * h_{t-1} + (1 - tau) * g_t      (h_1 = g_1)
          w_t = w_{t-1} - eta * h_t

      The notes write ``h_t = alpha h_{t-1} + eta g_t; w_t = w_{t-1} - h_t``: the same
      iterates whenever eta is constant (notes' h_t = eta * h_t here, alpha = mu, tau = 0);
      they differ only in how a change of learning rate acts on the accumulated momentum.
    * Nesterov momentum (``nesterov=True``; needs mu > 0 and tau = 0)::

          h_t = mu * h_{t-1} + g_t
          w_t = w_{t-1} - eta * (g_t + mu * h_t)

      The notes' form takes the gradient at the look-ahead point,
      ``h_t = alpha h_{t-1} + eta grad L(w_{t-1} - alpha h_{t-1}); w_t = w_{t-1} - h_t``; the
      parameters stored here are that look-ahead point ``w_t - alpha h_t`` (Sutskever et al.'s
      change of variables), so both describe the same trajectory.

    State per parameter: ``momentum_buffer`` (h_t), as in PyTorch.
    """

    def __init__(
        self,
        params: ParamsT | None = None,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        learning_rate: float | None = None,
    ) -> None:
        lr = resolve_lr("SGD", lr, learning_rate, 1e-3)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "momentum", "weight_decay"):
            _check_nonneg(self, group, key)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        mu = float(group["momentum"])
        damp_keep = 1.0 - float(group["dampening"])
        wd = float(group["weight_decay"])
        nesterov = group["nesterov"]
        for _p, g, w, st in self._with_grads(group, lambda w: {}):
            tmp = st.get("_tmp")
            if tmp is None:  # scratch buffer (not saved in state_dict)
                tmp = st["_tmp"] = np.empty_like(w)
            if wd != 0.0:  # g <- g + lambda w, in the scratch buffer (p.grad stays untouched)
                np.multiply(w, wd, out=tmp)
                tmp += g
                g = tmp
            if mu != 0.0:
                h = st.get("momentum_buffer")
                if h is None:  # h_1 = g_1
                    h = st["momentum_buffer"] = np.array(g, copy=True)
                else:
                    h *= mu
                    if damp_keep != 1.0:
                        np.multiply(g, damp_keep, out=tmp)
                        h += tmp
                    else:
                        h += g
                if nesterov:  # step along g + mu h
                    if g is tmp:  # weight decay already holds g in the scratch buffer
                        tmp += h * mu
                    else:
                        np.multiply(h, mu, out=tmp)
                        tmp += g
                    g = tmp
                else:
                    g = h
            np.multiply(g, lr, out=tmp)
            w -= tmp
