"""Logistic, softmax, perceptron and linear SVM against scikit-learn on the breast-cancer and iris
data: the same parameters, defaults and results (the penalty maps are in each module's docstring:
the same C)."""

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn import svm as sk_svm
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.preprocessing import StandardScaler

import deepgrad.linear as dl
from deepgrad.linear import (
    ConvergenceWarning,
    LinearSVC,
    LogisticRegression,
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
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


@pytest.mark.parametrize(
    "name,module", [("LogisticRegression", sk), ("Perceptron", sk), ("LinearSVC", sk_svm)]
)
def test_defaults_are_sklearns(name, module):
    ours, ref = getattr(dl, name)(), getattr(module, name)()
    theirs = ref.get_params()
    for k, v in theirs.items():
        assert ours.get_params()[k] == v, k
    assert set(ours.get_params()) == set(theirs)


@pytest.mark.parametrize("data", ["cancer", "iris"])
def test_logistic_default_fit_is_sklearns(data, request):
    X, y = request.getfixturevalue(data)
    m, s = LogisticRegression().fit(X, y), sk.LogisticRegression().fit(X, y)
    # the same L-BFGS-B on the same objective: the same iterates up to round-off
    assert rel_err(m.coef_, s.coef_) < 1e-6
    np.testing.assert_allclose(m.intercept_, s.intercept_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(m.predict(X), s.predict(X))
    assert m.score(X, y) == s.score(X, y)
    assert m.coef_.shape == s.coef_.shape and m.intercept_.shape == s.intercept_.shape
    np.testing.assert_array_equal(m.n_iter_, s.n_iter_)
    np.testing.assert_allclose(m.decision_function(X), s.decision_function(X), atol=1e-6)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "proximal-newton"])
@pytest.mark.parametrize("C", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("data", ["cancer", "iris"])
def test_logistic_l2_matches_sklearn(request, data, solver, C):
    X, y = request.getfixturevalue(data)
    m = LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=1000).fit(X, y)
    s = sk.LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-5
    np.testing.assert_allclose(m.intercept_, s.intercept_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-6)
    if solver != "lbfgs":
        assert m.n_iter_[0] <= 20  # Newton: a handful of steps


def test_logistic_weights_and_no_penalty(cancer):
    X, y = cancer
    sw = np.random.default_rng(0).uniform(0, 2, size=len(y))
    for kw in (dict(class_weight="balanced"), dict(class_weight={0: 3.0, 1: 0.5})):
        m = LogisticRegression(tol=1e-10, solver="newton-cholesky", **kw).fit(X, y, sw)
        s = sk.LogisticRegression(tol=1e-12, max_iter=10000, **kw).fit(X, y, sw)
        assert rel_err(m.coef_, s.coef_) < 1e-5
    m = LogisticRegression(C=np.inf, tol=1e-10, solver="newton-cholesky").fit(X[:, :5], y)
    s = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X[:, :5], y)
    assert rel_err(m.coef_, s.coef_) < 1e-5
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):  # scikit-learn's
        old = LogisticRegression(penalty=None, tol=1e-10).fit(X[:, :5], y)
    assert rel_err(old.coef_, s.coef_) < 1e-4


@pytest.mark.parametrize("C", [0.01, 0.1])
def test_logistic_l1_matches_sklearn_saga(cancer, C):
    X, y = cancer
    m = LogisticRegression(l1_ratio=1.0, C=C, solver="proximal-newton", tol=1e-10).fit(X, y)
    s = quiet(
        lambda: sk.LogisticRegression(
            C=C, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100000
        ).fit(X, y)
    )
    assert rel_err(m.coef_, s.coef_) < 1e-4
    np.testing.assert_array_equal(m.coef_ == 0, s.coef_ == 0)
    assert np.sum(m.coef_ == 0) >= 20  # sparse


def test_logistic_elastic_net_matches_sklearn_saga(iris):
    X, y = iris
    m = LogisticRegression(l1_ratio=0.5, C=0.5, solver="proximal-newton", tol=1e-10).fit(X, y)
    s = quiet(
        lambda: sk.LogisticRegression(
            C=0.5, l1_ratio=0.5, solver="saga", tol=1e-12, max_iter=100000
        ).fit(X, y)
    )
    assert rel_err(m.coef_, s.coef_) < 1e-4


def test_logistic_l1_is_the_optimum(cancer):
    X, y = cancer
    m = LogisticRegression(l1_ratio=1.0, C=1.0, solver="proximal-newton", tol=1e-10).fit(X, y)
    # the subgradient (KKT) conditions of C sum loss + ||w||_1 hold
    w, b = m.coef_[0], m.intercept_[0]
    g = 1.0 * X.T @ (1 / (1 + np.exp(-(X @ w + b))) - y)  # C * gradient of the loss, C = 1
    nz = w != 0
    np.testing.assert_allclose(g[nz], -np.sign(w[nz]), atol=1e-6)
    assert np.all(np.abs(g[~nz]) <= 1 + 1e-6)
    assert abs(np.sum(1 / (1 + np.exp(-(X @ w + b))) - y)) < 1e-6  # intercept unpenalized


def test_logistic_labels_and_errors(cancer):
    X, y = cancer
    labels = np.where(y == 1, "benign", "malignant")
    m = LogisticRegression().fit(X, labels)
    assert list(m.classes_) == ["benign", "malignant"]
    lp = m.predict_log_proba(X)
    np.testing.assert_allclose(np.exp(lp), m.predict_proba(X), rtol=1e-10)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="supports only 'l2' or None"):
        LogisticRegression(l1_ratio=1.0).fit(X, y)
    with pytest.raises(ValueError, match="not implemented in deepgrad"):
        LogisticRegression(solver="saga").fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, np.linspace(0, 1, len(y)))


@pytest.mark.parametrize("data", ["iris", "wine"])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_softmax_matches_sklearn_multinomial(data, C):
    X, y = (load_iris if data == "iris" else load_wine)(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    m = SoftmaxRegression(C=C).fit(X, y)
    s = sk.LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-5
    np.testing.assert_allclose(m.intercept_, s.intercept_ - s.intercept_.mean(), atol=1e-5)
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-6)
    assert m.score(X, y) == pytest.approx(s.score(X, y))


def test_softmax_two_classes_is_logistic(cancer):
    X, y = cancer
    m = SoftmaxRegression(C=1.0).fit(X, y)
    s = LogisticRegression(C=2.0, solver="newton-cholesky", tol=1e-10).fit(X, y)
    # two softmax scores with penalty ||w_0||^2 + ||w_1||^2 = one logistic score w_1 - w_0
    # with penalty ||w_1 - w_0||^2 / 2 (at the optimum w_0 = -w_1): C doubles
    np.testing.assert_allclose(m.coef_[1] - m.coef_[0], s.coef_[0], rtol=1e-6)
    np.testing.assert_allclose(m.decision_function(X), s.decision_function(X), rtol=1e-6)
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-8)


def test_softmax_functions():
    z = np.array([[1000.0, 1001.0, 999.0], [0.0, 0.0, 0.0]])
    p = softmax(z)
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    np.testing.assert_allclose(log_softmax(z)[0], np.log(p[0]))


@pytest.mark.parametrize("data", ["cancer", "iris"])
@pytest.mark.parametrize(
    "kw",
    [
        {},
        dict(penalty="l2", alpha=1e-3),
        dict(penalty="l1", alpha=1e-3),
        dict(penalty="elasticnet", alpha=1e-3, l1_ratio=0.4),
        dict(class_weight="balanced", eta0=0.5),
        dict(tol=None, max_iter=7),
    ],
)
def test_perceptron_without_shuffling_is_sklearns(request, data, kw):
    """scikit-learn's epochs exactly: the same updates, stopping rule and epoch count."""
    X, y = request.getfixturevalue(data)
    m = quiet(lambda: Perceptron(shuffle=False, **kw).fit(X, y))
    s = quiet(lambda: sk.Perceptron(shuffle=False, **kw).fit(X, y))
    np.testing.assert_allclose(m.coef_, s.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(m.intercept_, s.intercept_, rtol=1e-9, atol=1e-12)
    assert m.n_iter_ == s.n_iter_ and m.t_ == s.t_
    np.testing.assert_array_equal(m.predict(X), s.predict(X))


def test_perceptron_separates_separable_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X @ [2.0, -1.0] + 0.3 > 0).astype(int)
    keep = np.abs(X @ [2.0, -1.0] + 0.3) > 0.2  # a margin
    X, y = X[keep], y[keep]
    p = Perceptron().fit(X, y)
    assert p.converged_ and p.mistakes_[-1] == 0 and p.score(X, y) == 1.0
    # the update rule, by hand, on one epoch without shuffling
    q = quiet(lambda: Perceptron(shuffle=False, max_iter=1).fit(X[:5], y[:5]))
    w, b = np.zeros(2), 0.0
    for xi, yi in zip(X[:5], 2 * y[:5] - 1, strict=True):
        if yi * (xi @ w + b) <= 0:
            w, b = w + yi * xi, b + yi
    np.testing.assert_allclose(q.coef_[0], w)
    assert q.intercept_[0] == b
    with pytest.raises(ValueError, match="early_stopping=True .* not implemented"):
        Perceptron(early_stopping=True).fit(X, y)


@pytest.mark.parametrize("data", ["cancer", "iris"])
def test_linear_svc_default_fit_is_sklearns(request, data):
    X, y = request.getfixturevalue(data)
    m, s = LinearSVC().fit(X, y), sk_svm.LinearSVC().fit(X, y)
    exact = sk_svm.LinearSVC(tol=1e-12, max_iter=100000, dual=False).fit(X, y)
    # both stop at tol=1e-4: scikit-learn's to about 1e-2, deepgrad's Newton much closer
    assert rel_err(m.coef_, exact.coef_) < 1e-3 and rel_err(s.coef_, exact.coef_) < 2e-2
    assert m.coef_.shape == s.coef_.shape
    assert np.mean(m.predict(X) == s.predict(X)) > 0.99


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
@pytest.mark.parametrize("dual", [True, False])
def test_linear_svc_matches_sklearn(cancer, loss, dual):
    if loss == "hinge" and not dual:
        with pytest.raises(ValueError, match="not supported when dual=False"):
            LinearSVC(loss=loss, dual=dual).fit(*cancer)
        return
    X, y = cancer
    sw = np.random.default_rng(0).uniform(0.5, 2, size=len(y))
    kw = dict(C=0.05, loss=loss, class_weight="balanced")
    m = LinearSVC(**kw, dual=dual, tol=1e-10, max_iter=100000).fit(X, y, sample_weight=sw)
    s = quiet(
        lambda: sk_svm.LinearSVC(
            **kw, dual=True, tol=1e-12, max_iter=1000000, random_state=0
        ).fit(X, y, sample_weight=sw)
    )
    cost = 0.05 * sw * (len(y) / (2 * np.bincount(y, weights=sw)))[y]

    def objective(e):  # (1/2)||(w, b)||^2 + sum_i C_i loss(margin_i): b is penalized too
        slack = np.maximum(0, 1 - (2 * y - 1) * e.decision_function(X))
        return 0.5 * (e.coef_[0] @ e.coef_[0] + e.intercept_[0] ** 2) + cost @ (
            slack if loss == "hinge" else slack**2
        )

    assert objective(m) <= objective(s) * (1 + 1e-9)
    if loss == "squared_hinge":
        assert rel_err(m.coef_, s.coef_) < 1e-5
        assert m.intercept_[0] == pytest.approx(s.intercept_[0], rel=1e-5)
    else:  # liblinear's dual coordinate descent on the hinge converges slowly
        assert rel_err(m.coef_, s.coef_) < 1e-2
    # KKT: support vectors are exactly the samples with margin <= 1
    margin = (2 * y - 1) * m.decision_function(X)
    assert np.all(margin[m.support_] <= 1 + 1e-6)
    others = np.setdiff1d(np.arange(len(y)), m.support_)
    assert np.all(margin[others] >= 1 - 1e-6)


def test_linear_svc_multiclass_is_one_vs_rest(iris):
    X, y = iris
    m = LinearSVC(tol=1e-10).fit(X, y)
    s = sk_svm.LinearSVC(tol=1e-12, max_iter=100000, dual=False).fit(X, y)
    assert m.coef_.shape == (3, 4)
    assert rel_err(m.coef_, s.coef_) < 1e-5
    for k in range(3):
        b = LinearSVC(tol=1e-10).fit(X, (y == k).astype(int))
        np.testing.assert_allclose(m.coef_[k], b.coef_[0], rtol=1e-8)
    with pytest.raises(ValueError, match="only penalty='l2'"):
        LinearSVC(penalty="l1", dual=False).fit(X, y)


def test_hinge_loss():
    np.testing.assert_array_equal(hinge_loss([-1.0, 0.0, 1.0, 2.0]), [2.0, 1.0, 0.0, 0.0])


@pytest.mark.slow
def test_softmax_matches_sklearn_on_digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    m = SoftmaxRegression(C=0.1).fit(X, y)  # 10 classes x 65 inputs = 650 parameters
    s = sk.LogisticRegression(C=0.1, tol=1e-12, max_iter=100000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    np.testing.assert_allclose(m.predict_proba(X), s.predict_proba(X), atol=1e-5)
