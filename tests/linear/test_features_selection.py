"""Feature maps against scikit-learn's; model selection on the notes' overfitting example."""

import numpy as np
import pytest
from sklearn import preprocessing as skp
from sklearn.datasets import load_diabetes
from sklearn.model_selection import KFold as SkKFold
from sklearn.model_selection import cross_val_score as sk_cross_val_score

from deepgrad.linear import (
    KFold,
    LinearRegression,
    OneHotEncoder,
    PolynomialFeatures,
    RankDeficientWarning,
    Ridge,
    StandardScaler,
    clone,
    cross_val_score,
    learning_curve,
    make_pipeline,
    train_val_split,
    validation_curve,
)


def test_standard_scaler_matches_sklearn():
    X = np.random.default_rng(0).normal(3.0, 5.0, size=(50, 4))
    X[:, 2] = 7.0  # a constant column
    ours, ref = StandardScaler().fit(X), skp.StandardScaler().fit(X)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)), X)
    with pytest.raises(ValueError, match="fitted with 4 features"):
        ours.transform(X[:, :3])


@pytest.mark.parametrize("degree", [1, 2, 3])
@pytest.mark.parametrize("interaction_only", [False, True])
@pytest.mark.parametrize("include_bias", [False, True])
def test_polynomial_features_match_sklearn(degree, interaction_only, include_bias):
    X = np.random.default_rng(1).normal(size=(7, 3))
    kw = dict(degree=degree, interaction_only=interaction_only, include_bias=include_bias)
    ours = PolynomialFeatures(**kw).fit(X)
    ref = skp.PolynomialFeatures(**kw).fit(X)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-12)
    assert ours.get_feature_names_out() == list(ref.get_feature_names_out())


def test_one_hot_matches_sklearn_and_drop_first_avoids_rank_deficiency():
    cats = np.array([["a", "x"], ["b", "y"], ["c", "x"], ["a", "y"], ["b", "x"], ["c", "y"]])
    ours = OneHotEncoder().fit(cats)
    ref = skp.OneHotEncoder(sparse_output=False).fit(cats)
    np.testing.assert_array_equal(ours.transform(cats), ref.transform(cats))
    assert ours.get_feature_names_out() == list(ref.get_feature_names_out())
    d = OneHotEncoder(drop="first").fit(cats)
    assert d.get_feature_names_out() == ["x0_b", "x0_c", "x1_y"]
    y = np.arange(6.0)
    with pytest.warns(RankDeficientWarning):  # all dummies + intercept: redundant coding
        LinearRegression().fit(ours.transform(cats), y)
    LinearRegression().fit(d.transform(cats), y)  # no warning with drop="first"
    with pytest.raises(ValueError, match="unseen in fit"):
        ours.transform(np.array([["z", "x"]]))
    ign = OneHotEncoder(handle_unknown="ignore").fit(cats)
    np.testing.assert_array_equal(ign.transform(np.array([["z", "x"]])), [[0, 0, 0, 1, 0]])


def test_train_val_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    Xtr, Xva, ytr, yva = train_val_split(X, y, val_size=0.3, random_state=1)
    assert len(Xva) == 3 and len(Xtr) == 7
    np.testing.assert_array_equal(Xtr[:, 0] // 2, ytr)
    assert sorted(np.concatenate([ytr, yva]).tolist()) == list(range(10))
    with pytest.raises(ValueError, match="validation samples"):
        train_val_split(X, val_size=10)


def test_kfold_and_cross_val_score_match_sklearn():
    X, y = load_diabetes(return_X_y=True)
    folds = list(KFold(5).split(X))
    ref = list(SkKFold(5).split(X))
    for (a, b), (c, d) in zip(folds, ref, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    from sklearn.linear_model import LinearRegression as SkLR

    ours = cross_val_score(LinearRegression(), X, y, cv=KFold(5))
    theirs = sk_cross_val_score(SkLR(), X, y, cv=SkKFold(5))
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
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
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)
        tr, va = validation_curve(
            model,
            X,
            y,
            "polynomialfeatures__degree",
            degrees,
            cv=KFold(5, shuffle=True, random_state=0),
            scoring="neg_mean_squared_error",
        )
    tr_mse, va_mse = -tr.mean(1), -va.mean(1)
    assert tr_mse[0] > tr_mse[1] > tr_mse[2]  # training error keeps falling with degree
    assert va_mse[1] < va_mse[0] and va_mse[1] < va_mse[2]  # validation error is U-shaped
    assert model.get_params()["polynomialfeatures__degree"] == 2  # the original is untouched


def test_learning_curve_and_pipeline_clone():
    X, y = load_diabetes(return_X_y=True)
    sizes, tr, va = learning_curve(Ridge(alpha=1.0), X, y, train_sizes=[0.1, 0.5, 1.0], cv=3)
    assert sizes.tolist() == [29, 147, 294]
    assert tr.shape == va.shape == (3, 3)
    assert va.mean(1)[-1] > va.mean(1)[0]  # more data helps the validation score
    p = make_pipeline(StandardScaler(), Ridge(alpha=2.0)).fit(X, y)
    c = clone(p)
    assert c.steps[1][1] is not p.steps[1][1] and not hasattr(c["ridge"], "coef_")
    assert c.get_params()["ridge__alpha"] == 2.0
