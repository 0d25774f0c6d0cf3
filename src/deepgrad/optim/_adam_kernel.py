"""Adam's update as one compiled pass over (w, g, m, v) (private; see :mod:`deepgrad._jit`).

The NumPy update is ~12 passes over memory per parameter (and one more array); this is one,
with the same float arithmetic per element as PyTorch's single-tensor Adam, in the parameter's
dtype (the scalars are cast to it first):

    g   <- g + wd * w                        (coupled weight decay)   or
    w   <- w * (1 - lr * wd)                 (decoupled, AdamW)
    m   <- m + (1 - beta1) * (g - m)
    v   <- beta2 * v + (1 - beta2) * g * g
    vm  <- max(vm, v)                        (AMSGrad: the denominator uses vm)
    w   <- w - (step * m) / (sqrt(v) / sqrt(1 - beta2^t) + eps),   step = lr / (1 - beta1^t)
"""

from __future__ import annotations

import numpy as np

from .._jit import enabled, jit

__all__ = ["fused_adam", "can_fuse"]

MIN_SIZE = 4096  # smaller parameters: the NumPy passes cost less than a kernel call's overhead


@jit
def _adam(w, g, m, v, vm, c1, beta2, c2, eps, wd, shrink, step, bc2_sqrt, amsgrad, decoupled):
    """c1 = 1 - beta1, c2 = 1 - beta2, shrink = 1 - lr * wd: formed in float64 by the caller and
    then cast, as PyTorch does with its Python-float arguments."""
    for j in range(w.size):
        wj = w[j]
        gj = g[j]
        if decoupled:
            wj = wj * shrink
        elif wd != 0:
            gj = gj + wd * wj
        mj = m[j] + c1 * (gj - m[j])
        vj = beta2 * v[j] + c2 * gj * gj
        m[j] = mj
        v[j] = vj
        if amsgrad:
            if vm[j] > vj:
                vj = vm[j]
            vm[j] = vj
        w[j] = wj - (step * mj) / (np.sqrt(vj) / bc2_sqrt + eps)


def can_fuse(*arrays: np.ndarray) -> bool:
    """The compiled update applies: JIT on, one float dtype, C-contiguous, big enough."""
    a = arrays[0]
    return (
        enabled()
        and a.size >= MIN_SIZE
        and a.dtype in (np.float32, np.float64)
        and all(x.dtype == a.dtype and x.flags.c_contiguous for x in arrays)
    )


def fused_adam(
    w: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    vmax: np.ndarray | None,
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled: bool,
    step: float,
    bc2_sqrt: float,
) -> None:
    """One Adam step in place on ``w``, ``m``, ``v`` (and ``vmax`` for AMSGrad)."""
    t = w.dtype.type
    vm = v if vmax is None else vmax
    _adam(
        w.reshape(-1),
        g.reshape(-1),
        m.reshape(-1),
        v.reshape(-1),
        vm.reshape(-1),
        t(1.0 - beta1),
        t(beta2),
        t(1.0 - beta2),
        t(eps),
        t(weight_decay),
        t(1.0 - lr * weight_decay),
        t(step),
        t(bc2_sqrt),
        vmax is not None,
        bool(decoupled and weight_decay != 0.0),
    )
