"""Ridge, Lasso and ElasticNet against scikit-learn on the diabetes data (penalty maps documented
in deepgrad.linear.ridge / lasso: the same alpha)."""

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.pipeline import make_pipeline as sk_pipeline
from sklearn.preprocessing import StandardScaler as SkScaler

from deepgrad.linear import (
    ConvergenceWarning,
    ElasticNet,
    Lasso,
    LinearRegression,
    Ridge,
    enet_path,
    lasso_path,
    ridge_path,
    soft_threshold,
)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b))


@pytest.mark.parametrize("alpha", [0.01, 1.0, 100.0])
def test_ridge_plain_matches_sklearn(diabetes, alpha):
    X, y = diabetes
    m = Ridge(alpha=alpha, standardize=False).fit(X, y)
    s = sk.Ridge(alpha=alpha).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    assert m.intercept_ == pytest.approx(s.intercept_, rel=1e-4)


@pytest.mark.parametrize("alpha", [0.1, 10.0, 1000.0])
def test_ridge_standardized_matches_sklearn_pipeline(diabetes, alpha):
    X, y = diabetes
    m = Ridge(alpha=alpha).fit(X, y)  # standardize=True is the default
    pipe = sk_pipeline(SkScaler(), sk.Ridge(alpha=alpha)).fit(X, y)
    assert rel_err(m.coef_, pipe[1].coef_ / pipe[0].scale_) < 1e-4
    np.testing.assert_allclose(m.predict(X), pipe.predict(X), rtol=1e-6)


def test_ridge_limits_and_scale_behaviour(diabetes):
    X, y = diabetes
    ols = LinearRegression().fit(X, y)
    np.testing.assert_allclose(Ridge(alpha=0.0).fit(X, y).coef_, ols.coef_, rtol=1e-8)
    big = Ridge(alpha=1e12).fit(X, y)
    assert np.max(np.abs(big.coef_)) < 1e-6 and big.intercept_ == pytest.approx(y.mean())
    # df(alpha) falls from p to 0; the coefficient norm (the constraint C) shrinks with alpha
    dfs = [Ridge(alpha=a).fit(X, y).df_ for a in (0.0, 1.0, 100.0, 1e4)]
    assert dfs[0] == pytest.approx(10.0) and all(np.diff(dfs) < 0)
    # standardized ridge is equivariant under rescaling a column; plain ridge is not
    X2 = X.copy()
    X2[:, 0] *= 1000.0
    a, b = Ridge(alpha=5.0).fit(X, y), Ridge(alpha=5.0).fit(X2, y)
    np.testing.assert_allclose(b.coef_[0] * 1000.0, a.coef_[0], rtol=1e-8)
    c, d = Ridge(alpha=5.0, standardize=False).fit(X, y), Ridge(5.0, standardize=False).fit(X2, y)
    assert abs(d.coef_[0] * 1000.0 / c.coef_[0] - 1) > 0.1


def test_ridge_path_equals_individual_fits(diabetes):
    X, y = diabetes
    alphas, coefs, icpts = ridge_path(X, y, [0.1, 1.0, 10.0])
    for k, a in enumerate(alphas):
        m = Ridge(alpha=a).fit(X, y)
        np.testing.assert_allclose(coefs[:, k], m.coef_, rtol=1e-10)
        assert icpts[k] == pytest.approx(m.intercept_, rel=1e-10)


def test_soft_threshold():
    np.testing.assert_array_equal(
        soft_threshold(np.array([-3.0, -0.5, 0.0, 0.5, 3.0]), 1.0), [-2.0, 0.0, 0.0, 0.0, 2.0]
    )


@pytest.mark.parametrize("solver", ["cd", "proximal"])
@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
def test_lasso_matches_sklearn(diabetes, solver, alpha):
    X, y = diabetes
    m = Lasso(alpha=alpha, solver=solver, tol=1e-12, max_iter=100000).fit(X, y)
    s = sk.Lasso(alpha=alpha, tol=1e-14, max_iter=1000000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    assert m.intercept_ == pytest.approx(s.intercept_, rel=1e-4)
    np.testing.assert_array_equal(m.coef_ == 0, s.coef_ == 0)  # the same exact zeros
    if alpha >= 0.1:
        assert np.sum(m.coef_ == 0) >= 3  # L1 gives a sparse model


@pytest.mark.parametrize("solver", ["cd", "proximal"])
def test_elastic_net_matches_sklearn(diabetes, solver):
    X, y = diabetes
    m = ElasticNet(alpha=0.005, l1_ratio=0.3, solver=solver, tol=1e-12, max_iter=100000).fit(X, y)
    s = sk.ElasticNet(alpha=0.005, l1_ratio=0.3, tol=1e-14, max_iter=1000000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-4
    assert m.dual_gap_ >= 0 and m.dual_gap_ < 1e-8


def test_lasso_standardized_matches_sklearn_pipeline(diabetes):
    X, y = diabetes
    X = X * np.array([1, 10, 100, 1, 1, 1, 1, 1, 0.1, 1])  # unequal scales
    m = Lasso(alpha=0.5, standardize=True, tol=1e-12).fit(X, y)
    pipe = sk_pipeline(SkScaler(), sk.Lasso(alpha=0.5, tol=1e-14, max_iter=100000)).fit(X, y)
    assert rel_err(m.coef_, pipe[1].coef_ / pipe[0].scale_) < 1e-4


def test_lasso_path(diabetes):
    X, y = diabetes
    alphas, coefs = lasso_path(X, y, n_alphas=30)
    assert np.all(np.diff(alphas) < 0)
    assert np.all(coefs[:, 0] == 0)  # alpha_max zeros every coefficient
    assert np.all(coefs[:, -1] != 0)  # at eps * alpha_max all are in on this data
    Xc, yc = X - X.mean(0), y - y.mean()
    _, ref, _ = sk.lasso_path(Xc, yc, alphas=alphas, tol=1e-12, max_iter=100000)
    assert rel_err(coefs, ref) < 1e-4
    a2, c2 = enet_path(X, y, l1_ratio=0.5, alphas=[1.0, 0.1])
    np.testing.assert_allclose(
        c2[:, 1], ElasticNet(alpha=0.1, tol=1e-8).fit(X, y).coef_, rtol=1e-4, atol=1e-6
    )


def test_lasso_warns_when_not_converged(diabetes):
    X, y = diabetes
    with pytest.warns(ConvergenceWarning, match="did not reach"):
        Lasso(alpha=0.001, max_iter=2).fit(X, y)


def test_penalty_errors(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="alpha must be a scalar >= 0"):
        Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be in"):
        ElasticNet(l1_ratio=2.0).fit(X, y)
    with pytest.raises(ValueError, match="solver must be"):
        Lasso(solver="sgd").fit(X, y)
    assert "l1_ratio" not in Lasso().get_params()
