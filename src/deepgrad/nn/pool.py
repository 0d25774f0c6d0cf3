"""Pooling layers (NCHW): MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d, MaxUnpool2d.

Pooling summarises each k x k window by its maximum or mean: it shrinks the feature map, grows
the receptive field of the layers after it, and makes the output tolerant to small translations.
Max pooling's backward sends delta only to the window's maximum (the notes' "heuristic").
"""

from __future__ import annotations

from typing import Any

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from .module import Module

__all__ = [
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "GlobalAvgPool2d",
    "GlobalMaxPool2d",
    "MaxUnpool2d",
]


def _check4d(layer: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{layer}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


class MaxPool2d(Module):
    """out[n, c, i, j] = max over the window (s i + d u - p, s j + d v - p), u, v < k.

    ``MaxPool2d(kernel_size, stride=None (= kernel_size), padding=0, dilation=1,
    return_indices=False, ceil_mode=False)``; with ``return_indices`` it also returns the flat
    argmax positions that MaxUnpool2d needs.
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor) -> Any:
        _check4d("MaxPool2d", x)
        kw: dict[str, Any] = {}
        if self.dilation not in (1, (1, 1)):
            kw["dilation"] = self.dilation
        if self.ceil_mode:
            kw["ceil_mode"] = True
        if self.return_indices:
            kw["return_indices"] = True
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, **kw)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """out[n, c, i, j] = mean over the k x k window at (s i - p, s j - p).

    ``AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)``.
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        _check4d("AvgPool2d", x)
        kw: dict[str, Any] = {}
        if self.ceil_mode:
            kw["ceil_mode"] = True
        if not self.count_include_pad:
            kw["count_include_pad"] = False
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, **kw)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (H_out, W_out) whatever the input size: window i
    covers rows floor(i H / H_out) .. ceil((i + 1) H / H_out) - 1 (PyTorch's rule)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        _check4d("AdaptiveAvgPool2d", x)
        size = self.output_size
        if size in (1, (1, 1)):  # the common case, global average pooling, needs no special op
            return F.mean(x, dim=(2, 3), keepdim=True)
        return F.adaptive_avg_pool2d(x, size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class GlobalAvgPool2d(Module):
    """Global average pooling of NCHW maps: out[n, c] = mean over h, w of x[n, c, h, w]
    (Keras' ``nn.GlobalAveragePooling2D`` is the channels-last one, with ``data_format``).

    Output (N, C), or (N, C, 1, 1) with ``keepdims=True``.
    """

    def __init__(self, keepdims: bool = False) -> None:
        super().__init__()
        self.keepdims = keepdims

    def forward(self, x: Tensor) -> Tensor:
        _check4d("GlobalAvgPool2d", x)
        return F.mean(x, dim=(2, 3), keepdim=self.keepdims)

    def extra_repr(self) -> str:
        return "keepdims=True" if self.keepdims else ""


class GlobalMaxPool2d(Module):
    """out[n, c] = max over h, w of x[n, c, h, w] (NCHW; Keras' channels-last one is
    ``nn.GlobalMaxPooling2D``)."""

    def __init__(self, keepdims: bool = False) -> None:
        super().__init__()
        self.keepdims = keepdims

    def forward(self, x: Tensor) -> Tensor:
        _check4d("GlobalMaxPool2d", x)
        return F.amax(x, dim=(2, 3), keepdim=self.keepdims)


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: puts each value back at its argmax position (from
    ``MaxPool2d(..., return_indices=True)``), zeros elsewhere.

    ``forward(x, indices, output_size=None)``; default output size
    (in - 1) s - 2p + k per dim.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x: Tensor, indices: Any, output_size: Any = None) -> Tensor:
        _check4d("MaxUnpool2d", x)
        return F.max_unpool2d(
            x, indices, self.kernel_size, self.stride, self.padding, output_size=output_size
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
