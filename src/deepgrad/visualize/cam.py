"""Where the network looks: saliency (Simonyan et al. 2014) and Grad-CAM (Selvaraju et al. 2017).

Saliency of class c at input x: the gradient dS_c/dx of the class score (the logit) with respect
to the pixels; the map shown is its largest absolute value over channels.

Grad-CAM for a conv layer with feature maps A^k (k = 1..K): weights alpha_k = mean over positions
of dS_c/dA^k, map = ReLU(sum_k alpha_k A^k), upsampled (bilinear) to the input's size and divided
by its maximum.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import nn
from ..data.image_grid import save_png
from ..functional import interpolate
from ..tensor import Tensor, no_grad
from .inside import _capture, find_layer


def _targets(target: Any, n: int) -> np.ndarray:
    t = np.broadcast_to(np.asarray(target, dtype=np.int64), (n,))
    return np.ascontiguousarray(t)


def _batch(images: Any) -> np.ndarray:
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    if x.ndim < 2:
        raise ValueError(f"expected a batch of inputs, got shape {np.shape(images)}")
    return x


def _score(out: Tensor, t: np.ndarray) -> Tensor:
    if out.ndim != 2 or t.max(initial=0) >= out.shape[1] or t.min(initial=0) < 0:
        raise ValueError(f"target classes {sorted(set(t.tolist()))} do not index the model's "
                         f"output of shape {tuple(out.shape)}")
    return out[np.arange(len(t)), t].sum()


def saliency(model: nn.Module, images: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(gradient, map)``: dS_target/dx (the inputs' shape) and its max |.| over channels
    (N x H x W for N x C x H x W inputs)."""
    x = Tensor(_batch(images), requires_grad=True)
    t = _targets(target, len(x))
    was_training = model.training
    model.eval()
    try:
        _score(model(x), t).backward()
    finally:
        model.train(was_training)
    g = np.asarray(x.grad.data if isinstance(x.grad, Tensor) else x.grad, dtype=np.float32)
    smap = np.abs(g).max(axis=1) if g.ndim == 4 else np.abs(g)
    return g, smap


def grad_cam(model: nn.Module, layer: nn.Module | str, images: Any, target: Any,
             save: str | os.PathLike | None = None) -> np.ndarray:
    """Grad-CAM maps of ``layer`` for ``target`` (N x H x W in [0, 1], the inputs' size);
    ``save`` writes the first image with its map laid over it."""
    x = _batch(images)
    t = _targets(target, len(x))
    mod = find_layer(model, layer)
    was_training = model.training
    model.eval()
    try:
        out, a = _capture(model, mod, Tensor(x))
        if a.ndim != 4:
            raise ValueError(f"grad_cam: {type(mod).__name__} gives shape {tuple(a.shape)}, "
                             "not N x C x h x w feature maps")
        a.retain_grad()
        _score(out, t).backward()
    finally:
        model.train(was_training)
    A = np.asarray(a.data, dtype=np.float64)
    G = np.asarray(a.grad.data if isinstance(a.grad, Tensor) else a.grad, dtype=np.float64)
    alpha = G.mean(axis=(2, 3), keepdims=True)
    cam = np.maximum((alpha * A).sum(axis=1, keepdims=True), 0).astype(np.float32)
    with no_grad():
        cam = np.asarray(interpolate(Tensor(cam), size=tuple(x.shape[2:]), mode="bilinear",
                                     align_corners=False).data)[:, 0]
    top = cam.reshape(len(cam), -1).max(axis=1).reshape(-1, 1, 1)
    cam = np.where(top > 0, cam / np.where(top > 0, top, 1), 0).astype(np.float32)
    if save is not None:
        save_png(overlay(x[0], cam[0]), save, scale=max(1, 224 // max(x.shape[2:])))
    return cam


def overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """An image (C x H x W, any range) with a heat map in [0, 1] laid over it in red-yellow:
    H x W x 3 in [0, 1]."""
    img = np.asarray(image, dtype=np.float32)
    img = (img - img.min()) / max(float(img.max() - img.min()), 1e-12)
    rgb = np.repeat(img, 3, axis=0) if img.shape[0] == 1 else img[:3]
    rgb = rgb.transpose(1, 2, 0)
    h = np.clip(heat, 0, 1)[..., None]
    color = np.concatenate([np.ones_like(h), h, np.zeros_like(h)], axis=2)  # red -> yellow
    return (1 - alpha * h) * rgb + alpha * h * color
