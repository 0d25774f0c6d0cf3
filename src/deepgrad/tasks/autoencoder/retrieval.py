"""Image retrieval by nearest neighbours in code space (week 4): a query image's code is
compared with the codes of a database of images; the closest are "similar images".

    idx = nearest_neighbours(query_codes, database_codes, k=5)     # Euclidean
    precision_at_k(idx, query_labels, database_labels)            # same class as the query

precision@k = mean over queries of (neighbours among the k nearest that share the query's
class) / k: the measure the task reports for the conv autoencoder's codes, for PCA codes and
for raw pixels.
"""

from __future__ import annotations

import numpy as np

__all__ = ["nearest_neighbours", "precision_at_k"]


def nearest_neighbours(queries: np.ndarray, database: np.ndarray, k: int = 5,
                       chunk: int = 512) -> np.ndarray:
    """Indices (N_q x k) of the ``k`` database rows closest to each query row, nearest first.

    |q - d|^2 = |q|^2 - 2 q.d + |d|^2, by GEMMs over chunks of queries (float64 norms, so
    near-ties are ordered as the exact distances order them up to round-off)."""
    q = np.asarray(queries, np.float32).reshape(len(queries), -1)
    db = np.asarray(database, np.float32).reshape(len(database), -1)
    if q.shape[1] != db.shape[1]:
        raise ValueError(f"nearest_neighbours: queries have {q.shape[1]} features, the "
                         f"database {db.shape[1]}")
    if not 1 <= k <= len(db):
        raise ValueError(f"nearest_neighbours: k must be in 1..{len(db)} (database size), got {k}")
    db_sq = np.einsum("ij,ij->i", db, db, dtype=np.float64)
    out = np.empty((len(q), k), dtype=np.int64)
    for s in range(0, len(q), chunk):
        qb = q[s:s + chunk]
        dist = db_sq[None, :] - 2.0 * (qb @ db.T).astype(np.float64)
        part = np.argpartition(dist, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(dist, part, axis=1).argsort(axis=1, kind="stable")
        out[s:s + chunk] = np.take_along_axis(part, order, axis=1)
    return out


def precision_at_k(neighbours: np.ndarray, query_labels: np.ndarray,
                   database_labels: np.ndarray) -> float:
    """Mean fraction of each query's neighbours (N_q x k indices) with the query's label."""
    hits = np.asarray(database_labels)[neighbours] == np.asarray(query_labels)[:, None]
    return float(hits.mean())
