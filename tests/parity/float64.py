"""Side by side in float64: one call in deepgrad and in PyTorch, values, gradients and errors.

    same(F.norm, torch.norm, [x], p=1, dim=0)

runs ``dg_fn(*inputs, **kwargs)`` and ``torch_fn(*inputs, **kwargs)`` on the same data
(in the same memory layout), then checks

* errors: when PyTorch raises, deepgrad must raise too (a clear error, never another answer);
* forward: every output has PyTorch's shape, dtype and values
  (NaNs and infinities in the same places);
* graph: an output that requires grad in PyTorch requires grad in deepgrad;
* backward: for one random upstream gradient per float output, the gradient of every float
  input (no gradient counts as zeros), NaNs in the same places;
* optionally ``dg.gradcheck`` (central finite differences) on the deepgrad side.

Inputs keep their dtypes: float arrays become tensors that require grad (wrap in ``Const`` for
one that does not), integer and bool arrays become plain tensors, lists of arrays become lists
of tensors, anything else is passed as it is. ``layout`` re-lays every float array of >= 2
dims in memory before both libraries see it: 'transposed' (the last two dims swapped in memory),
'channels_last' (4-D: NHWC memory under the NCHW shape; 3-D: NLC) or 'strided' (every
other element of a buffer twice as large).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import deepgrad as dg

torch.set_num_threads(1)


@dataclass(frozen=True)
class Const:
    """A float input that does not require grad (running statistics, class weights...)."""

    value: np.ndarray


def relayout(a: np.ndarray, layout: str | None) -> np.ndarray:
    """The same values in another memory layout (a non-contiguous view)."""
    if layout is None or a.ndim < 2:
        return a
    if layout == "transposed":
        return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    if layout == "channels_last":
        if a.ndim < 3:
            return np.ascontiguousarray(a.T).T
        return np.ascontiguousarray(np.moveaxis(a, 1, -1)).transpose(
            (0, a.ndim - 1) + tuple(range(1, a.ndim - 1))
        )
    if layout == "strided":
        buf = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        buf[..., ::2] = a
        return buf[..., ::2]
    raise ValueError(f"unknown layout {layout!r}")


def _to_dg(x: Any, layout: str | None) -> Any:
    if isinstance(x, Const):
        v = np.asarray(x.value)
        return dg.Tensor(relayout(v, layout), dtype=v.dtype)
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return dg.Tensor(relayout(x, layout), requires_grad=True, dtype=x.dtype)
        return dg.Tensor(x)
    if isinstance(x, list) and x and all(isinstance(e, np.ndarray | Const) for e in x):
        return [_to_dg(e, layout) for e in x]
    return x


def _to_torch(x: Any, layout: str | None) -> Any:
    if isinstance(x, Const):
        return torch.from_numpy(relayout(np.array(x.value), layout))
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return torch.from_numpy(relayout(x, layout)).requires_grad_()
        return torch.from_numpy(np.array(x))
    if isinstance(x, list) and x and all(isinstance(e, np.ndarray | Const) for e in x):
        return [_to_torch(e, layout) for e in x]
    return x


def _flat_inputs(xs: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for x in xs:
        if isinstance(x, list):
            out.extend(_flat_inputs(x))
        else:
            out.append(x)
    return out


def _outputs(out: Any) -> list[Any]:
    if isinstance(out, tuple | list):
        return list(out)
    return [out]


def _np(v: Any) -> np.ndarray:
    if isinstance(v, dg.Tensor):
        return v.data
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    return np.asarray(v)


def _kind(a: np.ndarray) -> str:
    return {"f": "float", "c": "complex", "b": "bool"}.get(a.dtype.kind, "integer")


def assert_close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float, what: str) -> None:
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def same(
    dg_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    layout: str | None = None,
    grad: bool = True,
    gradcheck: bool = False,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    seed: int = 0,
    **kwargs: Any,
) -> None:
    """Assert deepgrad's ``dg_fn`` behaves as PyTorch's ``torch_fn`` (see the module docstring)."""
    t_in = [_to_torch(x, layout) for x in inputs]
    try:
        t_out = _outputs(torch_fn(*t_in, **kwargs))
    except Exception as t_err:  # PyTorch refuses: deepgrad must refuse too
        d_in = [_to_dg(x, layout) for x in inputs]
        try:
            d_res = dg_fn(*d_in, **kwargs)
        except Exception:
            return
        raise AssertionError(
            f"PyTorch raised {type(t_err).__name__}: {t_err}\n but deepgrad returned {d_res!r}"
        ) from None
    d_in = [_to_dg(x, layout) for x in inputs]
    d_out = _outputs(dg_fn(*d_in, **kwargs))
    assert len(d_out) == len(t_out), f"deepgrad gave {len(d_out)} outputs, torch {len(t_out)}"
    ups = []
    rng = np.random.default_rng(seed)
    for k, (d, t) in enumerate(zip(d_out, t_out, strict=True)):
        a, b = _np(d), _np(t)
        assert _kind(a) == _kind(b), f"output {k}: dtype {a.dtype}, torch {b.dtype}"
        if isinstance(t, torch.Tensor):
            assert a.dtype == b.dtype, f"output {k}: dtype {a.dtype}, torch {b.dtype}"
        assert_close(a, b, rtol, atol, f"forward output {k}")
        t_rg = isinstance(t, torch.Tensor) and t.requires_grad
        if t_rg:
            assert isinstance(d, dg.Tensor) and d.requires_grad, (
                f"output {k} requires grad in PyTorch but not in deepgrad (no graph recorded)"
            )
        ups.append(rng.standard_normal(b.shape) if t_rg and grad else None)
    if not grad or all(u is None for u in ups):
        if gradcheck:
            run_gradcheck(dg_fn, inputs, kwargs)
        return
    pairs = [(t, u) for t, u in zip(t_out, ups, strict=True) if u is not None]
    t_total = sum((t * torch.from_numpy(u)).sum() for t, u in pairs)
    d_total = None
    for d, u in zip(d_out, ups, strict=True):
        if u is not None:
            term = (d * dg.Tensor(u, dtype=np.float64)).sum()
            d_total = term if d_total is None else d_total + term
    t_total.backward()
    d_total.backward()
    flat_d, flat_t = _flat_inputs(d_in), _flat_inputs(t_in)
    for i, (d, t) in enumerate(zip(flat_d, flat_t, strict=True)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            tg = np.zeros(t.shape, _np(t).dtype) if t.grad is None else t.grad.numpy()
            dgr = np.zeros(d.shape, d.dtype) if d.grad is None else d.grad
            assert dgr.dtype == tg.dtype, f"gradient of input {i}: dtype {dgr.dtype}, {tg.dtype}"
            assert_close(dgr, tg, rtol, atol * 10, f"gradient of input {i}")
    if gradcheck:
        run_gradcheck(dg_fn, inputs, kwargs)


def run_gradcheck(dg_fn: Callable[..., Any], inputs: Sequence[Any], kwargs: dict) -> None:
    """dg.gradcheck over the float array inputs (the others fixed as given)."""
    pos = [i for i, x in enumerate(inputs) if isinstance(x, np.ndarray) and x.dtype.kind == "f"]
    if not pos:
        return

    def fn(*floats: Any) -> Any:
        args = [_to_dg(x, None) if not isinstance(x, np.ndarray) or x.dtype.kind != "f" else x
                for x in inputs]
        for i, f in zip(pos, floats, strict=True):
            args[i] = f
        return dg_fn(*args, **kwargs)

    probe = _outputs(fn(*[_to_dg(inputs[i], None) for i in pos]))
    if not any(isinstance(o, dg.Tensor) and o.dtype.kind == "f" for o in probe):
        return  # integer outputs (argmax, one_hot...): nothing to differentiate
    dg.gradcheck(fn, *[inputs[i].astype(np.float64) for i in pos])
