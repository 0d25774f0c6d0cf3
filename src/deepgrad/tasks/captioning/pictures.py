"""Attention pictures: for each image, the image and, per generated word, where the attention
decoder looked (alpha over the encoder's locations, upsampled to the image and laid over it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["attention_grid"]


def _upsample(alpha: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """alpha (h, w) -> shape (H, W), bilinear (Pillow), scaled to a maximum of 1."""
    from PIL import Image

    a = np.asarray(alpha, np.float32)
    up = np.asarray(Image.fromarray(a / max(float(a.max()), 1e-12))
                    .resize((shape[1], shape[0]), Image.BILINEAR))
    return np.clip(up, 0.0, 1.0)


def attention_grid(panels: list[tuple[np.ndarray, list[str], np.ndarray, str]], path: Path,
                   title: str, max_words: int = 21) -> bool:
    """One row per ``(image, words, alpha (T, L) or (T, h, w), verdict)``: the image, then each
    word (END last) over its attention map. Returns False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    if not panels:
        return False
    cols = 1 + min(max_words, max(len(p[1]) + 1 for p in panels))
    fig, axes = plt.subplots(len(panels), cols, figsize=(1.3 * cols, 1.5 * len(panels)),
                             squeeze=False)
    for r, (image, words, alpha, verdict) in enumerate(panels):
        img = np.asarray(image)
        grey = img if img.ndim == 2 else img.mean(axis=2)
        a = np.asarray(alpha)
        if a.ndim == 2:
            side = int(round(np.sqrt(a.shape[1])))
            a = a.reshape(len(a), side, -1)
        axes[r, 0].imshow(img, cmap="gray" if img.ndim == 2 else None)
        axes[r, 0].set_title(verdict, fontsize=7)
        labels = [*words, "<end>"]
        for c in range(1, cols):
            ax = axes[r, c]
            k = c - 1
            if k < min(len(labels), len(a)):
                ax.imshow(grey, cmap="gray")
                ax.imshow(_upsample(a[k], grey.shape), cmap="magma", alpha=0.55, vmin=0, vmax=1)
                ax.set_title(labels[k], fontsize=7)
        for ax in axes[r]:
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return True
