"""One helper runs the same computation in deepgrad and in PyTorch and compares everything.

    check(lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), [x, w])

compares the forward values and the gradient of every floating-point input (for one random
upstream gradient), then runs ``dg.gradcheck`` in float64 on the deepgrad side. Integer inputs
(indices, labels) are passed to both sides unchanged, as int64.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import deepgrad as dg

torch.set_num_threads(1)


def _listify(out: Any) -> list:
    if isinstance(out, tuple | list):
        return list(out)
    return [out]


def check(
    dg_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    grad: bool = True,
    gradcheck: bool = True,
    gradcheck_atol: float = 1e-5,
    gradcheck_rtol: float = 1e-3,
    noncontiguous: bool = False,
    seed: int = 0,
) -> None:
    """Assert deepgrad == PyTorch (forward and gradients) in float32, and gradcheck in float64.

    ``inputs``: NumPy arrays (float arrays become float32 tensors that require grad) or other
    values passed through. With ``noncontiguous=True`` each float array is handed to both
    libraries as a transposed view of a differently laid-out buffer.
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for x in inputs:
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            x = x.astype(np.float32)
            if noncontiguous and x.ndim >= 2:
                x = np.ascontiguousarray(np.swapaxes(x, -1, -2)).swapaxes(-1, -2)
        arrays.append(x)

    dg_in = [dg.Tensor(x, requires_grad=grad) if _is_float(x) else _dg_other(x) for x in arrays]
    th_in = [_torch_in(x, grad) for x in arrays]
    dg_out = _listify(dg_fn(*dg_in))
    th_out = _listify(torch_fn(*th_in))
    assert len(dg_out) == len(th_out), (
        f"deepgrad returned {len(dg_out)} outputs, torch {len(th_out)}"
    )
    for k, (a, b) in enumerate(zip(dg_out, th_out, strict=True)):
        a_np = a.data if isinstance(a, dg.Tensor) else np.asarray(a)
        b_np = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
        assert a_np.shape == b_np.shape, f"output {k}: shape {a_np.shape} != torch {b_np.shape}"
        if isinstance(a, dg.Tensor) and a.dtype.kind == "f":
            assert a.dtype == np.float32, f"output {k}: float32 inputs gave {a.dtype}"
        np.testing.assert_allclose(a_np, b_np, rtol=rtol, atol=atol, err_msg=f"forward output {k}")

    if grad:
        ups = []
        for a in dg_out:
            if isinstance(a, dg.Tensor) and a.requires_grad:
                ups.append(rng.standard_normal(a.shape).astype(np.float32))
            else:
                ups.append(None)
        d_total = None
        t_total = None
        for a, b, u in zip(dg_out, th_out, ups, strict=True):
            if u is None:
                continue
            d_term = (a * dg.Tensor(u)).sum()
            t_term = (b * torch.from_numpy(u)).sum()
            d_total = d_term if d_total is None else d_total + d_term
            t_total = t_term if t_total is None else t_total + t_term
        if d_total is not None:
            d_total.backward()
            t_total.backward()
            for i, (d, t) in enumerate(zip(dg_in, th_in, strict=True)):
                if isinstance(d, dg.Tensor) and d.requires_grad:
                    tg = t.grad.numpy() if t.grad is not None else np.zeros(t.shape, np.float32)
                    dgrad = d.grad if d.grad is not None else np.zeros(d.shape, np.float32)
                    assert dgrad.dtype == np.float32, f"input {i}: gradient dtype {dgrad.dtype}"
                    np.testing.assert_allclose(
                        dgrad, tg, rtol=rtol, atol=atol * 10, err_msg=f"gradient of input {i}"
                    )
    if grad and gradcheck:
        f64 = [x.astype(np.float64) if _is_float(x) else x for x in arrays]
        dg.gradcheck(dg_fn, *f64, atol=gradcheck_atol, rtol=gradcheck_rtol)


def _is_float(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _dg_other(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return dg.Tensor(x)
    return x


def _torch_in(x: Any, grad: bool) -> Any:
    if isinstance(x, np.ndarray):
        t = torch.from_numpy(np.array(x))
        if x.dtype.kind == "f":
            t.requires_grad_(grad)
        return t
    return x


def randn(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """A float32 standard-normal array (deterministic)."""
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def away_from_kinks(*shape: int, seed: int = 0, gap: float = 0.05) -> np.ndarray:
    """Random values with none within ``gap`` of 0 (for relu, abs, max-pool ties...)."""
    x = randn(*shape, seed=seed)
    return np.where(np.abs(x) < gap, np.sign(x + 1e-12) * gap * 2, x).astype(np.float32)
