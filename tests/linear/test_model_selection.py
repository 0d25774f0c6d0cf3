"""The notes' feature maps and model selection, with scikit-learn's machinery around deepgrad's
estimators (deepgrad.linear has no copies of it any more)."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression as SkLR
from sklearn.model_selection import KFold, cross_val_score, learning_curve, validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler

import deepgrad.linear as dl
from deepgrad.linear import LinearRegression, RankDeficientWarning, Ridge


def test_the_copies_of_sklearn_machinery_are_gone():
    for name in (
        "Pipeline",
        "make_pipeline",
        "KFold",
        "cross_val_score",
        "train_test_split",
        "train_val_split",
        "learning_curve",
        "validation_curve",
        "StandardScaler",
        "PolynomialFeatures",
        "OneHotEncoder",
        "standardize",
        "OneVsRestClassifier",
        "BaseEstimator",
        "clone",
        "r2_score",
        "accuracy_score",
    ):
        assert not hasattr(dl, name), name


def test_one_hot_drop_first_avoids_rank_deficiency():
    cats = np.array([["a", "x"], ["b", "y"], ["c", "x"], ["a", "y"], ["b", "x"], ["c", "y"]])
    full = OneHotEncoder(sparse_output=False).fit_transform(cats)
    dropped = OneHotEncoder(drop="first", sparse_output=False).fit_transform(cats)
    y = np.arange(6.0)
    with pytest.warns(RankDeficientWarning):  # all dummies + intercept: redundant coding
        LinearRegression().fit(full, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        m = LinearRegression().fit(dropped, y)  # no warning with drop="first"
    np.testing.assert_allclose(m.coef_, SkLR().fit(dropped, y).coef_, rtol=1e-10)


def test_cross_val_score_equals_sklearns_estimator():
    X, y = load_diabetes(return_X_y=True)
    ours = cross_val_score(LinearRegression(), X, y, cv=KFold(5))
    theirs = cross_val_score(SkLR(), X, y, cv=KFold(5))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    mse = cross_val_score(LinearRegression(), X, y, cv=KFold(5), scoring="neg_mean_squared_error")
    assert np.all(mse < 0)


def _overfitting_data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, n))
    y = np.sin(2 * np.pi * x) + 0.3 * rng.normal(size=n)
    return x[:, None], y


def test_validation_curve_shows_overfitting():
    X, y = _overfitting_data()
    model = make_pipeline(
        PolynomialFeatures(include_bias=False), StandardScaler(), LinearRegression()
    )
    degrees = [1, 3, 12]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)
        tr, va = validation_curve(
            model,
            X,
            y,
            param_name="polynomialfeatures__degree",
            param_range=degrees,
            cv=KFold(5, shuffle=True, random_state=0),
            scoring="neg_mean_squared_error",
        )
    tr_mse, va_mse = -tr.mean(1), -va.mean(1)
    assert tr_mse[0] > tr_mse[1] > tr_mse[2]  # training error keeps falling with degree
    assert va_mse[1] < va_mse[0] and va_mse[1] < va_mse[2]  # validation error is U-shaped
    assert model.get_params()["polynomialfeatures__degree"] == 2  # the original is untouched


def test_learning_curve_and_pipeline_clone():
    X, y = load_diabetes(return_X_y=True)
    sizes, tr, va = learning_curve(Ridge(alpha=0.1), X, y, train_sizes=[0.1, 0.5, 1.0], cv=3)
    assert sizes.tolist() == [29, 147, 294]
    assert tr.shape == va.shape == (3, 3)
    assert va.mean(1)[-1] > va.mean(1)[0]  # more data helps the validation score
    p = make_pipeline(StandardScaler(), Ridge(alpha=2.0)).fit(X, y)
    c = clone(p)
    assert c.steps[1][1] is not p.steps[1][1] and not hasattr(c["ridge"], "coef_")
    assert c.get_params()["ridge__alpha"] == 2.0
