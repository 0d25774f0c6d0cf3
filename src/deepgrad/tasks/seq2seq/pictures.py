"""The attention-weights heatmap: one panel per input, output characters down, input across."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["attention_heatmap"]


def attention_heatmap(panels: Sequence[tuple[str, str, np.ndarray]], path: Path,
                      title: str) -> Path | None:
    """``panels``: (input text, output text, weights (len(output)+1, len(input))); the last
    row is the end token. Returns None (and says so) without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("seq2seq: matplotlib is not installed; no attention heatmap (pip install "
              "deepgrad[plots])")
        return None
    n = len(panels)
    cols = 2 if n > 1 else 1
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.5 * cols, 3.6 * rows), squeeze=False)
    for ax, (text, out, w) in zip(axes.ravel(), panels, strict=False):
        ax.imshow(w, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(text)), [c if c != " " else "\u00b7" for c in text],
                      fontsize=8, family="monospace")  # a space shown as a middle dot
        ax.set_yticks(range(w.shape[0]), list(out) + ["<end>"][: w.shape[0] - len(out)],
                      fontsize=8, family="monospace")
        ax.set_xlabel(f"input: {text!r}")
        ax.set_ylabel(f"output: {out}")
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
