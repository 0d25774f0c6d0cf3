"""Keras' pooling and upsampling layers, channels-last by default: MaxPooling2D,
AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, UpSampling2D.

Windows and padding are Keras' (see ``keras_conv``): 'valid' gives
out = floor((in - pool) / s) + 1, 'same' gives out = ceil(in / s) with the padding split
floor(p / 2) before and the rest after. Padded positions never win a max (they are -inf), and
an average over a 'same' window divides by the number of *real* elements it covers (Keras
divides the window sum by the window count of an all-ones image), not by pool_h * pool_w.
The arithmetic is deepgrad's NCHW pooling and interpolation on a transposed view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .keras_conv import (
    check_image,
    conv_output_length,
    from_nchw,
    image_axes,
    pad_image,
    same_pads,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
    to_nchw,
)
from .module import Module

__all__ = [
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "UpSampling2D",
]


class _Pooling2D(Module):
    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.pool_size = standardize_tuple(name, "pool_size", pool_size)
        self.strides = (
            self.pool_size if strides is None else standardize_tuple(name, "strides", strides)
        )
        self.padding = standardize_padding(name, padding)
        self.data_format = standardize_data_format(name, data_format)

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple:
        h, w, _ = image_axes(self.data_format)
        out = list(input_shape)
        for ax, k, s in zip((h, w), self.pool_size, self.strides, strict=True):
            out[ax] = conv_output_length(input_shape[ax], k, s, 1, self.padding)
        return tuple(out)

    def _pads(self, x: Tensor) -> list[tuple[int, int]]:
        h, w, _ = image_axes(self.data_format)
        out = self.compute_output_shape(x.shape)
        if min(out) < 1:
            raise ValueError(
                f"{type(self).__name__}: the input shape {x.shape} is too small for pool_size="
                f"{self.pool_size}, strides={self.strides} with padding='{self.padding}' "
                f"(data_format='{self.data_format}')"
            )
        if self.padding == "valid":
            return [(0, 0), (0, 0)]
        return [
            same_pads(x.shape[ax], k, s)
            for ax, k, s in zip((h, w), self.pool_size, self.strides, strict=True)
        ]

    def extra_repr(self) -> str:
        return (
            f"pool_size={self.pool_size}, strides={self.strides}, padding='{self.padding}', "
            f"data_format='{self.data_format}'"
        )


class MaxPooling2D(_Pooling2D):
    """out[n, i, j, c] = max over the pool_size window at (s_h i, s_w j) of x_pad[n, ., ., c].

    ``MaxPooling2D(pool_size=(2, 2), strides=None (= pool_size), padding='valid',
    data_format=None)``; 'same' pads with -inf. Backward: each window's delta goes to its
    maximum (deepgrad's max_pool2d)."""

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x, self.data_format)
        pads = self._pads(x)
        padding: Any = 0
        if all(a == b for a, b in pads):
            padding = tuple(a for a, _ in pads)
        else:
            x = pad_image(x, pads, self.data_format, -np.inf)
        y = F.max_pool2d(to_nchw(x, self.data_format), self.pool_size, self.strides, padding)
        return from_nchw(y, self.data_format)


class AveragePooling2D(_Pooling2D):
    """out[n, i, j, c] = (1 / count_ij) sum over the window of x_pad[n, ., ., c], with
    count_ij the number of real (not padded) elements of the window (Keras' rule).

    ``AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format=None)``.
    Backward: every real element of a window gets delta / count_ij."""

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x, self.data_format)
        pads = self._pads(x)
        if all(a == b for a, b in pads):  # PyTorch's count_include_pad=False is Keras' rule
            y = F.avg_pool2d(
                to_nchw(x, self.data_format), self.pool_size, self.strides,
                tuple(a for a, _ in pads), count_include_pad=False,
            )
            return from_nchw(y, self.data_format)
        h, w, _ = image_axes(self.data_format)
        counts = [
            _window_counts(x.shape[ax], k, s, p)
            for ax, k, s, p in zip((h, w), self.pool_size, self.strides, pads, strict=True)
        ]
        inv = (1.0 / (counts[0][:, None] * counts[1][None, :])).astype(x.dtype)
        xp = to_nchw(pad_image(x, pads, self.data_format, 0.0), self.data_format)
        total = F.avg_pool2d(xp, self.pool_size, self.strides, 0, divisor_override=1)
        return from_nchw(total * Tensor(inv), self.data_format)


def _window_counts(n: int, k: int, s: int, pads: tuple[int, int]) -> np.ndarray:
    """Real elements in each window along one axis padded by (before, after)."""
    out = (n + pads[0] + pads[1] - k) // s + 1
    start = np.arange(out) * s - pads[0]
    return (np.minimum(start + k, n) - np.maximum(start, 0)).astype(np.float64)


class _GlobalPooling2D(Module):
    def __init__(self, data_format: str | None = None, keepdims: bool = False) -> None:
        super().__init__()
        self.data_format = standardize_data_format(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)

    def _axes(self) -> tuple[int, int]:
        h, w, _ = image_axes(self.data_format)
        return h, w

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple:
        h, w, c = image_axes(self.data_format)
        if self.keepdims:
            out = list(input_shape)
            out[h] = out[w] = 1
            return tuple(out)
        return (input_shape[0], input_shape[c])

    def extra_repr(self) -> str:
        return f"data_format='{self.data_format}', keepdims={self.keepdims}"


class GlobalAveragePooling2D(_GlobalPooling2D):
    """out[n, c] = mean over (h, w) of x[n, h, w, c] (channels_last) or x[n, c, h, w].

    ``GlobalAveragePooling2D(data_format=None, keepdims=False)``; keepdims keeps the spatial
    axes as size 1 (Keras). dC/dx = delta / (H W) everywhere."""

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x, self.data_format)
        return F.mean(x, dim=self._axes(), keepdim=self.keepdims)


class GlobalMaxPooling2D(_GlobalPooling2D):
    """out[n, c] = max over (h, w) of the image's channel c (Keras' GlobalMaxPooling2D)."""

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x, self.data_format)
        return F.amax(x, dim=self._axes(), keepdim=self.keepdims)


class UpSampling2D(Module):
    """Keras' UpSampling2D: repeat every row size[0] times and every column size[1] times
    ('nearest'), or resize to (size[0] H, size[1] W) by bilinear interpolation with half-pixel
    centres ('bilinear', as Keras' image resize; PyTorch's align_corners=False).

    ``UpSampling2D(size=(2, 2), data_format=None, interpolation='nearest')``. Backward: each
    input collects the deltas of the outputs made from it (F.interpolate's transpose)."""

    def __init__(
        self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest"
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.size = standardize_tuple(name, "size", size)
        self.data_format = standardize_data_format(name, data_format)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"{name}: interpolation must be 'nearest' or 'bilinear' (others are not "
                f"implemented in deepgrad), got {interpolation!r}"
            )
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple:
        h, w, _ = image_axes(self.data_format)
        out = list(input_shape)
        for ax, f in zip((h, w), self.size, strict=True):
            out[ax] = None if out[ax] is None else out[ax] * f
        return tuple(out)

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x, self.data_format)
        h, w, _ = image_axes(self.data_format)
        size = (x.shape[h] * self.size[0], x.shape[w] * self.size[1])
        y = F.interpolate(to_nchw(x, self.data_format), size=size, mode=self.interpolation)
        return from_nchw(y, self.data_format)

    def extra_repr(self) -> str:
        return (
            f"size={self.size}, data_format='{self.data_format}', "
            f"interpolation='{self.interpolation}'"
        )
