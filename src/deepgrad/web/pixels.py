"""Pictures in the lab's JSON answers: uint8 pixels as base64, with their shape.

    picture(a)        # {"width", "height", "channels", "data"}: a (H, W) or (H, W, 3) array
    unit_picture(x)   # a float C x H x W image in [0, 1] (a network's output): 255 x, rounded
    to_u8(maps, (1, 2))                # each map scaled to 0..255 on its own

The page decodes them with ``bytes()`` of ``static/lib/dom.js`` and paints them on a canvas.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

__all__ = ["b64", "to_u8", "picture", "unit_uint8", "unit_picture"]


def b64(a: np.ndarray) -> str:
    """The array's bytes (as uint8, C order) in base64."""
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def to_u8(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``a`` scaled to 0..255 over ``axes`` (each slice of the other axes on its own; a
    constant slice becomes 0)."""
    lo, hi = a.min(axis=axes, keepdims=True), a.max(axis=axes, keepdims=True)
    return np.round(255 * (a - lo) / np.where(hi > lo, hi - lo, 1)).astype(np.uint8)


def picture(image: Any) -> dict[str, Any]:
    """A uint8 grey (H, W) or colour (H, W, 3) image as the page paints it."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3):
        raise ValueError(f"picture: expected (H, W) or (H, W, 3), got {a.shape}")
    return {"width": int(a.shape[1]), "height": int(a.shape[0]),
            "channels": 1 if a.ndim == 2 else 3, "data": b64(a)}


def unit_uint8(image: Any) -> np.ndarray:
    """A float C x H x W image in [0, 1] (C 1 or 3: the week-4 networks' images) as uint8
    H x W or H x W x 3: ``round(255 x)``, clipped to 0..255."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 3 or x.shape[0] not in (1, 3):
        raise ValueError(f"unit_uint8: expected C x H x W with C 1 or 3, got {x.shape}")
    u8 = np.round(255 * np.clip(x, 0.0, 1.0)).astype(np.uint8)
    return u8[0] if x.shape[0] == 1 else u8.transpose(1, 2, 0)


def unit_picture(image: Any) -> dict[str, Any]:
    """A float C x H x W image in [0, 1] as the page paints it (:func:`unit_uint8`)."""
    return picture(unit_uint8(image))
