"""Whether an image looks like a captioning run's training images: a model trained on the
composed scenes (64 x 64 grey canvases of digits on black) describes anything it is shown as
such a scene, so ``deepgrad caption`` and the web lab say so when a photo is shown to it."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["unlike_training", "is_colour"]


def is_colour(image: Any) -> bool:
    """True when the Pillow image's channels differ (a grey image stored as RGB is grey)."""
    if image.mode in ("L", "1", "I", "I;16", "F"):
        return False
    a = np.asarray(image.convert("RGB").resize((32, 32)), dtype=np.int16)
    return bool(np.abs(a - a.mean(axis=2, keepdims=True)).max() > 8)


def unlike_training(image: Any, info: dict, name: str) -> str | None:
    """Why the Pillow ``image`` (called ``name``) is not like the training images of the run
    described by ``info`` (its model.json and metrics), or None when it is (or when the run's
    encoder, EfficientNet-Lite0, takes any photo)."""
    if info.get("encoder") != "scene-cnn":
        return None
    w, h = image.size
    colour = is_colour(image)
    side = int(info.get("image_size", 64))
    if colour or (w, h) != (side, side):
        return (f"{name} is a {w} x {h} {'colour' if colour else 'grey'} image, but this "
                f"model only knows {info.get('trained_on', 'its scenes')} ({side} x {side} "
                f"grey canvases of a few objects on black): its caption describes the image "
                f"as if it were such a scene, not what is in it")
    return None
