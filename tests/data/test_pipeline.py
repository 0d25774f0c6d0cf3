import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data import (
    DataLoader,
    Vocabulary,
    kfold_indices,
    pad_collate,
    pad_sequences,
    stratified_split_indices,
    text_corpus,
    tokenize,
    train_val_split,
)
from deepgrad.data.store import MissingDataError


def test_dataloader_batches_shuffle_seed_drop_last():
    x = np.arange(10, dtype=np.float32)[:, None]
    y = np.arange(10)
    batches = list(DataLoader((x, y), batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2] and len(DataLoader((x, y), 4)) == 3
    assert [len(b[0]) for b in DataLoader((x, y), 4, drop_last=True)] == [4, 4]
    a = np.concatenate([b[1] for b in DataLoader((x, y), 3, shuffle=True, seed=1)])
    b = np.concatenate([b[1] for b in DataLoader((x, y), 3, shuffle=True, seed=1)])
    assert np.array_equal(a, b) and sorted(a) == list(range(10)) and not np.array_equal(a, y)
    loader = DataLoader((x, y), 10, shuffle=True, seed=1)
    e1, e2 = next(iter(loader))[1], next(iter(loader))[1]
    assert not np.array_equal(e1, e2)  # a new permutation each epoch
    for xb, yb in DataLoader((x, y), 3, shuffle=True, seed=2):
        assert np.array_equal(xb[:, 0], yb.astype(np.float32))  # pairs stay aligned
    dg.manual_seed(5)
    g1 = next(iter(DataLoader(y, 10, shuffle=True)))
    dg.manual_seed(5)
    assert np.array_equal(g1, next(iter(DataLoader(y, 10, shuffle=True))))


def test_dataloader_on_custom_dataset_with_pad_collate():
    seqs = [np.arange(n) + 1 for n in (3, 1, 4)]
    labels = [0, 1, 0]

    class DS:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return seqs[i], labels[i]

    (padded, mask, y), = list(DataLoader(DS(), 3, collate_fn=pad_collate))
    assert padded.tolist() == [[1, 2, 3, 0], [1, 0, 0, 0], [1, 2, 3, 4]]
    assert mask.sum(1).tolist() == [3, 1, 4] and y.tolist() == [0, 1, 0]
    # per-token targets of the same lengths are padded as well
    p, m, t = pad_collate([(np.ones(2), np.array([5, 6])), (np.ones(1), np.array([7]))])
    assert t.tolist() == [[5, 6], [7, 0]]


def test_pad_sequences_shapes_and_truncation():
    out, mask, lens = pad_sequences([np.ones((2, 3)), np.ones((4, 3))], pad_value=-1, max_len=3)
    assert out.shape == (2, 3, 3) and lens.tolist() == [2, 3]
    assert out[0, 2, 0] == -1 and mask.tolist() == [[True, True, False], [True, True, True]]
    with pytest.raises(ValueError, match="step shapes differ"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    tr, va = stratified_split_indices(y, 0.2, seed=0)
    assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 100
    assert np.bincount(y[va]).tolist() == [10, 6, 4]
    (xt, yt), (xv, yv) = train_val_split(np.arange(100), y, 0.2)
    assert np.array_equal(y[xv], yv) and len(yv) == 20


def test_kfold_each_index_validated_once():
    seen = []
    for tr, va in kfold_indices(23, k=5):
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 23
        seen.extend(va)
    assert sorted(seen) == list(range(23))
    y = np.repeat([0, 1], [10, 5])
    for _, va in kfold_indices(y, k=5, stratify=True):
        assert np.bincount(y[va], minlength=2).tolist() == [2, 1]


def test_tokenize_and_text_corpus(tmp_path):
    assert tokenize("Don't STOP, the 2 dogs!") == ["don", "t", "stop", "the", "2", "dogs"]
    assert tokenize("Hi, you!", keep_punct=True) == ["hi", ",", "you", "!"]
    (tmp_path / "a.txt").write_text("First.")
    (tmp_path / "b.txt").write_text("Second.")
    assert text_corpus(tmp_path) == "First.\nSecond."
    with pytest.raises(MissingDataError):
        text_corpus(tmp_path / "none.txt")


def test_vocabulary_min_count_specials_encode_decode():
    sents = [["a", "b", "a"], ["a", "c"], ["b"]]
    v = Vocabulary.build(sents, min_count=2)
    assert v.itos == ["<pad>", "<unk>", "<start>", "<end>", "a", "b"]
    assert v.encode(["a", "c", "b"]) == [4, 1, 5]
    assert v.encode(["b"], add_start_end=True) == [2, 5, 3]
    assert v.decode([2, 4, 5, 3, 4]) == ["a", "b"]
    assert v.decode([4, 1], strip_special=False) == ["a", "<unk>"]
    ids, mask = v.encode_batch([["a"], ["a", "b", "b"]], add_start_end=True)
    assert ids.tolist() == [[2, 4, 3, 0, 0], [2, 4, 5, 5, 3]] and ids.dtype == np.int64
    assert mask.sum(1).tolist() == [3, 5]
    assert len(Vocabulary.build(sents, max_size=5)) == 5
