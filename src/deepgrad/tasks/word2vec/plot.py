"""A 2-D map of word vectors: their first two principal components (scikit-learn's PCA)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...models.keyed_vectors import KeyedVectors

__all__ = ["word_map"]


def word_map(kv: KeyedVectors, words: list[str], path: str | Path) -> bool:
    """Project the unit vectors of ``words`` on their first two principal components and
    write a labelled scatter plot to ``path`` (PNG). False (and a notice) without
    matplotlib or scikit-learn."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from sklearn.decomposition import PCA
    except ImportError as e:
        print(f"  map.png: skipped ({e.name} is not installed)")
        return False
    x = np.stack([kv[w] for w in words]).astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    pca = PCA(n_components=2)
    xy = pca.fit_transform(x)
    fig, ax = plt.subplots(figsize=(8, 6.5), dpi=100)
    ax.scatter(xy[:, 0], xy[:, 1], s=14, color="tab:blue")
    for (px, py), w in zip(xy, words, strict=True):
        ax.annotate(w, (px, py), xytext=(3, 3), textcoords="offset points", fontsize=9)
    r = pca.explained_variance_ratio_
    ax.set_xlabel(f"PC 1 ({100 * r[0]:.0f}% of the variance)")
    ax.set_ylabel(f"PC 2 ({100 * r[1]:.0f}%)")
    ax.set_title(f"word2vec: {len(words)} words, PCA of their unit vectors")
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)
    return True
