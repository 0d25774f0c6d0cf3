"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter)."""

from __future__ import annotations

from .adam import Adam
from .optimizer import ParamsT, resolve_lr

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""Adam with decoupled weight decay.

    The weights shrink directly instead of the decay entering the gradient (and hence being
    rescaled by Adam's per-weight step size)::

        w_{t-1} <- w_{t-1} * (1 - eta * lambda)                 (decoupled weight decay)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        w_t = w_{t-1} - eta * (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps)

    With ``amsgrad=True`` v_t is replaced by its running maximum. Same as
    ``torch.optim.AdamW`` (default ``weight_decay=1e-2``).
    """

    def __init__(
        self,
        params: ParamsT | None = None,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        learning_rate: float | None = None,
    ) -> None:
        lr = resolve_lr("AdamW", lr, learning_rate, 1e-3)
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            decoupled_weight_decay=True,
        )
