"""Dropout (inverted): zero activations at random while training, rescale the survivors."""

from __future__ import annotations

import warnings

import numpy as np

from ..random import draw_rows, get_rng
from ..tensor import Tensor, commit_inplace, make_result

__all__ = ["dropout", "dropout2d"]


def _check_p(p: float, op: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability p must be in [0, 1], got {p}")


def _mask(
    shape: tuple[int, ...], p: float, dtype: np.dtype, rng: np.random.Generator
) -> np.ndarray:
    """m = [u >= p] / (1 - p), u ~ U[0, 1), in ``dtype`` (one buffer, no float64 temporaries)."""
    draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float64
    m = rng.random(shape, dtype=draw_dtype)
    np.greater_equal(m, p, out=m)  # 1.0 where kept, 0.0 where dropped
    m *= m.dtype.type(1 / (1 - p))
    return m.astype(dtype, copy=False)


def _draw_mask(shape: tuple[int, ...], p: float, dtype: np.dtype,
               rng: np.random.Generator | None, op: str) -> np.ndarray:
    """The mask from ``rng``, else from deepgrad's generator (in data-parallel training, this
    rank's rows of the global batch's mask: ``deepgrad.random.draw_rows``)."""
    if rng is not None:
        return _mask(shape, p, dtype, rng)
    return draw_rows(shape, lambda s: _mask(s, p, dtype, get_rng()), op)


def _apply(input: Tensor, mask: np.ndarray, op: str) -> Tensor:  # noqa: A002
    out = input.data * mask

    def backward(delta: np.ndarray) -> tuple:
        return (delta * mask,)

    return make_result(out, (input,), backward, op)


def dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """out = x m,  m_i = [u_i >= p] / (1 - p),  u_i ~ U[0, 1)  (keep with probability 1 - p).

    E[out] = x, so evaluation needs no rescaling. dC/dx = delta m (the same mask).
    p = 0 or training=False returns ``input`` itself; p = 1 gives zeros. ``inplace=True`` writes
    the result into ``input`` (PyTorch's flag; refused for a leaf that requires grad). The mask
    is drawn from ``rng`` or deepgrad's generator (``dg.manual_seed`` makes it repeatable).
    """
    _check_p(p, "dropout")
    if inplace and training and p != 0:  # PyTorch's flag: input takes the dropped-out value
        return commit_inplace(input, lambda t: dropout(t, p, training, rng=rng), "dropout_")
    if not training or p == 0:
        return input
    if p == 1:
        return _apply(input, np.zeros(input.shape, dtype=input.dtype), "dropout")
    mask = _draw_mask(input.shape, p, input.dtype, rng, "dropout")
    return _apply(input, mask, "dropout")


def dropout2d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """Channel dropout for (N, C, H, W): whole feature maps are zeroed together.

    out[n, c] = x[n, c] m_nc,  m_nc = [u_nc >= p] / (1 - p);  dC/dx[n, c] = delta[n, c] m_nc.
    As PyTorch 2.x, a 3-D input is read as (N, C, L) (channel-wise 1-D dropout, with PyTorch's
    warning), not as an unbatched (C, H, W) image, and other ranks >= 2 drop whole (n, c)
    slices with a deprecation warning.
    """
    _check_p(p, "dropout2d")
    if inplace and training and p != 0:
        return commit_inplace(input, lambda t: dropout2d(t, p, training, rng=rng), "dropout2d_")
    if input.ndim < 2:
        raise ValueError(
            "dropout2d: expected a 4-D (N, C, H, W) or 3-D input, got shape " f"{input.shape}"
        )
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated "
            "(PyTorch's behaviour is kept: whole (n, c) slices are dropped); use dropout",
            stacklevel=2,
        )
    elif input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim (as PyTorch; a future PyTorch reads it as (C, H, W))",
            stacklevel=2,
        )
    if not training or p == 0:
        return input
    shape = input.shape[:2] + (1,) * (input.ndim - 2)
    if p == 1:
        return _apply(input, np.zeros(shape, dtype=input.dtype), "dropout2d")
    mask = _draw_mask(shape, p, input.dtype, rng, "dropout2d")
    return _apply(input, mask, "dropout2d")
