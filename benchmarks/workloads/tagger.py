"""Week-5 workload (issue 15): the bidirectional LSTM tagger's training step on padded batches.

deepgrad: ``deepgrad.models.SequenceTagger(kind="bilstm")`` (what the pos-tagger task trains;
dropout off) with ``lengths=``: the recurrences mask padded steps. PyTorch: the same layers with
``pack_padded_sequence`` / ``pad_packed_sequence`` (it skips the padding altogether). Batch 32
sentences whose lengths are drawn (seed 0) from the real Brown corpus's sentence lengths, one
random batch (no length bucketing, so there is real padding: the longest of 32 random
sentences). Cross-entropy ignores the padding (ignore_index -100); Adam.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .base import Workload

VOCAB, TAGS, EMB, HIDDEN = 10002, 12, 100, 128


def brown_lengths() -> np.ndarray:
    """Every Brown sentence's length in tokens, read from the data store (no deepgrad import)."""
    root = Path(os.environ.get("DEEPGRAD_DATA") or "~/.deepgrad/data").expanduser() / "brown"
    files = sorted(root.glob("c[a-r][0-9][0-9]"))
    if not files:
        raise RuntimeError(f"the Brown corpus is not in {root}; run `deepgrad data get brown`")
    lens = []
    for f in files:
        for line in f.read_text(encoding="ascii").splitlines():
            n = len(line.split())
            if n:
                lens.append(n)
    return np.array(lens)


def padded_batch(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(words (T, n), tags (T, n) with -100 at padding, lengths (n,)), lengths as in Brown."""
    rng = np.random.default_rng(seed)
    lengths = rng.choice(brown_lengths(), size=n)
    T = int(lengths.max())
    mask = np.arange(T)[:, None] < lengths[None]
    words = np.where(mask, rng.integers(2, VOCAB, (T, n)), 0)
    tags = np.where(mask, rng.integers(0, TAGS, (T, n)), -100)
    return words, tags, lengths


def bilstm_tagger(lib: str):
    def build(n: int):
        words, tags, lengths = padded_batch(n)
        if lib == "torch":
            import torch
            from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

            emb = torch.nn.Embedding(VOCAB, EMB, padding_idx=0)
            rnn = torch.nn.LSTM(EMB, HIDDEN, bidirectional=True)
            out = torch.nn.Linear(2 * HIDDEN, TAGS)
            params = [*emb.parameters(), *rnn.parameters(), *out.parameters()]
            opt = torch.optim.Adam(params, lr=1e-3)
            w, y = torch.tensor(words), torch.tensor(tags)
            lens = torch.tensor(lengths)
            T = words.shape[0]

            def step():
                opt.zero_grad()
                packed = pack_padded_sequence(emb(w), lens, enforce_sorted=False)
                h, _ = pad_packed_sequence(rnn(packed)[0], total_length=T)
                logits = out(h)
                torch.nn.functional.cross_entropy(logits.reshape(-1, TAGS), y.reshape(-1),
                                                  ignore_index=-100).backward()
                opt.step()

            return step
        import deepgrad as dg
        from deepgrad.models.tagger import SequenceTagger

        model = SequenceTagger(VOCAB, TAGS, "bilstm", EMB, HIDDEN, dropout=0.0)
        opt = dg.optim.Adam(list(model.parameters()), lr=1e-3)
        y = tags.reshape(-1)

        def step():
            opt.zero_grad()
            logits = model(words, lengths)
            dg.functional.cross_entropy(logits.reshape(-1, TAGS), y,
                                        ignore_index=-100).backward()
            opt.step()

        return step

    return build


TAGGER_WORKLOADS = [
    Workload("bilstm_tagger", "BiLSTM tagger (emb 10002x100, BiLSTM 128, 12 tags) step, batch 32"
             " padded to the longest of 32 Brown lengths (torch: packed), Adam", 32,
             bilstm_tagger("deepgrad"), bilstm_tagger("torch")),
]
