"""Keras' convolution layers: Conv2D and Conv2DTranspose, channels-last by default.

Keras' names, arguments and semantics beside the PyTorch-named NCHW ``Conv2d``: images are
(batch, height, width, channels) unless ``data_format='channels_first'``, the number of input
channels is taken from the first input (or ``input_shape=``), and padding is Keras' (TF's):

* 'valid': no padding, out = floor((in - k_eff) / s) + 1, k_eff = d (k - 1) + 1;
* 'same':  out = ceil(in / s), reached by padding p = max((out - 1) s + k_eff - in, 0) zeros,
  floor(p / 2) before (top/left) and the rest after (bottom/right): with stride > 1 the extra
  row and column go to the bottom and right.

The arithmetic is deepgrad's NCHW convolution (the channels-last input is a transposed view of
the same memory, which is the layout the convolution kernels prefer). Parameters are stored as
PyTorch's ``weight`` (filters, in/groups, kH, kW) and ``bias``; ``kernel`` and
``get_weights()``/``set_weights()`` give and take Keras' kernel layout (kH, kW, in/groups,
filters) -- Conv2DTranspose: (kH, kW, filters, in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import init
from .activation import get_activation
from .module import Module, Parameter
from .regularizers import get_constraint, get_regularizer

__all__ = ["Conv2D", "Conv2DTranspose"]

_FORMATS = ("channels_last", "channels_first")


# ------------------------------------------------------------------ shared Keras image helpers
def standardize_data_format(layer: str, data_format: str | None) -> str:
    """None -> 'channels_last' (Keras' default image_data_format); else checked and lowered."""
    if data_format is None:
        return "channels_last"
    fmt = str(data_format).lower()
    if fmt not in _FORMATS:
        raise ValueError(
            f"{layer}: data_format must be 'channels_last' or 'channels_first', got "
            f"{data_format!r}"
        )
    return fmt


def standardize_padding(layer: str, padding: str) -> str:
    pad = str(padding).lower()
    if pad not in ("valid", "same"):
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")
    return pad


def standardize_tuple(layer: str, name: str, value: Any, allow_zero: bool = False) -> tuple:
    """An int or a pair of ints -> a pair of ints (positive, or >= 0 with ``allow_zero``)."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        pair = (int(value), int(value))
    else:
        try:
            pair = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(
                f"{layer}: {name} must be an int or a tuple of 2 ints, got {value!r}"
            ) from None
        if len(pair) != 2:
            raise ValueError(f"{layer}: {name} must be an int or a tuple of 2 ints, got {value!r}")
    if min(pair) < (0 if allow_zero else 1):
        bound = ">= 0" if allow_zero else "positive"
        raise ValueError(f"{layer}: {name} must be {bound}, got {value!r}")
    return pair


def same_pads(size: int, k_eff: int, stride: int) -> tuple[int, int]:
    """Keras/TF 'same' padding of one axis: (before, after), the odd one after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def image_axes(data_format: str) -> tuple[int, int, int]:
    """(height axis, width axis, channel axis) of a 4-D image batch."""
    return (1, 2, 3) if data_format == "channels_last" else (2, 3, 1)


def layout_text(data_format: str) -> str:
    if data_format == "channels_last":
        return "(batch, height, width, channels)"
    return "(batch, channels, height, width)"


def check_image(layer: str, x: Tensor, data_format: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(
            f"{layer}: expected a 4-D input {layout_text(data_format)} for "
            f"data_format='{data_format}', got shape {x.shape}"
        )


def to_nchw(x: Tensor, data_format: str) -> Tensor:
    """NHWC -> NCHW as a view (channels_first inputs are returned as they are)."""
    return F.permute(x, 0, 3, 1, 2) if data_format == "channels_last" else x


def from_nchw(y: Tensor, data_format: str) -> Tensor:
    return F.permute(y, 0, 2, 3, 1) if data_format == "channels_last" else y


def pad_image(x: Tensor, pads: Sequence[tuple[int, int]], data_format: str, value: float) -> Tensor:
    """Pad the two spatial axes of an image batch by ((top, bottom), (left, right))."""
    (t, b), (left, r) = pads
    if data_format == "channels_last":
        return F.pad(x, [0, 0, left, r, t, b], value=value)
    return F.pad(x, [left, r, t, b], value=value)


# ------------------------------------------------------------------ the layers
class _KerasConv(Module):
    """Shared arguments, lazy build, Keras weight layout and shape checks."""

    _transposed = False

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        groups: int = 1,
        activation: str | Callable | None = None,
        use_bias: bool = True,
        kernel_initializer: str | Callable = "glorot_uniform",
        bias_initializer: str | Callable = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        input_shape: Sequence[int | None] | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(filters, bool) or int(filters) != filters or int(filters) <= 0:
            raise ValueError(f"{name}: filters must be a positive int, got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = standardize_tuple(name, "kernel_size", kernel_size)
        self.strides = standardize_tuple(name, "strides", strides)
        self.dilation_rate = standardize_tuple(name, "dilation_rate", dilation_rate)
        self.padding = standardize_padding(name, padding)
        self.data_format = standardize_data_format(name, data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{name}: strides > 1 is not supported together with dilation_rate > 1 (as in "
                f"Keras), got strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.groups = int(groups)
        if self.groups < 1 or self.filters % self.groups:
            raise ValueError(
                f"{name}: groups must be a positive int dividing filters, got groups={groups}, "
                f"filters={filters}"
            )
        self.use_bias = bool(use_bias)
        self.__dict__["activation"] = get_activation(activation)  # not a child module
        self.__dict__["_activation_name"] = activation if isinstance(activation, str) else None
        self.kernel_initializer = init.get_initializer(kernel_initializer)
        self.bias_initializer = init.get_initializer(bias_initializer)
        self.__dict__["_dtype"] = None if dtype is None else np.dtype(dtype)
        self.in_channels: int | None = None
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        self.add_regularizer("weight", get_regularizer(kernel_regularizer))
        self.add_regularizer("bias", get_regularizer(bias_regularizer))
        self.add_constraint("weight", get_constraint(kernel_constraint))
        self.add_constraint("bias", get_constraint(bias_constraint))
        if input_shape is not None:
            shape = tuple(input_shape)
            if len(shape) != 3:
                raise ValueError(
                    f"{name}: input_shape is the shape of one image without the batch dim, "
                    f"{layout_text(self.data_format)[7:]}, got {input_shape!r}"
                )
            c = shape[-1] if self.data_format == "channels_last" else shape[0]
            if c is None:
                raise ValueError(f"{name}: input_shape must give the channels, got {shape}")
            self._build(int(c), self.__dict__["_dtype"] or np.float32)
            self.__dict__["_build_input_shape"] = (None, *shape)

    # -------------------------------------------------------------- weights
    @property
    def built(self) -> bool:
        return self.weight is not None

    def _weight_shape(self, in_channels: int) -> tuple[int, ...]:
        kh, kw = self.kernel_size
        if self._transposed:
            return (in_channels, self.filters, kh, kw)
        return (self.filters, in_channels // self.groups, kh, kw)

    def _build(self, in_channels: int, dtype: Any) -> None:
        if in_channels % self.groups:
            raise ValueError(
                f"{type(self).__name__}: the number of input channels ({in_channels}) must be "
                f"divisible by groups ({self.groups})"
            )
        self.in_channels = int(in_channels)
        self.weight = Parameter(np.empty(self._weight_shape(in_channels), dtype=dtype))
        if self.use_bias:
            self.bias = Parameter(np.empty(self.filters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Keras' defaults: glorot_uniform kernel (fans as Keras computes them), zero bias."""
        if self.weight is not None:
            self.kernel_initializer(self.weight)
        if self.bias is not None:
            self.bias_initializer(self.bias)

    @property
    def kernel(self) -> np.ndarray | None:
        """The kernel in Keras' layout (kH, kW, in/groups, filters), a view of ``weight``."""
        return None if self.weight is None else self.weight.data.transpose(2, 3, 1, 0)

    def get_weights(self) -> list[np.ndarray]:
        """[kernel, bias] in Keras' layouts (copies), as Keras' ``layer.get_weights()``."""
        if self.weight is None:
            return []
        out = [self.kernel.copy()]
        if self.bias is not None:
            out.append(self.bias.data.copy())
        return out

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Load [kernel, bias] given in Keras' layouts (builds the layer if needed)."""
        name = type(self).__name__
        weights = [np.asarray(w) for w in weights]
        want = 2 if self.use_bias else 1
        if len(weights) != want:
            raise ValueError(f"{name}: set_weights expects {want} arrays, got {len(weights)}")
        k = weights[0]
        if k.ndim != 4:
            raise ValueError(f"{name}: the kernel must be 4-D (kH, kW, ., .), got {k.shape}")
        if self.weight is None:
            c = k.shape[3] if self._transposed else k.shape[2] * self.groups
            self._build(c, self.__dict__["_dtype"] or np.float32)
        if k.shape != self.kernel.shape:
            raise ValueError(
                f"{name}: kernel shape {k.shape} does not match the layer's {self.kernel.shape}"
            )
        self.weight.data[...] = k.transpose(3, 2, 0, 1)
        if self.use_bias:
            if weights[1].shape != (self.filters,):
                raise ValueError(
                    f"{name}: bias must have shape ({self.filters},), got {weights[1].shape}"
                )
            self.bias.data[...] = weights[1]

    def _load_from_state_dict(
        self, state_dict: dict, prefix: str, missing: list[str], errors: list[str]
    ) -> None:
        key = prefix + "weight"
        if self.weight is None:
            if key in state_dict and len(np.shape(state_dict[key])) == 4:
                shape = np.shape(state_dict[key])
                c = shape[0] if self._transposed else shape[1] * self.groups
                self._build(c, self.__dict__["_dtype"] or np.float32)
            else:
                missing.append(key)
        super()._load_from_state_dict(state_dict, prefix, missing, errors)

    # -------------------------------------------------------------- forward helpers
    def _prepare(self, x: Tensor) -> None:
        """Check the input; build the weights from its channel count at the first call."""
        name = type(self).__name__
        check_image(name, x, self.data_format)
        c_axis = image_axes(self.data_format)[2]
        c = x.shape[c_axis]
        if self.weight is None:
            dt = self.__dict__["_dtype"] or (x.dtype if x.dtype.kind == "f" else np.float32)
            self._build(c, dt)
            self.__dict__.setdefault("_build_input_shape", (None, *x.shape[1:]))
        elif c != self.in_channels:
            other = "channels_first" if self.data_format == "channels_last" else "channels_last"
            raise ValueError(
                f"{name}: expected {self.in_channels} input channels on axis {c_axis} "
                f"(data_format='{self.data_format}', input {layout_text(self.data_format)}), "
                f"got {c} in input shape {x.shape}; if the images are laid out the other way, "
                f"use data_format='{other}'"
            )
        out = self.compute_output_shape(x.shape)
        if min(out[1:]) < 1:
            raise ValueError(
                f"{name}: the input shape {x.shape} is too small for kernel_size="
                f"{self.kernel_size}, strides={self.strides}, dilation_rate="
                f"{self.dilation_rate} with padding='{self.padding}' (output shape {out})"
            )

    def _finish(self, y: Tensor) -> Tensor:
        y = from_nchw(y, self.data_format)
        return y if self.activation is None else self.activation(y)

    def _spatial(self, shape: Sequence[int]) -> tuple[int, int]:
        h, w, _ = image_axes(self.data_format)
        return shape[h], shape[w]

    def _with_spatial(self, shape: Sequence[Any], hw: Sequence[Any]) -> tuple:
        if self.data_format == "channels_last":
            return (shape[0], *hw, self.filters)
        return (shape[0], self.filters, *hw)

    def extra_repr(self) -> str:
        s = (
            f"filters={self.filters}, kernel_size={self.kernel_size}, strides={self.strides}, "
            f"padding='{self.padding}', data_format='{self.data_format}'"
        )
        if self.dilation_rate != (1, 1):
            s += f", dilation_rate={self.dilation_rate}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if not self.use_bias:
            s += ", use_bias=False"
        if self.activation is not None:
            s += f", activation={self._activation_name or self.activation}"
        return s


def conv_output_length(n: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    """Keras' conv/pool output length: valid floor((n - k_eff) / s) + 1, same floor((n-1)/s)+1."""
    if n is None:
        return None
    k_eff = d * (k - 1) + 1
    return (n - k_eff) // s + 1 if padding == "valid" else (n - 1) // s + 1


class Conv2D(_KerasConv):
    """Keras' 2-D convolution over (batch, height, width, channels) images.

    out[n, i, j, f] = activation(b[f] + sum_{a, c, e} K[a, c, e, f]
                                 x_pad[n, s_h i + d_h a, s_w j + d_w c, e])
    (with groups, e runs over the input channels of f's group). ``Conv2D(filters, kernel_size,
    strides=(1, 1), padding='valid', data_format=None, dilation_rate=(1, 1), groups=1,
    activation=None, use_bias=True, kernel_initializer='glorot_uniform',
    bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None,
    kernel_constraint=None, bias_constraint=None, input_shape=None)``; padding as in the module
    docstring. Gradients are those of deepgrad's conv2d (and pad, for asymmetric 'same').
    """

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple:
        hw = [
            conv_output_length(n, k, s, d, self.padding)
            for n, k, s, d in zip(
                self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate,
                strict=True,
            )
        ]
        return self._with_spatial(input_shape, hw)

    def forward(self, x: Tensor) -> Tensor:
        self._prepare(x)
        padding: Any = 0
        if self.padding == "same":
            pads = [
                same_pads(n, d * (k - 1) + 1, s)
                for n, k, s, d in zip(
                    self._spatial(x.shape), self.kernel_size, self.strides, self.dilation_rate,
                    strict=True,
                )
            ]
            if all(a == b for a, b in pads):
                padding = tuple(a for a, _ in pads)
            else:  # asymmetric: pad explicitly (in the input's own layout), then 'valid'
                x = pad_image(x, pads, self.data_format, 0.0)
        y = F.conv2d(
            to_nchw(x, self.data_format), self.weight, self.bias, self.strides, padding,
            self.dilation_rate, self.groups,
        )
        return self._finish(y)


def transpose_pads(
    k: int, s: int, d: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """Keras' conv-transpose padding of one axis, as (crop before, crop after) of the full
    transposed convolution of length (in - 1) s + k_eff (a negative crop extends it).

    Keras (as JAX) pads the stride-dilated input by (left, right):
      'valid': left = k_eff - 1, right = k_eff - 1 + output_padding
               (output_padding defaults to max(k_eff, s) - k_eff);
      'same':  total = s + k_eff - 2 (no output_padding) or k_eff + k_eff % 2 - 2 +
               output_padding; left = min(ceil(total / 2), k_eff - 1), right = total - left;
    and the crops are k_eff - 1 - left and k_eff - 1 - right.
    """
    k_eff = d * (k - 1) + 1
    if padding == "valid":
        op = max(k_eff, s) - k_eff if output_padding is None else output_padding
        left, right = k_eff - 1, k_eff - 1 + op
    else:
        total = s + k_eff - 2 if output_padding is None else k_eff + k_eff % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, k_eff - 1)
        right = total - left
    return k_eff - 1 - left, k_eff - 1 - right


def conv_transpose_output_length(
    n: int | None, k: int, s: int, d: int, padding: str, output_padding: int | None
) -> int | None:
    """Keras' Conv2DTranspose output length (``compute_conv_transpose_output_shape``)."""
    if n is None:
        return None
    k_eff = d * (k - 1) + 1
    if padding == "valid":
        op = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return (n - 1) * s + k_eff + op
    return n * s if output_padding is None else (n - 1) * s + k_eff % 2 + output_padding


class Conv2DTranspose(_KerasConv):
    """Keras' transposed convolution (the gradient of Conv2D with respect to its input), which
    upsamples by ``strides``: every input pixel scatters its kernel-weighted copy,

        full[n, s_h i + d_h a, s_w j + d_w c, f] += x[n, i, j, e] K[a, c, f, e],

    and the output is ``full`` cropped per axis as :func:`transpose_pads` says, plus b[f].
    Output size per axis: 'valid' (in - 1) s + k_eff + output_padding (default
    max(k_eff, s) - k_eff), 'same' in * s (or (in - 1) s + k_eff % 2 + output_padding).
    ``Conv2DTranspose(filters, kernel_size, strides=(1, 1), padding='valid',
    output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
    use_bias=True, ...)``. Kernel (Keras' layout) (kH, kW, filters, in); ``weight`` is
    PyTorch's ConvTranspose2d layout (in, filters, kH, kW).
    """

    _transposed = True

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        activation: str | Callable | None = None,
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters, kernel_size, strides, padding, data_format, dilation_rate, 1, activation,
            use_bias, **kwargs,
        )
        name = type(self).__name__
        self.output_padding = (
            None
            if output_padding is None
            else standardize_tuple(name, "output_padding", output_padding, allow_zero=True)
        )
        if self.output_padding is not None and any(
            op >= s for op, s in zip(self.output_padding, self.strides, strict=True)
        ):
            raise ValueError(
                f"{name}: output_padding must be < strides, got output_padding="
                f"{self.output_padding}, strides={self.strides}"
            )

    @property
    def kernel(self) -> np.ndarray | None:
        """The kernel in Keras' layout (kH, kW, filters, in), a view of ``weight``."""
        return None if self.weight is None else self.weight.data.transpose(2, 3, 1, 0)

    def _ops(self) -> list[int | None]:
        return [None, None] if self.output_padding is None else list(self.output_padding)

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple:
        hw = [
            conv_transpose_output_length(n, k, s, d, self.padding, op)
            for n, k, s, d, op in zip(
                self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate,
                self._ops(), strict=True,
            )
        ]
        return self._with_spatial(input_shape, hw)

    def forward(self, x: Tensor) -> Tensor:
        self._prepare(x)
        crops = [
            transpose_pads(k, s, d, self.padding, op)
            for k, s, d, op in zip(
                self.kernel_size, self.strides, self.dilation_rate, self._ops(), strict=True
            )
        ]
        # PyTorch's padding p crops p on both sides and output_padding extends the end: take
        # the common part that way, slice off what remains of an asymmetric crop.
        sym = [min(a, max(b, 0)) for a, b in crops]
        extend = [max(-b, 0) for _, b in crops]
        y = F.conv_transpose2d(
            to_nchw(x, self.data_format), self.weight, self.bias, self.strides, tuple(sym),
            tuple(extend), 1, self.dilation_rate,
        )
        rest = [(a - p, max(b, 0) - p) for (a, b), p in zip(crops, sym, strict=True)]
        if any(a or b for a, b in rest):
            (t, b), (left, r) = rest
            y = y[:, :, t : y.shape[2] - b, left : y.shape[3] - r]
        return self._finish(y)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.output_padding is not None:
            s += f", output_padding={self.output_padding}"
        return s
