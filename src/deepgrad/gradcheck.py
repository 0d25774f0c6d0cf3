"""Central finite differences in float64 against autodiff, for any user function.

For a random projection r of the outputs, C(x) = sum(r * f(x)); autodiff gives dC/dx in one
backward pass, and each element is checked against (C(x + eps e_i) - C(x - eps e_i)) / (2 eps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Autodiff and finite differences disagree."""


def _outputs(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, tuple | list):
        return [o for o in out if isinstance(o, Tensor) and o.dtype.kind == "f"]
    raise TypeError(
        f"gradcheck: the function must return a Tensor or a tuple of them, got {type(out)}"
    )


def gradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check ``fn``'s gradients with respect to its floating-point inputs.

    ``gradcheck(fn, a, b)`` or PyTorch's ``gradcheck(fn, (a, b))`` (one tuple of inputs). Float
    NumPy arrays and Python floats, and float Tensors that require grad, are copied to float64
    tensors that require grad and checked; a Tensor with ``requires_grad=False`` is a constant
    (PyTorch's rule: only inputs that require grad are checked), made float64 if it is float;
    other inputs (integer indices, flags) pass through unchanged. An element passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``. On failure a ``GradcheckError`` names the
    input, the worst element and both values (or ``False`` with ``raise_exception=False``).
    """
    if len(inputs) == 1 and isinstance(inputs[0], tuple):
        inputs = inputs[0]
    args: list[Any] = []
    checked: list[int] = []
    for i, x in enumerate(inputs):
        arr = x.data if isinstance(x, Tensor) else x
        is_float = isinstance(arr, np.ndarray | float) and np.asarray(arr).dtype.kind == "f"
        if is_float and isinstance(x, Tensor) and not x.requires_grad:
            args.append(Tensor(np.array(arr, dtype=np.float64)))
        elif is_float:
            args.append(Tensor(np.array(arr, dtype=np.float64), requires_grad=True))
            checked.append(i)
        else:
            args.append(x)
    if not checked:
        raise ValueError("gradcheck: no floating-point input to check (NumPy float arrays, or "
                         "Tensors with requires_grad=True)")

    rng = np.random.default_rng(seed)
    outs = _outputs(fn(*args))
    for o in outs:
        if o.dtype != np.float64:
            raise GradcheckError(
                f"gradcheck: the function returned {o.dtype} for float64 inputs (silent "
                "dtype change)"
            )
    proj = [rng.standard_normal(o.shape) for o in outs]

    def cost() -> float:
        from .tensor import no_grad

        with no_grad():
            res = _outputs(fn(*args))
        return float(sum(np.sum(r * o.data) for r, o in zip(proj, res, strict=True)))

    for o, r in zip(outs, proj, strict=True):
        if o.requires_grad:
            o.backward(r, retain_graph=True)

    for i in checked:
        t = args[i]
        analytic = t.grad if t.grad is not None else np.zeros_like(t.data)
        numeric = np.zeros_like(t.data)
        for k in np.ndindex(*t.shape):  # perturb in place (works for any memory layout)
            orig = t.data[k]
            t.data[k] = orig + eps
            plus = cost()
            t.data[k] = orig - eps
            minus = cost()
            t.data[k] = orig
            numeric[k] = (plus - minus) / (2 * eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if err.size and np.max(err) > 0:
            worst = np.unravel_index(int(np.argmax(err)), err.shape)
            msg = (
                f"gradcheck: gradient of input {i} (shape {t.shape}) is wrong; worst element "
                f"{tuple(int(w) for w in worst)}: autodiff {analytic[worst]:.8g}, finite "
                f"differences {numeric[worst]:.8g} (atol={atol}, rtol={rtol})"
            )
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True
