"""Pooling (NCHW, PyTorch's names and arguments): max_pool2d, avg_pool2d, adaptive_avg_pool2d,
max_unpool2d.

Pooling summarizes each window of a feature map by one number; with a stride it shrinks the
map and grows the receptive field of the layers above. Every op works on strided views of the
input, one per kernel tap (a, b): ``x_pad[:, :, a*d : ... : s, b*d : ... : s]`` is, for every
window at once, the element the window holds at (a, b). So the cost is one elementwise pass per
tap over the output, and the memory order of the input (NCHW or channels-last) is kept.

max_pool2d has a compiled fast path (``_pool_kernels.py``: one pass forward, one backward) for
float32/float64 inputs without padding or dilation, in any memory layout; the NumPy code below
is the general path (and the one tests compare it with).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from .. import _jit
from ..tensor import Tensor, make_result
from . import _pool_kernels as K

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_unpool2d"]

IntPair = int | Sequence[int]


def _pair(v: IntPair, name: str, op: str) -> tuple[int, int]:
    if isinstance(v, int | np.integer) and not isinstance(v, bool):
        return int(v), int(v)
    try:
        t = tuple(int(e) for e in v)  # type: ignore[union-attr]
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {v!r}") from None
    if len(t) == 1:
        t = t * 2
    if len(t) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")
    return t  # type: ignore[return-value]


def _as_4d(op: str, x: np.ndarray) -> np.ndarray:
    if x.ndim == 3:
        return x[None]
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be 3-D (C, H, W) or 4-D (N, C, H, W), got {x.shape}")
    return x


def _out_size(op: str, n: int, ke: int, s: int, p: int, ceil_mode: bool, shape: tuple) -> int:
    span = n + 2 * p - ke
    if span < 0:
        raise ValueError(
            f"{op}: kernel (dilated size {ke}) is larger than the padded input ({n + 2 * p}) "
            f"for input shape {shape}"
        )
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= n + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


class _Windows:
    """Geometry of a pooling: kernel, stride, padding, dilation and the output size."""

    def __init__(
        self,
        op: str,
        shape: tuple[int, ...],
        kernel_size: IntPair,
        stride: IntPair | None,
        padding: IntPair,
        dilation: IntPair,
        ceil_mode: bool,
    ) -> None:
        self.kh, self.kw = _pair(kernel_size, "kernel_size", op)
        no_stride = stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
        self.sh, self.sw = (self.kh, self.kw) if no_stride else _pair(stride, "stride", op)  # type: ignore[arg-type]
        self.ph, self.pw = _pair(padding, "padding", op)
        self.dh, self.dw = _pair(dilation, "dilation", op)
        if min(self.kh, self.kw, self.sh, self.sw, self.dh, self.dw) < 1:
            raise ValueError(
                f"{op}: kernel_size, stride and dilation must be positive, got "
                f"{kernel_size!r}, {stride!r}, {dilation!r}"
            )
        keh, kew = self.dh * (self.kh - 1) + 1, self.dw * (self.kw - 1) + 1
        if min(self.ph, self.pw) < 0 or self.ph > self.kh // 2 or self.pw > self.kw // 2:
            raise ValueError(
                f"{op}: padding {padding!r} must be >= 0 and at most half of the kernel size "
                f"{(self.kh, self.kw)}"
            )
        n, c, h, w = shape
        self.h, self.w = h, w
        self.ho = _out_size(op, h, keh, self.sh, self.ph, ceil_mode, shape)
        self.wo = _out_size(op, w, kew, self.sw, self.pw, ceil_mode, shape)
        # padding actually needed at the bottom/right (ceil_mode windows may hang further out)
        self.pb = max((self.ho - 1) * self.sh + keh - h - self.ph, 0)
        self.pr = max((self.wo - 1) * self.sw + kew - w - self.pw, 0)

    def pad(self, x: np.ndarray, fill: float) -> np.ndarray:
        """x with ``fill`` around it (x itself when no padding is needed); memory order kept."""
        if not (self.ph or self.pw or self.pb or self.pr):
            return x
        n, c, h, w = x.shape
        hp, wp = h + self.ph + self.pb, w + self.pw + self.pr
        if _channels_innermost(x):
            buf = np.empty((n, hp, wp, c), dtype=x.dtype).transpose(0, 3, 1, 2)
        else:
            buf = np.empty((n, c, hp, wp), dtype=x.dtype)
        buf.fill(fill)
        buf[:, :, self.ph : self.ph + h, self.pw : self.pw + w] = x
        return buf

    def interior(self, xp: np.ndarray) -> np.ndarray:
        return xp[:, :, self.ph : self.ph + self.h, self.pw : self.pw + self.w]

    def taps(self, xp: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
        """(a, b, view): the element at kernel position (a, b) of every window, (n, c, ho, wo)."""
        eh = self.sh * (self.ho - 1) + 1
        ew = self.sw * (self.wo - 1) + 1
        for a in range(self.kh):
            for b in range(self.kw):
                r, s = a * self.dh, b * self.dw
                yield a, b, xp[:, :, r : r + eh : self.sh, s : s + ew : self.sw]

    @property
    def disjoint(self) -> bool:
        """True when no input element belongs to two windows."""
        return self.sh >= self.dh * (self.kh - 1) + 1 and self.sw >= self.dw * (self.kw - 1) + 1


def _channels_innermost(x: np.ndarray) -> bool:
    """True when a 4-D array's channel axis has the smallest stride (NHWC-like memory, not
    necessarily contiguous): the pooling then runs on the channels-last view."""
    s = x.strides
    return x.ndim == 4 and s[1] < s[3] and s[1] < s[2]


def _first_max_hits(
    win: _Windows, xp: np.ndarray, out: np.ndarray
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """(a, b, view, hit): hit marks the windows whose first maximum (row-major scan, as
    PyTorch) sits at kernel position (a, b); every window is hit exactly once. A window with a
    NaN (its maximum is NaN) is hit at its last NaN, as PyTorch's scan ``val > max || isnan``."""
    remaining = None
    taps = list(win.taps(xp))
    last_nan = None
    if np.isnan(out).any():
        last_nan = np.full(out.shape, -1, dtype=np.int32)
        for t, (_, _, v) in enumerate(taps):
            last_nan[np.isnan(v)] = t
    for t, (a, b, v) in enumerate(taps):
        hit = v == out
        if remaining is not None:
            hit &= remaining
        if last_nan is not None:
            hit |= last_nan == t
        if t + 1 < len(taps):
            if remaining is None:
                remaining = ~hit
            else:
                remaining &= ~hit
        yield a, b, v, hit


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """y[n, c, i, j] = max_{a, b} x_pad[n, c, s_h i + d_h a, s_w j + d_w b] (padding is -inf).

    Backward (the notes' heuristic for the non-differentiable max): the whole delta of a window
    goes to the element that was the maximum, dC/dx[argmax] += delta[n, c, i, j]; the other
    elements get 0. In a tie the first maximum in row-major order wins, and a window holding a
    NaN outputs NaN and routes its delta to its last NaN (both as PyTorch).
    ``return_indices=True`` also returns, for every output, the flat index h*W + w of its
    maximum in the (unpadded) H*W plane, as PyTorch (what max_unpool2d takes).
    The output has the input's memory order (channels-last in, channels-last out).
    """
    op = "max_pool2d"
    x = _as_4d(op, input.data)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    win = _Windows(op, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    if (
        _jit.enabled()
        and not (win.ph or win.pw or win.pb or win.pr)
        and win.dh == win.dw == 1
        and win.kh * win.kw <= K.MAX_TAPS
        and K.fits(x)
    ):
        return _max_pool2d_compiled(input, x, win, return_indices)
    xp = win.pad(x, -np.inf)
    out = None
    for _, _, v in win.taps(xp):
        if out is None:
            out = v.copy(order="K")
        else:
            np.maximum(out, v, out=out)
    assert out is not None

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(out.shape)
        dxp = np.zeros_like(xp)
        views = [v for _, _, v in win.taps(dxp)]
        for view, (_, _, _, hit) in zip(views, _first_max_hits(win, xp, out), strict=True):
            if win.disjoint:
                np.multiply(d, hit, out=view)
            else:
                view += d * hit
        return (win.interior(dxp).reshape(input.data.shape),)

    y = out.reshape(out.shape[1:]) if input.data.ndim == 3 else out
    result = make_result(y, (input,), backward, op)
    if not return_indices:
        return result
    tap = np.zeros(out.shape, dtype=np.int64)
    offsets = []
    for t, (a, b, _, hit) in enumerate(_first_max_hits(win, xp, out)):
        offsets.append((a * win.dh - win.ph) * win.w + b * win.dw - win.pw)
        if t:
            tap += hit * np.int64(t)
    rows = np.arange(win.ho, dtype=np.int64) * (win.sh * win.w)
    cols = np.arange(win.wo, dtype=np.int64) * win.sw
    idx = (rows[:, None] + cols[None, :]) + np.asarray(offsets, dtype=np.int64)[tap]
    return result, Tensor(idx.reshape(y.shape))


def _max_pool2d_compiled(
    input: Tensor,  # noqa: A002
    x: np.ndarray,
    win: _Windows,
    return_indices: bool,
) -> Tensor | tuple[Tensor, Tensor]:
    """max_pool2d's fast path (no padding, dilation 1): the kernels record, per output, the
    kernel tap t = a*kW + b of its maximum, so backward is one scatter,
    dC/dx[n, c, s_h i + a, s_w j + b] += delta[n, c, i, j]."""
    geo = (win.kh, win.kw, win.sh, win.sw)
    out, tap = K.forward(x, *geo, win.ho, win.wo)

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(out.shape)
        if d.dtype != x.dtype or not K.fits(d):
            d = np.ascontiguousarray(d, dtype=x.dtype)
        return (K.backward(d, out, tap, x, geo).reshape(input.data.shape),)

    y = out.reshape(out.shape[1:]) if input.data.ndim == 3 else out
    result = make_result(y, (input,), backward, "max_pool2d")
    if not return_indices:
        return result
    offsets = (np.arange(win.kh)[:, None] * win.w + np.arange(win.kw)).ravel()
    rows = np.arange(win.ho, dtype=np.int64) * (win.sh * win.w)
    cols = np.arange(win.wo, dtype=np.int64) * win.sw
    idx = (rows[:, None] + cols[None, :]) + offsets[K.tap_view(tap, out)]
    return result, Tensor(idx.reshape(y.shape))


def _avg_divisor(n: int, k: int, s: int, p: int, o: int, count_include_pad: bool) -> np.ndarray:
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """y[n, c, i, j] = (1 / |window|) sum_{a, b} x_pad[n, c, s_h i + a, s_w j + b] (zero padding).

    |window| counts the padding when ``count_include_pad`` (but never the part of a ceil_mode
    window beyond the padding), only real elements otherwise; ``divisor_override`` replaces it.
    Backward: every element of a window receives delta[n, c, i, j] / |window|, summed over the
    windows it belongs to.
    """
    op = "avg_pool2d"
    x = _as_4d(op, input.data)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    win = _Windows(op, x.shape, kernel_size, stride, padding, 1, ceil_mode)
    xp = win.pad(x, 0.0)
    out = None
    for _, _, v in win.taps(xp):
        if out is None:
            out = v.copy(order="K")
        else:
            out += v
    assert out is not None
    if divisor_override is not None:
        if int(divisor_override) == 0:
            raise ValueError(f"{op}: divisor_override must not be zero")
        inv = np.asarray(1.0 / int(divisor_override), dtype=x.dtype)
    else:
        dh = _avg_divisor(win.h, win.kh, win.sh, win.ph, win.ho, count_include_pad)
        dw = _avg_divisor(win.w, win.kw, win.sw, win.pw, win.wo, count_include_pad)
        inv = (1.0 / (dh[:, None] * dw[None, :])).astype(x.dtype)
    out *= inv

    def backward(delta: np.ndarray) -> tuple:
        g = delta.reshape(out.shape) * inv
        dxp = np.zeros_like(xp)
        for _, _, view in win.taps(dxp):
            if win.disjoint:
                np.copyto(view, g)
            else:
                view += g
        return (win.interior(dxp).reshape(input.data.shape),)

    y = out.reshape(out.shape[1:]) if input.data.ndim == 3 else out
    return make_result(y, (input,), backward, op)


def _adaptive_matrix(n: int, o: int, dtype: np.dtype) -> np.ndarray:
    """(o, n) averaging matrix: row i averages x[floor(i n / o) : ceil((i + 1) n / o)]."""
    a = np.zeros((o, n), dtype=dtype)
    for i in range(o):
        start = (i * n) // o
        end = -(-((i + 1) * n) // o)
        a[i, start:end] = 1.0 / (end - start)
    return a


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:  # noqa: A002
    """Average pooling to a fixed output size (H_out, W_out), whatever the input size.

    Window i along H covers rows floor(i H / H_out) to ceil((i + 1) H / H_out) - 1 (as
    PyTorch); windows may overlap. Written as y = A_H x A_W^T with averaging matrices A, so
    backward is dC/dx = A_H^T delta A_W (equal windows -- H and W multiples of the output
    size -- are avg_pool2d, and global pooling a plain mean: each element gets delta / |window|).
    ``None`` in output_size keeps that input size.
    """
    op = "adaptive_avg_pool2d"
    x = _as_4d(op, input.data)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    if isinstance(output_size, int | np.integer):
        sizes: tuple = (int(output_size), int(output_size))
    else:
        sizes = tuple(output_size)
        if len(sizes) != 2:
            raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    ho = x.shape[2] if sizes[0] is None else int(sizes[0])
    wo = x.shape[3] if sizes[1] is None else int(sizes[1])
    if ho < 1 or wo < 1 or min(x.shape[1:]) < 1:  # (an empty batch is fine, as PyTorch)
        raise ValueError(
            f"{op}: output_size {output_size!r} and input shape {x.shape} must be positive"
        )
    n, c, h, w = x.shape
    if (ho, wo) != (1, 1) and h % ho == 0 and w % wo == 0:  # equal windows, no overlap
        return avg_pool2d(input, (h // ho, w // wo))  # type: ignore[return-value]
    if (ho, wo) == (1, 1):  # global average pooling
        scale = x.dtype.type(1.0 / (h * w))
        out = x.sum(axis=(2, 3), keepdims=True)
        out *= scale

        def backward(delta: np.ndarray) -> tuple:
            dx = np.empty(x.shape, dtype=delta.dtype)
            dx[...] = delta.reshape(out.shape) * scale
            return (dx.reshape(input.data.shape),)

    else:
        ah = _adaptive_matrix(h, ho, x.dtype)
        aw = _adaptive_matrix(w, wo, x.dtype)
        out = np.matmul(np.matmul(ah, x), aw.T)

        def backward(delta: np.ndarray) -> tuple:
            d = delta.reshape(out.shape)
            return (np.matmul(np.matmul(ah.T, d), aw).reshape(input.data.shape),)

    y = out.reshape(out.shape[1:]) if input.data.ndim == 3 else out
    return make_result(y, (input,), backward, op)


def max_unpool2d(
    input: Tensor,  # noqa: A002
    indices: Tensor | np.ndarray,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The partial inverse of max_pool2d: y is zero except y.flat_plane[indices] = x.

    Output (N, C, H_out, W_out) with H_out = (H - 1) s_h - 2 p_h + kH, or ``output_size``
    (the last two entries are used). Backward: dC/dx = delta.flat_plane[indices] (a gather).
    """
    op = "max_unpool2d"
    x = _as_4d(op, input.data)
    idx_arr = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx_arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {idx_arr.dtype}")
    if idx_arr.shape != input.data.shape:
        raise ValueError(
            f"{op}: indices shape {idx_arr.shape} must equal the input shape {input.data.shape}"
        )
    kh, kw = _pair(kernel_size, "kernel_size", op)
    no_stride = stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
    sh, sw = (kh, kw) if no_stride else _pair(stride, "stride", op)  # type: ignore[arg-type]
    ph, pw = _pair(padding, "padding", op)
    n, c, h, w = x.shape
    if output_size is not None:
        size = tuple(int(v) for v in output_size)[-2:]
        if len(size) != 2:
            raise ValueError(f"{op}: output_size must end with (H, W), got {output_size!r}")
        ho, wo = size
    else:
        ho, wo = (h - 1) * sh - 2 * ph + kh, (w - 1) * sw - 2 * pw + kw
    if ho < 1 or wo < 1:
        raise ValueError(f"{op}: output size ({ho}, {wo}) must be positive")
    flat_idx = idx_arr.reshape(n * c, h * w).astype(np.int64, copy=False)
    if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= ho * wo):
        raise ValueError(
            f"{op}: indices must lie in [0, {ho * wo}) for output size ({ho}, {wo}), got range "
            f"[{flat_idx.min()}, {flat_idx.max()}]"
        )
    out = np.zeros((n * c, ho * wo), dtype=x.dtype)
    np.put_along_axis(out, flat_idx, x.reshape(n * c, h * w), axis=1)

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(n * c, ho * wo)
        return (np.take_along_axis(d, flat_idx, axis=1).reshape(input.data.shape),)

    shape = (c, ho, wo) if input.data.ndim == 3 else (n, c, ho, wo)
    return make_result(out.reshape(shape), (input,), backward, op)
