"""Metrics against scikit-learn's on the same predictions."""

import numpy as np
import pytest
from sklearn import metrics as skm

from deepgrad.train import metrics as M


@pytest.fixture
def preds():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 300)
    scores = rng.standard_normal((300, 4)) + 1.5 * np.eye(4)[y]
    return y, scores


def test_accuracy_confusion_top_k(preds):
    y, s = preds
    assert M.accuracy(y, s) == pytest.approx(skm.accuracy_score(y, s.argmax(1)))
    np.testing.assert_array_equal(M.confusion_matrix(y, s), skm.confusion_matrix(y, s.argmax(1)))
    assert M.top_k_accuracy(y, s, 2) == pytest.approx(skm.top_k_accuracy_score(y, s, k=2))
    onehot = np.eye(4)[y]
    assert M.accuracy(onehot, s) == M.accuracy(y, s)


@pytest.mark.parametrize("average", ["macro", "micro"])
def test_precision_recall_f1(preds, average):
    y, s = preds
    p, r, f = M.precision_recall_f1(y, s, average)
    sp, sr, sf, _ = skm.precision_recall_fscore_support(y, s.argmax(1), average=average)
    assert (p, r, f) == pytest.approx((sp, sr, sf))


def test_binary_and_regression_metrics():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 100)
    prob = np.clip(y * 0.6 + rng.random(100) * 0.5, 0, 1)
    p, r, f = M.precision_recall_f1(y, prob[:, None], "binary")
    sp, sr, sf, _ = skm.precision_recall_fscore_support(y, (prob > 0.5).astype(int),
                                                        average="binary")
    assert (p, r, f) == pytest.approx((sp, sr, sf))
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    assert M.mean_squared_error(a, b) == pytest.approx(skm.mean_squared_error(a, b))
    assert M.mean_absolute_error(a, b) == pytest.approx(skm.mean_absolute_error(a, b))
    with pytest.raises(ValueError, match="unknown metric"):
        M.get_metric("acuracy")


def test_accuracy_function_thresholds_float_binary_targets():
    """Float 0/1 targets of the probabilities' shape (N, 1): 0.04 was reported for 0.99."""
    rng = np.random.default_rng(2)
    y = (rng.random((200, 1)) > 0.5).astype(np.float32)
    prob = np.clip(y * 0.8 + rng.random((200, 1)) * 0.3, 0, 1).astype(np.float32)
    want = skm.accuracy_score(y[:, 0], prob[:, 0] > 0.5)
    assert M.accuracy(y, prob) == pytest.approx(want)
    assert M.accuracy(y[:, 0], prob) == pytest.approx(want)


def test_keras_accuracies_per_entry():
    from deepgrad.train import accuracy as A

    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 50)
    s = rng.standard_normal((50, 3))
    want = skm.accuracy_score(y, s.argmax(1))
    assert A.sparse_categorical_accuracy(y, s).mean() == pytest.approx(want)
    assert A.sparse_categorical_accuracy(y[:, None].astype(np.float32), s).mean() == (
        pytest.approx(want))
    assert A.categorical_accuracy(np.eye(3)[y], s).mean() == pytest.approx(want)
    multi = (rng.random((50, 4)) > 0.5).astype(np.float32)
    prob = rng.random((50, 4))
    assert A.binary_accuracy(multi, prob).mean() == pytest.approx(np.mean(multi == (prob > 0.5)))
    with pytest.raises(ValueError, match="sparse_categorical_accuracy"):
        A.categorical_accuracy(y, s)
    metric = M.get_metric("binary_accuracy")
    metric.update(multi[:20], prob[:20])
    metric.update(multi[20:], prob[20:])
    assert metric.result() == pytest.approx(np.mean(multi == (prob > 0.5)))


@pytest.mark.parametrize("ties", [False, True])
def test_auc_is_exact_as_sklearn(ties):
    from deepgrad.train import AUC, roc_auc_score

    rng = np.random.default_rng(4)
    y = (rng.random(500) > 0.6).astype(np.float32)
    score = y * 0.7 + rng.standard_normal(500)
    if ties:
        score = np.round(score, 1)  # many tied scores: a positive-negative tie counts 1/2
    want = skm.roc_auc_score(y, score)
    assert roc_auc_score(y, score) == pytest.approx(want, abs=1e-12)
    assert roc_auc_score(y[:, None], score) == pytest.approx(want, abs=1e-12)
    auc = M.get_metric("AUC")
    assert isinstance(auc, AUC) and auc.name == "auc"
    for i in range(0, 500, 64):  # accumulated over batches, computed once over all of them
        auc.update(y[i:i + 64, None], score[i:i + 64, None])
    assert auc.result() == pytest.approx(want, abs=1e-12)
    multi = (rng.random((200, 3)) > 0.5).astype(np.float32)
    sc = multi + rng.standard_normal((200, 3))
    assert roc_auc_score(multi, sc, multi_label=True) == pytest.approx(
        skm.roc_auc_score(multi, sc, average="macro"), abs=1e-12)
    assert roc_auc_score(multi, sc) == pytest.approx(
        skm.roc_auc_score(multi.ravel(), sc.ravel()), abs=1e-12)
    assert np.isnan(roc_auc_score(np.ones(5), np.arange(5.0)))
    with pytest.raises(ValueError, match="0/1 labels"):
        roc_auc_score(np.array([0, 2]), np.array([0.1, 0.2]))
