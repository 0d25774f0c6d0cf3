"""Data augmentation and normalisation on NumPy images.

Every transform is a callable on one image (or a batch): the last two axes are height and
width (``H x W``, ``C x H x W`` or ``N x C x H x W``, deepgrad's NCHW). Random transforms draw
from their own generator (``seed=...``) or deepgrad's global one (``dg.manual_seed``), so a
pipeline is repeatable. Geometric transforms keep the input dtype; ``Normalize`` and
``GaussianNoise`` return float32.

    augment = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(),
                       Normalize(mean=[0.49, 0.48, 0.45], std=[0.25, 0.24, 0.26], scale=255)])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["Compose", "Normalize", "RandomCrop", "RandomHorizontalFlip", "RandomRotation",
           "RandomShift", "GaussianNoise", "RandomErasing", "ToFloat"]


def _rng(seed: int | np.random.Generator | None):
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed) if seed is not None else None


class _Random:
    def __init__(self, seed: int | np.random.Generator | None = None) -> None:
        self._own = _rng(seed)

    @property
    def rng(self) -> np.random.Generator:
        if self._own is not None:
            return self._own
        from ..random import get_rng

        return get_rng()


def _check(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"{name}: expected an image with >= 2 axes (..., H, W), got {x.shape}")
    return x


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms: Sequence[Callable[[np.ndarray], np.ndarray]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for t in self.transforms:
            x = t(x)
        return x


class ToFloat:
    """``x / scale`` as float32 (uint8 pixels -> [0, 1] with the default ``scale=255``)."""

    def __init__(self, scale: float = 255.0) -> None:
        self.scale = scale

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float32) / np.float32(self.scale)).astype(np.float32)


class Normalize:
    """``(x / scale - mean) / std`` per channel (channel axis -3, or a scalar for H x W)."""

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float],
                 scale: float = 1.0) -> None:
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be > 0, got {std}")
        self.scale = np.float32(scale)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = _check(x, "Normalize").astype(np.float32) / self.scale
        mean, std = self.mean, self.std
        if mean.ndim == 1:
            if x.ndim < 3 or x.shape[-3] != len(mean):
                raise ValueError(f"Normalize: {len(mean)} channel means for an image of shape "
                                 f"{x.shape} (channels on axis -3)")
            mean, std = mean[:, None, None], std[:, None, None]
        return ((x - mean) / std).astype(np.float32)


class RandomCrop(_Random):
    """Zero-pad by ``padding`` on each side, then crop a random ``size`` x ``size`` window."""

    def __init__(self, size: int | tuple[int, int], padding: int = 0, fill: float = 0,
                 seed=None) -> None:
        super().__init__(seed)
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding, self.fill = padding, fill

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = _check(x, "RandomCrop")
        p = self.padding
        if p:
            pad = [(0, 0)] * (x.ndim - 2) + [(p, p), (p, p)]
            x = np.pad(x, pad, constant_values=self.fill)
        H, W = x.shape[-2:]
        h, w = self.size
        if h > H or w > W:
            raise ValueError(f"RandomCrop: crop {self.size} larger than padded image {(H, W)}")
        i = int(self.rng.integers(0, H - h + 1))
        j = int(self.rng.integers(0, W - w + 1))
        return np.ascontiguousarray(x[..., i: i + h, j: j + w])


class RandomHorizontalFlip(_Random):
    """Mirror left-right with probability ``p``."""

    def __init__(self, p: float = 0.5, seed=None) -> None:
        super().__init__(seed)
        self.p = p

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = _check(x, "RandomHorizontalFlip")
        return np.ascontiguousarray(x[..., ::-1]) if self.rng.random() < self.p else x


def _affine(x: np.ndarray, angle_deg: float, shift: tuple[float, float], order: int,
            fill: float) -> np.ndarray:
    """Rotate about the centre by ``angle_deg`` and shift by (dy, dx) pixels, plane by plane."""
    from scipy import ndimage

    H, W = x.shape[-2:]
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    centre = np.array([(H - 1) / 2, (W - 1) / 2])
    # output coordinate o maps to input coordinate rot @ (o - centre - shift) + centre
    offset = centre - rot @ (centre + np.asarray(shift, dtype=float))
    planes = x.reshape(-1, H, W)
    out = np.empty(planes.shape, dtype=np.float64)
    for k, plane in enumerate(planes):
        out[k] = ndimage.affine_transform(plane.astype(np.float64), rot, offset=offset,
                                          order=order, mode="constant", cval=fill)
    if np.issubdtype(x.dtype, np.integer):
        info = np.iinfo(x.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(x.dtype).reshape(x.shape)


class RandomRotation(_Random):
    """Rotate by an angle drawn uniformly from [-degrees, degrees] (bilinear, zero fill)."""

    def __init__(self, degrees: float = 10.0, order: int = 1, fill: float = 0, seed=None):
        super().__init__(seed)
        self.degrees, self.order, self.fill = degrees, order, fill

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = _check(x, "RandomRotation")
        angle = float(self.rng.uniform(-self.degrees, self.degrees))
        return _affine(x, angle, (0.0, 0.0), self.order, self.fill)


class RandomShift(_Random):
    """Translate by up to ``max_shift`` pixels (int) or that fraction of the size (float < 1)."""

    def __init__(self, max_shift: float = 2, fill: float = 0, seed=None) -> None:
        super().__init__(seed)
        self.max_shift, self.fill = max_shift, fill

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = _check(x, "RandomShift")
        H, W = x.shape[-2:]
        my, mx = ((self.max_shift * H, self.max_shift * W) if self.max_shift < 1
                  else (self.max_shift, self.max_shift))
        dy = int(self.rng.integers(-int(my), int(my) + 1))
        dx = int(self.rng.integers(-int(mx), int(mx) + 1))
        out = np.full_like(x, self.fill)
        ys, yd = (slice(0, H - dy), slice(dy, H)) if dy >= 0 else (slice(-dy, H), slice(0, H + dy))
        xs, xd = (slice(0, W - dx), slice(dx, W)) if dx >= 0 else (slice(-dx, W), slice(0, W + dx))
        out[..., yd, xd] = x[..., ys, xs]
        return out


class GaussianNoise(_Random):
    """``x + N(0, std^2)`` elementwise, as float32 (clipped to ``clip`` if given)."""

    def __init__(self, std: float = 0.1, clip: tuple[float, float] | None = None, seed=None):
        super().__init__(seed)
        self.std, self.clip = std, clip

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        out = x + self.rng.standard_normal(x.shape, dtype=np.float32) * np.float32(self.std)
        if self.clip is not None:
            out = np.clip(out, np.float32(self.clip[0]), np.float32(self.clip[1]))
        return out.astype(np.float32)


class RandomErasing(_Random):
    """With probability ``p``, fill a random rectangle (area fraction in ``scale``, aspect ratio
    in ``ratio``) with ``value`` (Zhong et al. 2017)."""

    def __init__(self, p: float = 0.5, scale: tuple[float, float] = (0.02, 0.33),
                 ratio: tuple[float, float] = (0.3, 3.3), value: float = 0, seed=None) -> None:
        super().__init__(seed)
        self.p, self.scale, self.ratio, self.value = p, scale, ratio, value

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = _check(x, "RandomErasing")
        if self.rng.random() >= self.p:
            return x
        H, W = x.shape[-2:]
        for _ in range(10):
            area = self.rng.uniform(*self.scale) * H * W
            r = np.exp(self.rng.uniform(np.log(self.ratio[0]), np.log(self.ratio[1])))
            h, w = int(round(np.sqrt(area * r))), int(round(np.sqrt(area / r)))
            if 0 < h <= H and 0 < w <= W:
                i = int(self.rng.integers(0, H - h + 1))
                j = int(self.rng.integers(0, W - w + 1))
                out = x.copy()
                out[..., i: i + h, j: j + w] = self.value
                return out
        return x


def random_translate(batch: np.ndarray, max_shift: int = 2, fill: float = 0,
                     rng: np.random.Generator | None = None) -> np.ndarray:
    """Shift each image of a batch (N, ..., H, W) by its own random (dy, dx) in
    [-max_shift, max_shift] pixels, filling the uncovered border with ``fill``. One padded copy
    and one gather: no Python loop over images."""
    x = _check(batch, "random_translate")
    if max_shift <= 0:
        return x
    rng = rng if rng is not None else _Random().rng
    m = int(max_shift)
    n = x.shape[0]
    pad = [(0, 0)] * (x.ndim - 2) + [(m, m), (m, m)]
    padded = np.pad(x, pad, constant_values=fill)
    H, W = x.shape[-2:]
    windows = np.lib.stride_tricks.sliding_window_view(padded, (H, W), axis=(-2, -1))
    dy = rng.integers(0, 2 * m + 1, n)
    dx = rng.integers(0, 2 * m + 1, n)
    # windows: (N, ..., 2m+1, 2m+1, H, W); image i takes window (dy_i, dx_i)
    return np.moveaxis(windows, (-4, -3), (1, 2))[np.arange(n), dy, dx]
