"""Resizing feature maps (PyTorch's ``F.interpolate``): nearest, nearest-exact, linear, area.

Every mode but 'area' is *separable*: resizing an (N, C, d_1, ..., d_K) map is one 1-D resize per
spatial axis, and a 1-D resize of length ``n_in`` to ``n_out`` reads, for each output index i,
one or two input elements:

    nearest:        y[i] = x[s(i)],  s(i) = min(floor(i * r), n_in - 1)  (float32 r)
    nearest-exact:  y[i] = x[s(i)],  s(i) = min(floor((i + 0.5) * r), n_in - 1)
    linear:         y[i] = (1 - l_i) x[i0] + l_i x[i1],   with the source coordinate
                    c = r i (align_corners=True), else c = max(r (i + 0.5) - 0.5, 0),
                    i0 = min(floor(c), n_in - 1), i1 = min(i0 + 1, n_in - 1), l_i = c - i0

PyTorch's ratio r (``area_pixel_compute_scale``): (n_in - 1) / (n_out - 1) with align_corners
(0 when n_out = 1); otherwise 1 / scale_factor when ``scale_factor`` was given (and
``recompute_scale_factor`` is not set), else n_in / n_out. An axis whose size does not change is
copied. The indices are computed as PyTorch's CPU kernels do, so they agree to the last bit:
'nearest' in float32 (copying when n_out = n_in, halving when n_out = 2 n_in), the linear
coordinate in the input's precision with one rounding of r (i + 0.5) - 0.5 (a fused
multiply-add), every floor taken through float32.

Each 1-D resize is a linear map y = A x (A has one or two non-zeros per row), so its backward
is the transpose, dC/dx = A^T delta: every input element collects the deltas of the outputs
that read it, times their weights (a scatter-add, done by summing runs of equal indices:
the source indices never decrease). 'area' is adaptive average pooling (as in PyTorch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")


def _ratio(n_in: int, n_out: int, align_corners: bool, scale: float | None, dt: type) -> Any:
    """PyTorch's area_pixel_compute_scale, in precision ``dt``."""
    if align_corners:
        return dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(n_in) / dt(n_out)


def _floor32(v: np.ndarray) -> np.ndarray:
    """floorf(v): the value rounded to float32, then floored (as PyTorch's kernels)."""
    return np.floor(v.astype(np.float32)).astype(np.int64)


def nearest_indices(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """Source index of every output index for 'nearest' / 'nearest-exact' along one axis.

    As PyTorch's ``nearest_idx``: the ratio and the product in float32 whatever the input's
    dtype; 'nearest' copies when n_out = n_in and halves the index when n_out = 2 n_in."""
    i = np.arange(n_out)
    if not exact and n_out == n_in:
        return i
    if not exact and n_out == 2 * n_in:
        return i >> 1
    r = _ratio(n_in, n_out, False, scale, np.float32)
    c = (i.astype(np.float32) + np.float32(0.5)) * r if exact else i.astype(np.float32) * r
    return np.minimum(_floor32(c), n_in - 1)


def linear_weights(
    n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(i0, i1, l0, l1) of linear interpolation along one axis: y[i] = l0 x[i0] + l1 x[i1]."""
    dt = np.float64 if dtype == np.float64 else np.float32
    if n_in == n_out:  # PyTorch copies an axis whose size does not change
        idx = np.arange(n_out)
        return idx, idx, np.ones(n_out, dtype=dtype), np.zeros(n_out, dtype=dtype)
    r = _ratio(n_in, n_out, align_corners, scale, dt)
    i = np.arange(n_out, dtype=dt)
    if align_corners:
        c = r * i
    else:  # r (i + 0.5) - 0.5 rounded once, as the fused multiply-add of PyTorch's kernel
        c = (np.float64(r) * (i.astype(np.float64) + 0.5) - 0.5).astype(dt)
        np.maximum(c, dt(0), out=c)
    i0 = np.minimum(_floor32(c), n_in - 1)
    l1 = np.clip(c - i0.astype(dt), dt(0), dt(1))
    i1 = i0 + (i0 < n_in - 1)
    l0 = dt(1) - l1
    return i0, i1, l0.astype(dtype), l1.astype(dtype)


def _take_transpose(g: np.ndarray, idx: np.ndarray, n_in: int, axis: int) -> np.ndarray:
    """The adjoint of ``x.take(idx, axis)``: out[..., k, ...] = sum_{j: idx[j] = k} g[..., j, ...].

    ``idx`` never decreases, so equal indices form runs that ``np.add.reduceat`` sums."""
    shape = list(g.shape)
    shape[axis] = n_in
    out = np.zeros(shape, dtype=g.dtype)
    uniq, starts = np.unique(idx, return_index=True)
    sums = np.add.reduceat(g, starts, axis=axis)
    where = [slice(None)] * g.ndim
    where[axis] = uniq
    out[tuple(where)] = sums
    return out


class _Axis:
    """One 1-D resize y = A x along ``axis`` (forward ``apply``, backward ``transpose``)."""

    def __init__(self, axis: int, n_in: int, n_out: int, mode: str, scale: float | None,
                 align_corners: bool, dtype: np.dtype) -> None:
        self.axis, self.n_in = axis, n_in
        if mode in ("nearest", "nearest-exact"):
            self.taps = [(nearest_indices(n_in, n_out, scale, mode == "nearest-exact"), None)]
        else:
            i0, i1, l0, l1 = linear_weights(n_in, n_out, scale, align_corners, dtype)
            self.taps = [(i0, l0)] if n_in == n_out else [(i0, l0), (i1, l1)]

    def _w(self, w: np.ndarray, ndim: int) -> np.ndarray:
        return w.reshape((-1,) + (1,) * (ndim - 1 - self.axis))

    def apply(self, x: np.ndarray) -> np.ndarray:
        out = None
        for idx, w in self.taps:
            t = x.take(idx, axis=self.axis)
            if w is not None:
                t *= self._w(w, x.ndim)
            out = t if out is None else out + t
        return out

    def transpose(self, g: np.ndarray) -> np.ndarray:
        out = None
        for idx, w in self.taps:
            gw = g if w is None else g * self._w(w, g.ndim)
            t = _take_transpose(gw, idx, self.n_in, self.axis)
            out = t if out is None else out + t
        return out


def _output_size(
    op: str, spatial: tuple[int, ...], size: Any, scale_factor: Any
) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    k = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError(f"{op}: either size or scale_factor should be defined")
    if size is not None:
        sizes = (size,) * k if isinstance(size, int | np.integer) else tuple(size)
        if len(sizes) != k:
            raise ValueError(
                f"{op}: input and output must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {list(spatial)} and output size of "
                f"{list(sizes)}; give the input as (N, C, d1, ..., dK) and size as (o1, ..., oK)"
            )
        out = tuple(int(s) for s in sizes)
        scales: tuple[float | None, ...] = (None,) * k
    else:
        sfs = (scale_factor,) * k if not isinstance(scale_factor, Sequence) else tuple(
            scale_factor
        )
        if len(sfs) != k:
            raise ValueError(
                f"{op}: input and scale_factor must have the same number of spatial "
                f"dimensions, but got input with spatial dimensions of {list(spatial)} and "
                f"scale_factor of {list(sfs)}"
            )
        scales = tuple(float(s) for s in sfs)
        out = tuple(int(math.floor(float(n) * s)) for n, s in zip(spatial, scales, strict=True))
    if min(out) < 1 or min(spatial) < 1:
        raise ValueError(
            f"{op}: input and output sizes should be greater than 0, but got input "
            f"{list(spatial)} and output {list(out)}"
        )
    return out, scales


def interpolate(
    input: Tensor,  # noqa: A002
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) to ``size`` or by ``scale_factor``.

    PyTorch's arguments and results. Output size per axis: ``size``, or
    floor(n_in * scale_factor). The sampling rules and ratios are in the module docstring;
    modes: 'nearest' (default), 'nearest-exact', 'linear' (3-D), 'bilinear' (4-D),
    'trilinear' (5-D), 'area' (adaptive average pooling, 3-D/4-D). ``align_corners`` only
    for the linear modes (default False). ``recompute_scale_factor=True`` computes the ratio
    from the sizes, n_in / n_out, instead of 1 / scale_factor. ``antialias`` is not
    supported. Backward: dC/dx = A^T delta per axis (the transpose of each resize).
    """
    op = "interpolate"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    x = input.data
    if mode not in _MODES:
        raise ValueError(f"{op}: unknown mode {mode!r}; expected one of {', '.join(_MODES)}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op}: input must be 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W), got "
            f"shape {x.shape}"
        )
    linear = mode in _LINEAR
    if align_corners is not None and not linear and mode != "bicubic":
        raise ValueError(
            f"{op}: align_corners option can only be set with the interpolating modes: "
            f"linear | bilinear | bicubic | trilinear (got mode={mode!r})"
        )
    if linear and _LINEAR[mode] != x.ndim:
        raise NotImplementedError(
            f"{op}: got {x.ndim}-D input (shape {x.shape}), but {mode} mode needs a "
            f"{_LINEAR[mode]}-D input"
        )
    if mode == "bicubic":
        raise NotImplementedError(f"{op}: mode='bicubic' is not implemented in deepgrad")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not implemented in deepgrad")
    if recompute_scale_factor and size is not None:
        raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an explicit size")
    out_size, scales = _output_size(op, x.shape[2:], size, scale_factor)
    if recompute_scale_factor:
        scales = (None,) * len(out_size)
    if mode == "area":
        return _area(input, out_size)
    if linear and x.dtype.kind != "f":
        raise TypeError(f"{op}: mode={mode!r} needs a floating point input, got {x.dtype}")
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    axes = [
        _Axis(2 + k, n, o, mode, s, bool(align_corners), dtype)
        for k, (n, o, s) in enumerate(zip(x.shape[2:], out_size, scales, strict=True))
    ]
    y = x
    for ax in axes:
        y = ax.apply(y)

    def backward(delta: np.ndarray) -> tuple:
        g = delta
        for ax in reversed(axes):
            g = ax.transpose(g)
        return (g,)

    return make_result(y, (input,), backward, op)


def _area(input: Tensor, out_size: tuple[int, ...]) -> Tensor:  # noqa: A002
    from .pool import adaptive_avg_pool2d
    from .shape import squeeze, unsqueeze

    if input.ndim == 3:
        return squeeze(adaptive_avg_pool2d(unsqueeze(input, 2), (1, out_size[0])), 2)
    if input.ndim == 4:
        return adaptive_avg_pool2d(input, out_size)
    raise NotImplementedError("interpolate: mode='area' for 5-D inputs is not implemented")


def upsample(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """PyTorch's deprecated alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """interpolate(..., mode='nearest') (PyTorch's deprecated alias)."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """interpolate(..., mode='bilinear', align_corners=True) (PyTorch's deprecated alias)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
