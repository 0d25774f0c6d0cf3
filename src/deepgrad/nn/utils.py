"""``torch.nn.utils``'s names: gradient clipping (from ``deepgrad.optim.clip``) and parameters
flattened into one vector and back.

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
"""

from __future__ import annotations

from collections.abc import Iterable

from ..functional.shape import cat, reshape
from ..optim.clip import clip_grad_norm_, clip_grad_value_
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _tensors(parameters: Tensor | Iterable[Tensor], who: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: parameters[{i}] must be a deepgrad Tensor, got "
                            f"{type(p).__name__}")
    return params


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor, ``vec = [p_1.ravel(), ...]``
    (differentiable: the gradient of ``vec`` flows back to each parameter)."""
    params = _tensors(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    return cat([reshape(p, -1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Tensor | Iterable[Tensor]) -> None:
    """Set each parameter to its slice of ``vec`` (no gradient), the inverse of
    ``parameters_to_vector``. As in PyTorch the parameters then view ``vec``'s memory."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: vec must be a 1-D Tensor, got "
                        f"{type(vec).__name__} of shape {getattr(vec, 'shape', None)}")
    params = _tensors(parameters, "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if total != vec.shape[0]:
        raise ValueError(f"vector_to_parameters: vec has {vec.shape[0]} elements but the "
                         f"parameters have {total}")
    start = 0
    for p in params:
        n = p.numel()
        chunk = vec.data[start : start + n].reshape(p.shape)
        p.data = chunk if chunk.dtype == p.dtype else chunk.astype(p.dtype)
        p._version += 1
        start += n
