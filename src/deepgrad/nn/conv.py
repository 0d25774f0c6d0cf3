"""Convolution layers: Conv1d, Conv2d, ConvTranspose2d (PyTorch's weights, names and init).

A convolution slides a kernel over the input; each output is the dot product of the kernel with
one local receptive field (NCHW layout):

    out[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] * x[n, c, s*i + d*u - p, s*j + d*v - p]

``weight`` has shape (out_channels, in_channels / groups, kH, kW) (ConvTranspose2d: (in_channels,
out_channels / groups, kH, kW)). Default init (PyTorch's): W and b ~ U(-1/sqrt(fan_in),
1/sqrt(fan_in)), fan_in = weight.shape[1] * kH * kW.

Keras-style extras: ``padding='same'`` (any stride: out = ceil(in / stride)) or ``'valid'``;
``activation='relu'``; and a lazy ``in_channels``: ``Conv2d(32, 3, activation='relu')`` (two
positional arguments: out_channels and kernel_size) or ``LazyConv2d(32, 3)`` infers it from the
first input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from . import init
from .activation import get_activation
from .module import Module, Parameter
from .regularizers import get_constraint, get_regularizer

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d", "LazyConv2d"]


def _tuple(v: Any, n: int, name: str, layer: str) -> tuple[int, ...]:
    if isinstance(v, int | np.integer):
        return (int(v),) * n
    t = tuple(int(a) for a in v)
    if len(t) != n:
        raise ValueError(f"{layer}: {name} must be an int or a {n}-tuple, got {v!r}")
    return t


def _same_pads(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    """(left, right) zero padding giving out = ceil(size / s); the extra one goes right."""
    out = -(-size // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
    return total // 2, total - total // 2


class _ConvNd(Module):
    """Shared parameters, init, padding and repr of the convolutions."""

    _nd = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: Any = None,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding: Any = 0,
        activation: str | Callable | None = None,
        kernel_initializer: str | Callable | None = None,
        kernel_regularizer: Any = None,
        kernel_constraint: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        nd = self._nd
        if kernel_size is None:  # Keras form: Conv2d(filters, kernel_size), in_channels lazy
            if in_channels is None or out_channels is None:
                raise TypeError(f"{name}: kernel_size is required")
            in_channels, out_channels, kernel_size = None, in_channels, out_channels
        if int(out_channels) <= 0 or (in_channels is not None and int(in_channels) <= 0):
            raise ValueError(
                f"{name}: channels must be positive, got in_channels={in_channels}, "
                f"out_channels={out_channels}"
            )
        self.in_channels = None if in_channels is None else int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size", name)
        self.stride = _tuple(stride, nd, "stride", name)
        self.dilation = _tuple(dilation, nd, "dilation", name)
        self.output_padding = _tuple(output_padding, nd, "output_padding", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"{name}: padding must be 'same', 'valid' or ints, got {padding!r}"
                )
            if padding == "same" and self._transposed:
                raise ValueError(f"{name}: padding='same' is not supported for transposed convs")
            self.padding = padding if padding == "same" else (0,) * nd
        else:
            self.padding = _tuple(padding, nd, "padding", name)
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: unknown padding_mode {padding_mode!r}")
        self.padding_mode = padding_mode
        self.groups = int(groups)
        if self.out_channels % self.groups or (
            self.in_channels is not None and self.in_channels % self.groups
        ):
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                f"divisible by groups ({groups})"
            )
        self._use_bias = bool(bias)
        self.__dict__["activation"] = get_activation(activation)
        self.__dict__["_activation_name"] = activation if isinstance(activation, str) else None
        self.kernel_initializer = (
            None if kernel_initializer is None else init.get_initializer(kernel_initializer)
        )
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        self.add_regularizer("weight", get_regularizer(kernel_regularizer))
        self.add_constraint("weight", get_constraint(kernel_constraint))
        if self.in_channels is not None:
            self._build(self.in_channels, np.dtype(np.float32 if dtype is None else dtype))

    # -------------------------------------------------------------- parameters
    def _weight_shape(self, in_channels: int) -> tuple[int, ...]:
        if self._transposed:
            return (in_channels, self.out_channels // self.groups, *self.kernel_size)
        return (self.out_channels, in_channels // self.groups, *self.kernel_size)

    def _build(self, in_channels: int, dtype: Any) -> None:
        if in_channels % self.groups:
            raise ValueError(
                f"{type(self).__name__}: in_channels ({in_channels}) must be divisible by "
                f"groups ({self.groups})"
            )
        self.in_channels = int(in_channels)
        self.weight = Parameter(np.empty(self._weight_shape(in_channels), dtype=dtype))
        if self._use_bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        if self.weight is None:
            return
        if self.kernel_initializer is not None:
            self.kernel_initializer(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)
            return
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x: Tensor) -> None:
        nd = self._nd
        if x.ndim != nd + 2:
            raise ValueError(
                f"{type(self).__name__}: expected a {nd + 2}-D input (N, C, "
                f"{'L' if nd == 1 else 'H, W'}), got shape {x.shape}"
            )
        if self.weight is None:
            dt = self.__dict__.get("_dtype") or (x.dtype if x.dtype.kind == "f" else np.float32)
            self._build(x.shape[1], dt)
        elif x.shape[1] != self.in_channels:
            layout = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
            keras = "Conv2DTranspose" if self._transposed else "Conv2D"
            hint = (
                f" or use Keras' nn.{keras}(filters, kernel_size, data_format='channels_last')"
                if nd == 2
                else ""
            )
            raise ValueError(
                f"{type(self).__name__}: expected {self.in_channels} input channels, got "
                f"{x.shape[1]} (input shape {x.shape}); {type(self).__name__} reads axis 1 of "
                f"a {layout} input as the channels: for channels-last (NHWC) data, permute it "
                f"to {layout}{hint}"
            )

    def _load_from_state_dict(
        self, state_dict: dict, prefix: str, missing: list[str], errors: list[str]
    ) -> None:
        key = prefix + "weight"
        if self.weight is None:
            if key in state_dict:
                shape = np.shape(state_dict[key])
                c = shape[0] if self._transposed else shape[1] * self.groups
                self._build(c, self.__dict__.get("_dtype") or np.float32)
            else:
                missing.append(key)
        super()._load_from_state_dict(state_dict, prefix, missing, errors)

    def _pad_input(self, x: Tensor) -> tuple[Tensor, tuple[int, ...]]:
        """Apply 'same' or non-zero padding modes explicitly; return the padding left for F."""
        if self.padding == "same":
            pads = [
                _same_pads(n, k, s, d)
                for n, k, s, d in zip(
                    x.shape[2:], self.kernel_size, self.stride, self.dilation, strict=True
                )
            ]
            if all(a == b for a, b in pads) and self.padding_mode == "zeros":
                return x, tuple(a for a, _ in pads)
            flat = [p for pair in reversed(pads) for p in pair]
            mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
            return F.pad(x, flat, mode=mode), (0,) * self._nd
        if self.padding_mode != "zeros" and any(self.padding):
            flat = [p for p in reversed(self.padding) for _ in (0, 1)]
            return F.pad(x, flat, mode=self.padding_mode), (0,) * self._nd
        return x, self.padding

    def _activate(self, out: Tensor) -> Tensor:
        return out if self.activation is None else self.activation(out)

    def extra_repr(self) -> str:
        k = self.kernel_size
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={k}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if not self._use_bias:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        if self.activation is not None:
            s += f", activation={self._activation_name or self.activation}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as in every framework) over (N, C, H, W).

    ``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros')``; output size per dim:
    floor((in + 2p - d (k - 1) - 1) / s) + 1. Extras: ``padding='same'|'valid'``,
    ``activation=``, ``kernel_initializer=``, ``kernel_regularizer=``, ``kernel_constraint=``,
    and the Keras form ``Conv2d(filters, kernel_size)`` with in_channels inferred lazily.
    """

    _nd = 2

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        x, padding = self._pad_input(x)
        out = F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)
        return self._activate(out)


class LazyConv2d(Conv2d):
    """Conv2d whose in_channels comes from the first input: ``LazyConv2d(out_channels, k)``."""

    def __init__(self, out_channels: int, kernel_size: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(None, out_channels, kernel_size, *args, **kwargs)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L):
    out[n, o, i] = b[o] + sum_{c,u} W[o, c, u] x[n, c, s i + d u - p].

    Same arguments as Conv2d with ints; weight (out_channels, in_channels / groups, k).
    """

    _nd = 1

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        x, padding = self._pad_input(x)
        conv1d = getattr(F, "conv1d", None)
        if conv1d is not None:
            out = conv1d(
                x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
            )
        else:  # as a conv2d over a height-1 image
            w = F.unsqueeze(self.weight, 2)
            out = F.conv2d(
                F.unsqueeze(x, 2),
                w,
                self.bias,
                (1, self.stride[0]),
                (0, padding[0]),
                (1, self.dilation[0]),
                self.groups,
            )
            out = F.squeeze(out, 2)
        return self._activate(out)


class ConvTranspose2d(_ConvNd):
    """Transposed convolution (the gradient of Conv2d with respect to its input): it scatters
    each input pixel times the kernel into the output, upsampling by ``stride``.

    ``ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, groups=1, bias=True, dilation=1)``; weight (in_channels,
    out_channels / groups, kH, kW); output size per dim:
    (in - 1) s - 2p + d (k - 1) + output_padding + 1. ``forward(x, output_size=None)`` can pick
    output_padding to reach an exact size (as PyTorch).
    """

    _nd = 2
    _transposed = True

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: Any = None,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        **kwargs: Any,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError("ConvTranspose2d: only padding_mode='zeros' is supported")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
            **kwargs,
        )

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        size = tuple(output_size)[-2:]
        op = []
        for i, n in enumerate(x.shape[2:]):
            k, s, p, d = self.kernel_size[i], self.stride[i], self.padding[i], self.dilation[i]
            base = (n - 1) * s - 2 * p + d * (k - 1) + 1
            extra = size[i] - base
            if not 0 <= extra < max(s, d):
                raise ValueError(
                    f"ConvTranspose2d: output_size {tuple(output_size)} is not reachable from "
                    f"input "
                    f"{x.shape}: dim {i} can be {base}..{base + max(s, d) - 1}"
                )
            op.append(extra)
        return tuple(op)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        self._check_input(x)
        out = F.conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(x, output_size),
            self.groups,
            self.dilation,
        )
        return self._activate(out)
