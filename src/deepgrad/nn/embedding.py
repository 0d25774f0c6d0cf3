"""Embedding: a lookup table, row i of ``weight`` is the vector of token i.

out[..., :] = W[idx[...], :]; backward adds each delta row into the row it came from
(dC/dW[i] = sum of delta over the positions where idx == i), none into ``padding_idx``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from . import init
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """``Embedding(num_embeddings, embedding_dim, padding_idx=None)``: weight (num_embeddings,
    embedding_dim), default init N(0, 1) (PyTorch's) with the ``padding_idx`` row zero.

    Input: integer indices of any shape; output: that shape + (embedding_dim,).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        _weight: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if int(num_embeddings) <= 0 or int(embedding_dim) <= 0:
            raise ValueError(
                f"Embedding: sizes must be positive, got num_embeddings={num_embeddings}, "
                f"embedding_dim={embedding_dim}"
            )
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} out of range for "
                    f"{self.num_embeddings} embeddings"
                )
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype=np.dtype(dtype or np.float32)))
            self.reset_parameters()
        else:
            w = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if w.shape != shape:
                raise ValueError(f"Embedding: _weight has shape {w.shape}, expected {shape}")
            self.weight = Parameter(w.astype(dtype or w.dtype, copy=True))

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding ``embeddings`` (2-D), frozen unless ``freeze=False``."""
        w = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-D array, got {w.shape}")
        emb = cls(w.shape[0], w.shape[1], padding_idx=padding_idx, _weight=w)
        emb.weight.requires_grad = not freeze
        return emb

    def forward(self, idx: Any) -> Tensor:
        if not isinstance(idx, Tensor):
            idx = Tensor(np.asarray(idx))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got dtype {idx.dtype}")
        return F.embedding(idx, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
