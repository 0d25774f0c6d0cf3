"""pad (torch.nn.functional.pad): constant (negative widths crop), reflect, replicate and
circular padding of the last dims, with the backward beside it. Re-exported by ``shape.py``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..tensor import Tensor, make_result

__all__ = ["pad"]


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad the last dims; ``pad`` lists (left, right) pairs starting from the last dim, as in
    torch.nn.functional.pad. Modes: 'constant' (``value``, 0 when None; a negative width
    crops, as PyTorch), 'reflect', 'replicate', 'circular'.
    dC/dx = delta cropped back (for reflect/replicate/circular, the padded copies add in)."""
    pad = [int(p) for p in pad]
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: expected pairs for at most {input.ndim} dims, got {pad}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    np_mode = {
        "constant": "constant",
        "reflect": "reflect",
        "replicate": "edge",
        "circular": "wrap",
    }.get(mode)
    if np_mode is None:
        raise ValueError(f"pad: unknown mode {mode!r}")
    shape = input.data.shape
    if any(a < 0 or b < 0 for a, b in widths):
        if np_mode != "constant":
            raise ValueError(f"pad: negative padding {pad} is only supported in mode 'constant'")
        return _pad_constant_signed(input, widths, 0.0 if value is None else value)
    if np_mode == "constant":
        fill = 0 if value is None else value
        out = np.pad(input.data, widths, mode="constant", constant_values=fill)
    else:
        if value is not None and value != 0:
            raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
        out = np.pad(input.data, widths, mode=np_mode)
    crop = tuple(slice(a, a + n) for (a, _), n in zip(widths, shape, strict=True))

    def backward(delta: np.ndarray) -> tuple:
        if np_mode == "constant":
            return (delta[crop],)
        # route each padded element's gradient to its source by padding an index map
        src = np.arange(int(np.prod(shape))).reshape(shape)
        src = np.pad(src, widths, mode=np_mode)
        g = np.bincount(src.ravel(), weights=delta.ravel(), minlength=int(np.prod(shape)))
        return (g.reshape(shape).astype(delta.dtype),)

    return make_result(out, (input,), backward, "pad")


def _pad_constant_signed(x: Tensor, widths: list[tuple[int, int]], value: float) -> Tensor:
    """Constant padding where some widths are negative: crop those sides, pad the others."""
    shape = x.data.shape
    keep = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(widths, shape, strict=True))
    if any(s.stop < s.start for s in keep):
        raise ValueError(f"pad: the padding {widths} crops more than the input shape {shape}")
    grow = [(max(a, 0), max(b, 0)) for a, b in widths]
    out = np.pad(x.data[keep], grow, mode="constant", constant_values=value)
    inner = tuple(slice(a, a + (s.stop - s.start)) for (a, _), s in zip(grow, keep, strict=True))

    def backward(delta: np.ndarray) -> tuple:
        g = np.zeros(shape, dtype=delta.dtype)
        g[keep] = delta[inner]
        return (g,)

    return make_result(out, (x,), backward, "pad")
