"""The picture of ``deepgrad classify``: each photo beside the bars of its top-k classes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_predictions"]


def plot_predictions(photos: Sequence[Any], titles: Sequence[str],
                     predictions: Sequence[Sequence[tuple[str, float]]],
                     path: str | Path) -> Path:
    """One row per photo: the photo (the 224/256 center crop the network sees outlined in
    red) and a horizontal bar per class with its probability. Written atomically as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ...data.imagenet import CROP_PADDING, IMAGE_SIZE, load_photo
    from ...data.store import atomic_write

    rows = len(photos)
    fig, axes = plt.subplots(rows, 2, figsize=(10, 3.2 * rows), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1.35]})
    for r, (photo, title, top) in enumerate(zip(photos, titles, predictions, strict=True)):
        im = load_photo(photo)
        ax = axes[r, 0]
        ax.imshow(np.asarray(im))
        w, h = im.size
        side = int(IMAGE_SIZE / (IMAGE_SIZE + CROP_PADDING) * min(w, h))
        ax.add_patch(Rectangle(((w - side) // 2, (h - side) // 2), side, side, fill=False,
                               edgecolor="red", linewidth=1.5))
        ax.set_title(f"{Path(str(title)).name} ({w} x {h})", fontsize=9)
        ax.axis("off")
        ax = axes[r, 1]
        names = [n for n, _ in top][::-1]
        probs = [p for _, p in top][::-1]
        bars = ax.barh(range(len(top)), probs, color="tab:blue")
        bars[-1].set_color("tab:orange")  # the top class
        ax.set_yticks(range(len(top)), names, fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability (softmax of the logits)", fontsize=8)
        for i, p in enumerate(probs):
            ax.text(min(p + 0.01, 0.85), i, f"{p:.3f}", va="center", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    path = Path(path)
    with atomic_write(path) as f:
        f.write(buf.getvalue())
    return path
