"""Logistic, softmax, one-vs-rest, perceptron and linear SVM; parity with scikit-learn (the penalty
maps are in each module's docstring: the same C)."""

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn import svm as sk_svm
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.multiclass import OneVsRestClassifier as SkOvR
from sklearn.preprocessing import StandardScaler as SkScaler

from deepgrad.linear import (
    LinearSVC,
    LogisticRegression,
    OneVsRestClassifier,
    Perceptron,
    SoftmaxRegression,
    hinge_loss,
    log_softmax,
    softmax,
)


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b))


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return SkScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return SkScaler().fit_transform(X), y


@pytest.mark.parametrize("C", [0.01, 0.1, 1.0])
def test_logistic_l2_matches_sklearn(cancer, C):
    X, y = cancer
    m = LogisticRegression(C=C).fit(X, y)
    s = sk.LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    assert m.intercept_[0] == pytest.approx(s.intercept_[0], rel=1e-4, abs=1e-6)
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-6)
    assert m.coef_.shape == (1, 30) and m.intercept_.shape == (1,)
    assert m.n_iter_ <= 20  # Newton: a handful of steps


@pytest.mark.parametrize("C", [0.01, 0.1])
def test_logistic_l1_matches_sklearn_saga(cancer, C):
    X, y = cancer
    m = LogisticRegression(penalty="l1", C=C).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sk.LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100000).fit(
            X, y
        )
    assert rel_err(m.coef_, s.coef_) < 1e-4
    np.testing.assert_array_equal(m.coef_ == 0, s.coef_ == 0)
    assert np.sum(m.coef_ == 0) >= 20  # sparse


def test_logistic_l1_reaches_a_lower_objective_than_saga_when_saga_is_slow(cancer):
    X, y = cancer
    m = LogisticRegression(penalty="l1", C=1.0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sk.LogisticRegression(C=1.0, l1_ratio=1.0, solver="saga", tol=1e-8, max_iter=2000).fit(
            X, y
        )

    def objective(w, b):
        z = X @ w + b
        return np.sum(np.logaddexp(0, z) - y * z) + np.abs(w).sum()

    assert objective(m.coef_[0], m.intercept_[0]) <= objective(s.coef_[0], s.intercept_[0])
    # and it is the optimum: the subgradient (KKT) conditions of C sum loss + ||w||_1 hold
    w, b = m.coef_[0], m.intercept_[0]
    g = 1.0 * X.T @ (1 / (1 + np.exp(-(X @ w + b))) - y)  # C * gradient of the loss, C = 1
    nz = w != 0
    np.testing.assert_allclose(g[nz], -np.sign(w[nz]), atol=1e-6)
    assert np.all(np.abs(g[~nz]) <= 1 + 1e-6)
    assert abs(np.sum(1 / (1 + np.exp(-(X @ w + b))) - y)) < 1e-6  # intercept unpenalized


def test_logistic_unpenalized_labels_and_errors(cancer, iris):
    X, y = cancer
    m = LogisticRegression(penalty=None).fit(X[:, :5], np.where(y == 1, "benign", "malignant"))
    s = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X[:, :5], y == 0)
    assert list(m.classes_) == ["benign", "malignant"]
    assert rel_err(m.coef_, s.coef_) < 1e-4
    lp = m.predict_log_proba(X[:, :5])
    np.testing.assert_allclose(np.exp(lp), m.predict_proba(X[:, :5]), rtol=1e-10)
    with pytest.raises(ValueError, match="binary only, got 3 classes"):
        LogisticRegression().fit(*iris)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="penalty must be"):
        LogisticRegression(penalty="l3").fit(X, y)


@pytest.mark.parametrize("data", ["iris", "wine"])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_softmax_matches_sklearn_multinomial(data, C):
    X, y = (load_iris if data == "iris" else load_wine)(return_X_y=True)
    X = SkScaler().fit_transform(X)
    m = SoftmaxRegression(C=C).fit(X, y)
    s = sk.LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    # softmax is shift invariant: compare intercepts centered
    np.testing.assert_allclose(m.intercept_, s.intercept_ - s.intercept_.mean(), atol=1e-4)
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-6)
    assert m.score(X, y) == pytest.approx(s.score(X, y))


def test_softmax_functions():
    z = np.array([[1000.0, 1001.0, 999.0], [0.0, 0.0, 0.0]])
    p = softmax(z)
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    np.testing.assert_allclose(log_softmax(z)[0], np.log(p[0]))


def test_one_vs_rest_matches_sklearn(iris):
    X, y = iris
    o = OneVsRestClassifier(LogisticRegression(C=1.0)).fit(X, y)
    s = SkOvR(sk.LogisticRegression(C=1.0, tol=1e-12, max_iter=10000)).fit(X, y)
    np.testing.assert_allclose(o.predict_proba(X), s.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(o.predict(X), s.predict(X))
    assert len(o.estimators_) == 3
    assert o.get_params()["estimator__C"] == 1.0
    svm = OneVsRestClassifier(LinearSVC(C=1.0)).fit(X, y)
    assert svm.score(X, y) > 0.9
    with pytest.raises(AttributeError, match="no predict_proba"):
        svm.predict_proba(X)


def test_perceptron_separates_separable_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X @ [2.0, -1.0] + 0.3 > 0).astype(int)
    keep = np.abs(X @ [2.0, -1.0] + 0.3) > 0.2  # a margin
    X, y = X[keep], y[keep]
    p = Perceptron().fit(X, y)
    assert p.converged_ and p.mistakes_[-1] == 0 and p.score(X, y) == 1.0
    # the update rule, by hand, on two epochs without shuffling
    q = Perceptron(shuffle=False, max_iter=1).fit(X[:5], y[:5])
    w, b = np.zeros(2), 0.0
    for xi, yi in zip(X[:5], 2 * y[:5] - 1, strict=True):
        if yi * (xi @ w + b) <= 0:
            w, b = w + yi * xi, b + yi
    np.testing.assert_allclose(q.coef_[0], w)
    assert q.intercept_[0] == b


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_linear_svc_matches_sklearn(cancer, loss):
    X, y = cancer
    m = LinearSVC(C=0.05, loss=loss, tol=1e-8).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sk_svm.LinearSVC(C=0.05, loss=loss, dual=True, tol=1e-10, max_iter=1000000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    assert m.intercept_[0] == pytest.approx(s.intercept_[0], rel=1e-4)
    # KKT: support vectors are exactly the samples with margin <= 1
    margin = (2 * y - 1) * m.decision_function(X)
    assert np.all(margin[m.support_] <= 1 + 1e-6)
    others = np.setdiff1d(np.arange(len(y)), m.support_)
    assert np.all(margin[others] >= 1 - 1e-6)


def test_hinge_loss():
    np.testing.assert_array_equal(hinge_loss([-1.0, 0.0, 1.0, 2.0]), [2.0, 1.0, 0.0, 0.0])


@pytest.mark.slow
def test_softmax_matches_sklearn_on_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = SkScaler().fit_transform(X)
    m = SoftmaxRegression(C=0.1).fit(X, y)  # 10 classes x 65 inputs = 650 parameters
    s = sk.LogisticRegression(C=0.1, tol=1e-12, max_iter=100000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-5)
