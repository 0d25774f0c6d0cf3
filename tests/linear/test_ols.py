"""LinearRegression against an independent float64 computation (normal equations, scipy.stats)
and against scikit-learn's LinearRegression."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn import linear_model as sk
from sklearn.base import clone
from sklearn.datasets import load_diabetes

from deepgrad.linear import (
    ConvergenceWarning,
    LinearRegression,
    NotFittedError,
    RankDeficientWarning,
)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def reference_ols(X, y):
    """Textbook formulas: beta = (X^T X)^{-1} X^T y, Var = sigma^2 (X^T X)^{-1}."""
    n = X.shape[0]
    D = np.column_stack([np.ones(n), X])
    k = D.shape[1]
    xtx_inv = np.linalg.inv(D.T @ D)
    beta = xtx_inv @ D.T @ y
    resid = y - D @ beta
    sigma2 = resid @ resid / (n - k)
    se = np.sqrt(sigma2 * np.diag(xtx_inv))
    t = beta / se
    p = 2 * stats.t.cdf(-np.abs(t), n - k)
    q = stats.t.ppf(0.975, n - k)
    ci = np.column_stack([beta - q * se, beta + q * se])
    lev = np.einsum("ij,jk,ik->i", D, xtx_inv, D)
    r2 = 1 - resid @ resid / np.sum((y - y.mean()) ** 2)
    r2_adj = 1 - (1 - r2) * (n - 1) / (n - k)
    return dict(
        beta=beta, sigma2=sigma2, se=se, t=t, p=p, ci=ci, lev=lev, r2=r2, r2_adj=r2_adj, resid=resid
    )


def test_diabetes_inference_matches_normal_equations(diabetes):
    X, y = diabetes
    m = LinearRegression().fit(X, y)
    ref = reference_ols(X, y)
    rel = dict(rtol=1e-6, atol=0)
    np.testing.assert_allclose(m.params_, ref["beta"], **rel)
    np.testing.assert_allclose(m.intercept_, ref["beta"][0], **rel)
    np.testing.assert_allclose(m.coef_, ref["beta"][1:], **rel)
    np.testing.assert_allclose(m.sigma2_, ref["sigma2"], **rel)
    np.testing.assert_allclose(m.stderr_, ref["se"], **rel)
    np.testing.assert_allclose(m.tvalues_, ref["t"], **rel)
    np.testing.assert_allclose(m.pvalues_, ref["p"], **rel)
    np.testing.assert_allclose(m.conf_int(0.05), ref["ci"], **rel)
    np.testing.assert_allclose(m.leverage_, ref["lev"], **rel)
    np.testing.assert_allclose(m.residuals_, ref["resid"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m.rsquared_, ref["r2"], **rel)
    np.testing.assert_allclose(m.rsquared_adj_, ref["r2_adj"], **rel)
    np.testing.assert_allclose(m.score(X, y), ref["r2"], **rel)
    # the published diabetes fit (Efron et al. 2004): bmi 519.84, R^2 0.5177
    assert m.coef_[2] == pytest.approx(519.84, abs=0.01)
    assert m.rsquared_ == pytest.approx(0.5177, abs=1e-4)


def test_conf_int_level_and_f_test(diabetes):
    X, y = diabetes
    m = LinearRegression().fit(X, y)
    ci90, ci99 = m.conf_int(0.10), m.conf_int(0.01)
    assert np.all(ci99[:, 0] < ci90[:, 0]) and np.all(ci99[:, 1] > ci90[:, 1])
    # an interval excludes 0 exactly when its p-value is below alpha
    excl = (ci90[:, 0] > 0) | (ci90[:, 1] < 0)
    np.testing.assert_array_equal(excl, m.pvalues_ < 0.10)
    n, k = X.shape[0], X.shape[1] + 1
    f = (m.rsquared_ / (k - 1)) / ((1 - m.rsquared_) / (n - k))
    np.testing.assert_allclose(m.fvalue_, f, rtol=1e-10)
    with pytest.raises(ValueError, match="alpha"):
        m.conf_int(1.5)


def test_hat_matrix_is_the_projection(diabetes):
    X, y = diabetes
    X, y = X[:60], y[:60]
    m = LinearRegression().fit(X, y)
    H = m.hat_matrix()
    np.testing.assert_allclose(H @ H, H, atol=1e-12)  # idempotent
    np.testing.assert_allclose(H, H.T, atol=1e-14)  # symmetric
    np.testing.assert_allclose(H @ y, m.fitted_values_, rtol=1e-10)
    np.testing.assert_allclose(np.trace(H), X.shape[1] + 1, rtol=1e-10)
    D = np.column_stack([np.ones(60), X])
    np.testing.assert_allclose(D.T @ m.residuals_, 0, atol=1e-9)  # residual orthogonal to col(X)


def test_summary_table(diabetes, capsys):
    X, y = diabetes
    m = LinearRegression().fit(X, y)
    text = m.summary(feature_names=load_diabetes().feature_names)
    printed = capsys.readouterr().out
    assert text in printed
    assert "const" in text and "bmi" in text and "P>|t|" in text and "[0.025" in text
    bmi_row = next(line for line in text.splitlines() if line.startswith("bmi"))
    assert "519.8" in bmi_row and "66.53" in bmi_row
    assert m.summary(print_table=False) == m.summary(print_table=False)


def test_rank_deficient_gives_min_norm_pinv_solution():
    rng = np.random.default_rng(0)
    x1 = rng.normal(size=40)
    X = np.column_stack([x1, 3 * x1, rng.normal(size=40)])  # x2 = 3 x1, as in the notes
    y = 2 * x1 + X[:, 2] + 0.1 * rng.normal(size=40)
    with pytest.warns(RankDeficientWarning, match="rank 3 < 4"):
        m = LinearRegression().fit(X, y)
    # scikit-learn's solution: the minimum-norm coefficients of the centered problem
    Xc = X - X.mean(0)
    np.testing.assert_allclose(m.coef_, np.linalg.pinv(Xc) @ (y - y.mean()), rtol=1e-10)
    s = sk.LinearRegression().fit(X, y)
    np.testing.assert_allclose(m.coef_, s.coef_, rtol=1e-10)
    assert m.intercept_ == pytest.approx(s.intercept_, rel=1e-12)
    assert m.rank_ == s.rank_ == 2  # the rank of the centered inputs, as scikit-learn's
    np.testing.assert_allclose(m.singular_, s.singular_, rtol=1e-10, atol=1e-12)
    assert m.df_resid_ == 40 - 3  # the design matrix with its column of ones has rank 3
    assert np.all(np.isnan(m.stderr_)) and np.all(np.isnan(m.pvalues_))
    # the fitted values are still the projection onto the column space
    ref = LinearRegression().fit(X[:, [0, 2]], y)
    np.testing.assert_allclose(m.fitted_values_, ref.fitted_values_, rtol=1e-10)
    np.testing.assert_allclose(m.leverage_, ref.leverage_, rtol=1e-10)
    assert "rank 3 < 4" in m.summary(print_table=False)


def test_more_features_than_samples_is_min_norm():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(5, 8)), rng.normal(size=5)
    with pytest.warns(RankDeficientWarning):
        m = LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(m.coef_, np.linalg.pinv(X) @ y, rtol=1e-10)
    np.testing.assert_allclose(m.predict(X), y, atol=1e-10)  # interpolates


def test_no_intercept_full_rank_no_warning():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.01 * rng.normal(size=30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(m.coef_, np.linalg.solve(X.T @ X, X.T @ y), rtol=1e-10)
    assert m.intercept_ == 0.0 and m.params_.shape == (3,)


def test_gradient_descent_reaches_the_analytic_solution(diabetes):
    X, y = diabetes
    exact = LinearRegression().fit(X, y)
    gd = LinearRegression(solver="gd", max_iter=50000, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(gd.params_, exact.params_, rtol=1e-6)
    assert gd.loss_curve_[0] > gd.loss_curve_[-1]
    assert np.all(np.diff(gd.loss_curve_) <= 1e-9)  # step 1/L: monotone descent
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        mb = LinearRegression(solver="sgd", batch_size=32, learning_rate=0.01, max_iter=200)
        mb.fit(X, y)
    assert mb.score(X, y) > exact.score(X, y) - 0.01  # noisy but close in fit quality


def test_gd_divergence_is_reported(diabetes):
    X, y = diabetes
    with pytest.raises(FloatingPointError, match="diverged"):
        LinearRegression(solver="gd", learning_rate=10.0, max_iter=500).fit(X, y)


class PlainSGD:
    """A stand-in following deepgrad.optim's PyTorch-like protocol, to test the hook."""

    def __init__(self, params, lr):
        self.params, self.lr, self.steps = list(params), lr, 0

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.steps += 1
        for p in self.params:
            p.data -= self.lr * p.grad


def test_optimizer_hook_matches_the_numpy_loop(diabetes):
    X, y = diabetes
    X, y = X[:100], y[:100]
    kw = dict(solver="sgd", batch_size=10, learning_rate=0.05, max_iter=20, random_state=3)
    import warnings as w

    with w.catch_warnings():
        w.simplefilter("ignore", ConvergenceWarning)
        a = LinearRegression(**kw).fit(X, y)
        b = LinearRegression(optimizer=PlainSGD, **kw).fit(X, y)
    np.testing.assert_allclose(b.params_, a.params_, rtol=1e-10)
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-10)


def test_estimator_api_and_errors(diabetes):
    X, y = diabetes
    m = LinearRegression(solver="gd", max_iter=5)
    assert m.get_params()["solver"] == "gd"
    assert m.set_params(solver="svd") is m and m.solver == "svd"
    c = clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "coef_")
    with pytest.raises(ValueError, match="Invalid parameter 'alpha'"):
        m.set_params(alpha=1.0)
    with pytest.raises(NotFittedError, match="not fitted"):
        m.predict(X)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        m.fit(X[:, 0], y)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[442, 441\]"):
        m.fit(X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        m.fit(np.where(X > 0.1, np.nan, X), y)
    with pytest.raises(ValueError, match="solver must be"):
        LinearRegression(solver="newton").fit(X, y)
    with pytest.raises(ValueError, match="positive=True needs solver='svd'"):
        LinearRegression(positive=True, solver="gd").fit(X, y)
    m.fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but LinearRegression is expecting 10"):
        m.predict(X[:, :3])
    assert isinstance(m.predict(X), np.ndarray) and m.predict(X).shape == (442,)


def test_deepgrad_optim_drives_the_gd_solver(diabetes):
    optim = pytest.importorskip("deepgrad.optim")
    X, y = diabetes
    kw = dict(solver="sgd", batch_size=10, learning_rate=0.05, max_iter=20, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = LinearRegression(**kw).fit(X[:100], y[:100])
        b = LinearRegression(optimizer=optim.SGD, **kw).fit(X[:100], y[:100])
    np.testing.assert_allclose(b.params_, a.params_, rtol=1e-10)  # plain SGD: the same iterates
    exact = LinearRegression().fit(X, y)
    m = LinearRegression(
        solver="gd",
        optimizer=optim.SGD,
        optimizer_kwargs={"momentum": 0.9},
        max_iter=5000,
        tol=1e-13,
    ).fit(X, y)
    np.testing.assert_allclose(m.params_, exact.params_, rtol=1e-6)
    assert m.n_iter_ < 2000  # momentum needs far fewer epochs than plain GD (about 8000)


def test_defaults_and_results_are_sklearns(diabetes):
    X, y = diabetes
    ours, ref = LinearRegression(), sk.LinearRegression()
    for name, value in ref.get_params().items():
        assert ours.get_params()[name] == value, name
    ours.fit(X, y)
    ref.fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-12)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-12)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-12)
    assert ours.rank_ == ref.rank_
    np.testing.assert_allclose(ours.singular_, ref.singular_, rtol=1e-10)
    a = LinearRegression(fit_intercept=False).fit(X, y)
    b = sk.LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)
    assert a.intercept_ == b.intercept_ == 0.0


def test_positive_is_sklearns_nnls(diabetes):
    X, y = diabetes
    m = LinearRegression(positive=True).fit(X, y)
    s = sk.LinearRegression(positive=True).fit(X, y)
    np.testing.assert_allclose(m.coef_, s.coef_, rtol=1e-8, atol=1e-8)
    assert m.intercept_ == pytest.approx(s.intercept_, rel=1e-10)
    assert np.all(m.coef_ >= 0) and np.sum(m.coef_ == 0) >= 2
    assert np.all(np.isnan(m.stderr_))  # the t-based inference does not apply


def test_sample_weight_is_weighted_least_squares(diabetes):
    X, y = diabetes
    rng = np.random.default_rng(0)
    sw = rng.integers(0, 4, size=len(y)).astype(float)
    m = LinearRegression().fit(X, y, sample_weight=sw)
    s = sk.LinearRegression().fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(m.coef_, s.coef_, rtol=1e-9)
    assert m.intercept_ == pytest.approx(s.intercept_, rel=1e-10)
    # integer weights = repeated rows, for the coefficients
    rep = LinearRegression().fit(np.repeat(X, sw.astype(int), 0), np.repeat(y, sw.astype(int)))
    np.testing.assert_allclose(m.coef_, rep.coef_, rtol=1e-9)
    # WLS inference: Var(beta) = sigma^2 (X^T W X)^{-1}, sigma^2 = sum w r^2 / (n - p - 1)
    D = np.column_stack([np.ones(len(y)), X])
    xtwx_inv = np.linalg.inv(D.T @ (sw[:, None] * D))
    beta = xtwx_inv @ D.T @ (sw * y)
    r = y - D @ beta
    sigma2 = sw @ r**2 / (len(y) - D.shape[1])
    np.testing.assert_allclose(m.params_, beta, rtol=1e-9)
    np.testing.assert_allclose(m.stderr_, np.sqrt(sigma2 * np.diag(xtwx_inv)), rtol=1e-8)
    yw = np.average(y, weights=sw)
    assert m.rsquared_ == pytest.approx(1 - sw @ r**2 / (sw @ (y - yw) ** 2), rel=1e-10)
    assert m.score(X, y, sample_weight=sw) == pytest.approx(m.rsquared_, rel=1e-10)
    g = LinearRegression(solver="gd", max_iter=50000, tol=1e-12).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(g.params_, m.params_, rtol=1e-6)


@pytest.mark.parametrize("tol", [1e-6, 1e-8])
def test_tol_is_sklearns_singular_value_cutoff(tol):
    # an ill-conditioned polynomial expansion (condition number ~1e9): the cut-off decides
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 1, 24))
    Z = np.vander(x, 13, increasing=True)[:, 1:]
    Z = (Z - Z.mean(0)) / Z.std(0)
    y = np.sin(2 * np.pi * x) + 0.25 * rng.normal(size=24)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)
        m = LinearRegression(tol=tol).fit(Z, y)
    s = sk.LinearRegression(tol=tol).fit(Z, y)
    assert m.rank_ == s.rank_ < 12
    np.testing.assert_allclose(m.coef_, s.coef_, rtol=1e-6, atol=1e-6 * np.abs(s.coef_).max())
    np.testing.assert_allclose(m.predict(Z), s.predict(Z), rtol=1e-8, atol=1e-8)
