"""Copy a PyTorch module's weights into a deepgrad module and compare outputs and gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import deepgrad as dg

torch.set_num_threads(1)


def copy_weights(th_model: torch.nn.Module, dg_model: Any) -> None:
    """Load torch's state_dict (converted to NumPy) into the deepgrad model, strictly."""
    dg_model.load_state_dict({k: v.detach().numpy() for k, v in th_model.state_dict().items()})


def check_model(
    dg_model: Any,
    th_model: torch.nn.Module,
    x: np.ndarray,
    *,
    loss: Callable[[Any], Any] | None = None,
    th_loss: Callable[[Any], Any] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-5,
    input_grad: bool = True,
) -> None:
    """Same output, same gradient for every parameter (by name) and for the input.

    Without ``loss`` the scalar is sum(output * r) for a fixed random r.
    """
    assert [k for k, _ in dg_model.named_parameters()] == [
        k for k, _ in th_model.named_parameters()
    ], "parameter names differ from torch's"
    copy_weights(th_model, dg_model)
    float_in = x.dtype.kind == "f"
    xd = dg.Tensor(x, requires_grad=input_grad and float_in)
    xt = torch.from_numpy(x.copy()).requires_grad_(input_grad and float_in)
    yd = dg_model(xd)
    yt = th_model(xt)
    np.testing.assert_allclose(
        yd.data, yt.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward"
    )
    assert yd.dtype == x.dtype or not float_in, f"output dtype {yd.dtype} for input {x.dtype}"
    if loss is None:
        r = np.random.default_rng(1).standard_normal(yd.shape).astype(yd.dtype)
        cd = (yd * dg.Tensor(r)).sum()
        ct = (yt * torch.from_numpy(r)).sum()
    else:
        cd, ct = loss(yd), th_loss(yt)
        np.testing.assert_allclose(cd.data, ct.detach().numpy(), rtol=rtol, atol=atol)
    cd.backward()
    ct.backward()
    th_params = dict(th_model.named_parameters())
    for name, p in dg_model.named_parameters():
        tg = th_params[name].grad
        assert p.grad is not None, f"no gradient for {name}"
        assert p.grad.dtype == p.dtype, f"{name}: gradient dtype {p.grad.dtype} != {p.dtype}"
        np.testing.assert_allclose(
            p.grad, tg.numpy(), rtol=rtol, atol=atol * 10, err_msg=f"gradient of {name}"
        )
    if input_grad and float_in:
        np.testing.assert_allclose(
            xd.grad, xt.grad.numpy(), rtol=rtol, atol=atol * 10, err_msg="input gradient"
        )


def has_op(*names: str) -> bool:
    """True when every named functional op has landed (a function, not a placeholder module)."""
    import deepgrad.functional as F

    return all(callable(getattr(F, n, None)) for n in names)
