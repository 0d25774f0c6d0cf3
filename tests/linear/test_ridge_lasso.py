"""Ridge, Lasso and ElasticNet against scikit-learn on the diabetes data: the same parameters,
defaults and results (penalty maps documented in deepgrad.linear.ridge / lasso: the same alpha)."""

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

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


@pytest.mark.parametrize("cls", ["Ridge", "Lasso", "ElasticNet"])
def test_defaults_are_sklearns(cls):
    ours, ref = getattr(__import__("deepgrad.linear", fromlist=[cls]), cls)(), getattr(sk, cls)()
    theirs = ref.get_params()
    for name, value in theirs.items():
        assert ours.get_params()[name] == value, name
    extra = set(ours.get_params()) - set(theirs)
    assert extra <= {"solver"}  # deepgrad's choice of solver, when sklearn has none


@pytest.mark.parametrize("cls", ["Ridge", "Lasso", "ElasticNet"])
def test_default_fit_is_sklearns(diabetes, cls):
    """Issue 23: Ridge(alpha=1.0) used to standardize and was up to 638 apart on diabetes."""
    X, y = diabetes
    ours = getattr(__import__("deepgrad.linear", fromlist=[cls]), cls)().fit(X, y)
    ref = getattr(sk, cls)().fit(X, y)
    # closed form to round-off; coordinate descent: the same algorithm and stopping rule
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-9)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-10)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-10)
    if cls != "Ridge":
        assert ours.n_iter_ == ref.n_iter_
        assert ours.dual_gap_ == pytest.approx(ref.dual_gap_, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("solver", ["auto", "svd", "cholesky"])
@pytest.mark.parametrize("alpha", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(diabetes, solver, alpha, fit_intercept):
    X, y = diabetes
    m = Ridge(alpha=alpha, solver=solver, fit_intercept=fit_intercept).fit(X, y)
    s = sk.Ridge(alpha=alpha, solver=solver, fit_intercept=fit_intercept).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-10
    assert m.intercept_ == pytest.approx(s.intercept_, rel=1e-10, abs=1e-12)
    assert m.solver_ == s.solver_ and m.n_iter_ is None


def test_ridge_weights_wide_data_and_positive(diabetes):
    X, y = diabetes
    sw = np.random.default_rng(0).uniform(0, 3, size=len(y))
    m = Ridge(alpha=0.3).fit(X, y, sample_weight=sw)
    s = sk.Ridge(alpha=0.3).fit(X, y, sample_weight=sw)
    assert rel_err(m.coef_, s.coef_) < 1e-10
    Xw, yw = X[:8], y[:8]  # p > n: the kernel form of the normal equations
    for solver in ("cholesky", "svd"):
        m = Ridge(alpha=0.1, solver=solver).fit(Xw, yw)
        assert rel_err(m.coef_, sk.Ridge(alpha=0.1, solver=solver).fit(Xw, yw).coef_) < 1e-9
    p = Ridge(alpha=1.0, positive=True).fit(X, y)
    s = sk.Ridge(alpha=1.0, positive=True, tol=1e-10, max_iter=100000).fit(X, y)
    assert np.all(p.coef_ >= 0) and np.sum(p.coef_ == 0) >= 1
    np.testing.assert_allclose(p.coef_, s.coef_, rtol=1e-4, atol=1e-4)  # sklearn: L-BFGS-B
    with pytest.raises(ValueError, match="does not support positive"):
        Ridge(positive=True, solver="svd").fit(X, y)
    with pytest.raises(ValueError, match="not implemented in deepgrad"):
        Ridge(solver="sag").fit(X, y)


@pytest.mark.parametrize("alpha", [0.1, 10.0, 1000.0])
def test_standardizing_is_the_users_step(diabetes, alpha):
    X, y = diabetes
    ours = make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(X, y)
    ref = make_pipeline(StandardScaler(), sk.Ridge(alpha=alpha)).fit(X, y)
    np.testing.assert_allclose(ours[-1].coef_, ref[-1].coef_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10)


def test_ridge_limits_and_scale_behaviour(diabetes):
    X, y = diabetes
    ols = LinearRegression().fit(X, y)
    np.testing.assert_allclose(Ridge(alpha=0.0).fit(X, y).coef_, ols.coef_, rtol=1e-8)
    big = Ridge(alpha=1e12).fit(X, y)
    assert np.max(np.abs(big.coef_)) < 1e-6 and big.intercept_ == pytest.approx(y.mean())
    # df(alpha) falls from p to 0; the coefficient norm (the constraint C) shrinks with alpha
    dfs = [Ridge(alpha=a).fit(X, y).df_ for a in (0.0, 1.0, 100.0, 1e4)]
    assert dfs[0] == pytest.approx(10.0) and all(np.diff(dfs) < 0)
    # ridge is not equivariant under rescaling a column; standardized ridge is
    X2 = X.copy()
    X2[:, 0] *= 1000.0
    c, d = Ridge(alpha=5.0).fit(X, y), Ridge(alpha=5.0).fit(X2, y)
    assert abs(d.coef_[0] * 1000.0 / c.coef_[0] - 1) > 0.1
    a = make_pipeline(StandardScaler(), Ridge(alpha=5.0)).fit(X, y)
    b = make_pipeline(StandardScaler(), Ridge(alpha=5.0)).fit(X2, y)
    np.testing.assert_allclose(b.predict(X2), a.predict(X), rtol=1e-10)


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
def test_lasso_matches_sklearn_at_tight_tolerance(diabetes, solver, alpha):
    X, y = diabetes
    m = Lasso(alpha=alpha, solver=solver, tol=1e-12, max_iter=100000).fit(X, y)
    s = sk.Lasso(alpha=alpha, tol=1e-14, max_iter=1000000).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-6
    assert m.intercept_ == pytest.approx(s.intercept_, rel=1e-6)
    np.testing.assert_array_equal(m.coef_ == 0, s.coef_ == 0)  # the same exact zeros
    if alpha >= 0.1:
        assert np.sum(m.coef_ == 0) >= 3  # L1 gives a sparse model


@pytest.mark.parametrize(
    "kw",
    [
        dict(precompute=True),
        dict(selection="random", random_state=0),
        dict(positive=True),
        dict(fit_intercept=False),
        dict(warm_start=True),
    ],
)
def test_elastic_net_options_match_sklearn(diabetes, kw):
    X, y = diabetes
    tight = dict(alpha=0.005, l1_ratio=0.3, tol=1e-12, max_iter=100000)
    m = ElasticNet(**tight, **kw).fit(X, y)
    s = sk.ElasticNet(**{**tight, "tol": 1e-14}, **kw).fit(X, y)
    assert rel_err(m.coef_, s.coef_) < 1e-6
    assert 0 <= m.dual_gap_ < 1e-8
    if kw.get("positive"):
        assert np.all(m.coef_ >= 0)
    if kw.get("precompute") is True:  # the Gram form makes the same sweeps
        base = ElasticNet(**tight).fit(X, y)
        np.testing.assert_allclose(m.coef_, base.coef_, rtol=1e-10)
        assert m.n_iter_ == base.n_iter_


def test_elastic_net_sample_weight_and_proximal(diabetes):
    X, y = diabetes
    sw = np.random.default_rng(1).integers(0, 4, size=len(y)).astype(float)
    kw = dict(alpha=0.01, l1_ratio=0.7, tol=1e-12, max_iter=100000)
    m = ElasticNet(**kw).fit(X, y, sample_weight=sw)
    s = sk.ElasticNet(**kw).fit(X, y, sample_weight=sw)
    assert rel_err(m.coef_, s.coef_) < 1e-6
    p = ElasticNet(**kw, solver="proximal").fit(X, y, sample_weight=sw)
    assert rel_err(p.coef_, s.coef_) < 1e-5


def test_lasso_path_is_sklearns(diabetes):
    X, y = diabetes
    Xc, yc = X - X.mean(0), y - y.mean()  # the path functions take the data as given
    alphas, coefs, gaps = lasso_path(Xc, yc, alphas=30, tol=1e-12, max_iter=100000)
    ref_a, ref_c, ref_g = sk.lasso_path(Xc, yc, alphas=30, tol=1e-12, max_iter=100000)
    np.testing.assert_allclose(alphas, ref_a, rtol=1e-12)
    assert rel_err(coefs, ref_c) < 1e-6
    assert np.all(gaps >= 0) and np.all(gaps < 1e-6)
    assert np.all(np.diff(alphas) < 0)
    assert np.all(coefs[:, 0] == 0)  # alpha_max zeros every coefficient
    assert np.all(coefs[:, -1] != 0)  # at eps * alpha_max all are in on this data
    a2, c2, _ = enet_path(Xc, yc, l1_ratio=0.5, alphas=[1.0, 0.1], tol=1e-10)
    np.testing.assert_allclose(
        c2[:, 1], ElasticNet(alpha=0.1, tol=1e-10).fit(X, y).coef_, rtol=1e-6, atol=1e-8
    )
    _, _, _, n_iter = lasso_path(Xc, yc, alphas=[0.5], return_n_iter=True)
    assert n_iter[0] >= 1


def test_lasso_warns_when_not_converged(diabetes):
    X, y = diabetes
    with pytest.warns(ConvergenceWarning, match="Objective did not converge"):
        Lasso(alpha=0.001, max_iter=2).fit(X, y)
    with pytest.warns(UserWarning, match="With alpha=0"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Lasso(alpha=0.0).fit(X, y)


def test_penalty_errors(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="alpha must be a scalar >= 0"):
        Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be in"):
        ElasticNet(l1_ratio=2.0).fit(X, y)
    with pytest.raises(ValueError, match="solver must be"):
        Lasso(solver="sgd").fit(X, y)
    with pytest.raises(ValueError, match="precomputed Gram matrix is not supported"):
        Lasso(precompute=X.T @ X).fit(X, y)
    assert "l1_ratio" not in Lasso().get_params()
