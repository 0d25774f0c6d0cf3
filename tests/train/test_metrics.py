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
