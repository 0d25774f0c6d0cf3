"""ImageNet photos in, the preprocessing the EfficientNet-Lite weights expect, top-k classes out.

Preprocessing (TensorFlow's EfficientNet evaluation pipeline, which these weights were
converted from; ``efficientnet/preprocessing.py`` + ``lite/efficientnet_lite_builder.py``):

1. decode to RGB (grayscale, palette and RGBA photos are converted; alpha is dropped);
2. **center crop** a square of side ``224 / (224 + 32)`` of the shorter side (0.875, the
   same crop as torchvision's Resize(256) + CenterCrop(224));
3. **resize** it to 224 x 224, bicubic;
4. **normalize** ``(x - 127) / 128`` per channel (x in 0..255): the Lite models' mean and
   standard deviation (127, 128), so inputs lie in [-1, 1).

The PyTorch reference package's example normalizes with the ImageNet statistics instead
(mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225) on x / 255); ``normalization="imagenet"``
does that. On the 10 photos of the tests, the Lite statistics give the more confident and more
often right answers (e.g. skimage's coffee: espresso 0.95 against 0.78), as expected of the
statistics the network was trained with.

Bad input: a file that is not an image, is truncated, or has more than
:data:`MAX_PIXELS` (50 megapixels) raises :class:`~deepgrad.data.DataError` naming the file
(Pillow's decompression-bomb guard is also set to that limit, so a huge PNG is refused from its
header, before it is decoded).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor, no_grad
from .store import DataError, MissingDataError

__all__ = ["load_photo", "preprocess", "photo_batch", "classify", "top_classes", "MAX_PIXELS",
           "IMAGE_SIZE", "CROP_PADDING", "LITE_MEAN", "LITE_STD", "IMAGENET_MEAN",
           "IMAGENET_STD"]

MAX_PIXELS = 50_000_000
IMAGE_SIZE = 224
CROP_PADDING = 32
LITE_MEAN, LITE_STD = 127.0, 128.0
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

Photo = str | os.PathLike | np.ndarray | Any  # a path, an H x W x 3 uint8 array, a PIL image


def _name(photo: Photo) -> str:
    return str(photo) if isinstance(photo, str | os.PathLike) else f"<{type(photo).__name__}>"


def load_photo(photo: Photo) -> Any:
    """A PIL RGB image from a path, an H x W (x 3/4) uint8 array or a PIL image."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(photo, np.ndarray):
        a = photo
        if a.ndim == 3 and a.shape[2] == 1:
            a = a[:, :, 0]
        bad_shape = a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4))
        if a.dtype != np.uint8 or bad_shape:
            raise ValueError(f"photo array must be uint8 H x W, H x W x 3 or H x W x 4, got "
                             f"{a.dtype} {a.shape}")
        _check_pixels(a.shape[0] * a.shape[1], "<array>")
        return Image.fromarray(a).convert("RGB")
    if isinstance(photo, Image.Image):
        _check_pixels(photo.width * photo.height, "<PIL image>")
        return photo.convert("RGB")
    path = Path(photo)
    if not path.is_file():
        raise MissingDataError(f"{path}: no such photo")
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow warns above, and refuses above twice this
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                _check_pixels(im.width * im.height, str(path), im.size)
                im.load()  # decode now: a truncated file fails here, naming the file
                return im.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DataError(f"{path}: image too large ({e}); at most {MAX_PIXELS:,} pixels") from e
    except UnidentifiedImageError as e:
        raise DataError(f"{path}: not an image Pillow can read (JPEG, PNG, ...)") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise DataError(f"{path}: unreadable or truncated image ({e})") from e
    finally:
        Image.MAX_IMAGE_PIXELS = old


def _check_pixels(n: int, name: str, size: tuple[int, int] | None = None) -> None:
    if n > MAX_PIXELS:
        dims = f" ({size[0]} x {size[1]})" if size else ""
        raise DataError(f"{name}: image too large: {n:,} pixels{dims}, at most {MAX_PIXELS:,} "
                        "(50 megapixels)")
    if n == 0:
        raise DataError(f"{name}: empty image (0 pixels)")


def preprocess(photo: Photo, size: int = IMAGE_SIZE, normalization: str = "lite") -> np.ndarray:
    """One photo -> float32 (3, size, size): center crop 0.875, bicubic resize, normalize."""
    from PIL import Image

    if normalization not in ("lite", "imagenet"):
        raise ValueError(f"normalization must be 'lite' or 'imagenet', got {normalization!r}")
    im = load_photo(photo)
    w, h = im.size
    side = max(1, int(size / (size + CROP_PADDING) * min(w, h)))
    left, top = (w - side) // 2, (h - side) // 2
    im = im.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)
    x = np.asarray(im, dtype=np.float32)
    if normalization == "lite":
        x = (x - np.float32(LITE_MEAN)) / np.float32(LITE_STD)
    else:
        x = (x / np.float32(255) - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(
            IMAGENET_STD, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def photo_batch(photos: Sequence[Photo], size: int = IMAGE_SIZE,
                normalization: str = "lite") -> np.ndarray:
    """Photos -> float32 (N, 3, size, size)."""
    return np.stack([preprocess(p, size, normalization) for p in photos])


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64 (probabilities that sum to 1)."""
    z = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def top_classes(probs: np.ndarray, names: Sequence[str], top: int = 5) -> list:
    """[(name, probability), ...] of the ``top`` largest, per row of ``probs``."""
    out = []
    for row in np.atleast_2d(probs):
        idx = np.argsort(-row, kind="stable")[:top]
        out.append([(names[i], float(row[i])) for i in idx])
    return out


def classify(model: Any, photos: Photo | Iterable[Photo], top: int = 5, batch_size: int = 16,
             names: Sequence[str] | None = None, normalization: str = "lite") -> list:
    """Top-``top`` classes for each photo: a list of [(name, probability), ...] per photo.

    ``model`` maps (N, 3, 224, 224) to (N, 1000) logits (``efficientnet_lite0(True)``); runs in
    evaluation mode under ``no_grad``, ``batch_size`` photos at a time.
    """
    if isinstance(photos, str | os.PathLike | np.ndarray) or hasattr(photos, "convert"):
        photos = [photos]
    photos = list(photos)
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    if names is None:
        from .efficientnet_weights import imagenet_class_names

        names = imagenet_class_names()
    was_training = getattr(model, "training", False)
    model.eval()
    out = []
    try:
        for i in range(0, len(photos), batch_size):
            x = photo_batch(photos[i:i + batch_size], normalization=normalization)
            with no_grad():
                logits = model(Tensor(x)).data
            if logits.shape[-1] != len(names):
                raise ValueError(f"model gives {logits.shape[-1]} logits but there are "
                                 f"{len(names)} class names")
            out.extend(top_classes(softmax(logits), names, top))
    finally:
        model.train(was_training)
    return out


