"""deepgrad.linear's estimators are genuine scikit-learn estimators: scikit-learn's common checks
(``check_estimator``), and its meta-estimators (Pipeline, GridSearchCV, cross_val_score,
OneVsRestClassifier) run them."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import NotFittedError as SkNotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from deepgrad.linear import (
    ConvergenceWarning,
    ElasticNet,
    Lasso,
    LinearRegression,
    LinearSVC,
    LogisticRegression,
    NotFittedError,
    Perceptron,
    RankDeficientWarning,
    Ridge,
    SoftmaxRegression,
    expected_failed_checks,
)

ESTIMATORS = [
    LinearRegression(),
    LinearRegression(solver="gd"),
    LinearRegression(positive=True),
    Ridge(),
    Ridge(solver="svd"),
    Ridge(positive=True),
    Lasso(),
    Lasso(solver="proximal"),
    ElasticNet(),
    ElasticNet(precompute=True, selection="random"),
    LogisticRegression(),
    LogisticRegression(solver="newton-cholesky", class_weight="balanced"),
    LogisticRegression(solver="proximal-newton", l1_ratio=0.5),
    SoftmaxRegression(),
    Perceptron(),
    Perceptron(penalty="elasticnet", alpha=1e-3),
    LinearSVC(),
    LinearSVC(dual=True, loss="hinge"),
    OneVsRestClassifier(LogisticRegression()),
    OneVsRestClassifier(LinearSVC()),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_common_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RankDeficientWarning)  # the checks' random wide data
        check(estimator)


def test_expected_failures_are_few_and_explained():
    for est in ESTIMATORS:
        for name, reason in expected_failed_checks(est).items():
            assert name.startswith("check_") and len(reason) > 40
    assert expected_failed_checks(LinearRegression(solver="gd")) == {}
    assert expected_failed_checks(LinearSVC(tol=1e-12)) == {}


def test_linear_svc_weights_equal_repetitions_at_tight_tolerance():
    # the expected failure at the default tol is only the solver's tolerance
    check_sample_weight_equivalence_on_dense_data("LinearSVC", LinearSVC(tol=1e-12))
    check_sample_weight_equivalence_on_dense_data(
        "LinearSVC", LinearSVC(dual=True, tol=1e-12, max_iter=100000)
    )


def test_only_deepgrad_linear_imports_sklearn():
    import subprocess
    import sys

    code = (
        "import sys, deepgrad; a = 'sklearn' in sys.modules; import deepgrad.linear; "
        "print(a, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_not_fitted_error_is_sklearns():
    assert NotFittedError is SkNotFittedError
    with pytest.raises(NotFittedError, match="not fitted"):
        Ridge().predict(np.zeros((2, 3)))


def _data(kind):
    if kind == "regression":
        return load_diabetes(return_X_y=True)
    if kind == "binary":
        return load_breast_cancer(return_X_y=True)
    return load_iris(return_X_y=True)


CASES = [
    (LinearRegression(), "regression", {"fit_intercept": [True, False]}),
    (Ridge(), "regression", {"alpha": [0.1, 1.0, 10.0]}),
    (Lasso(), "regression", {"alpha": [0.01, 0.1, 1.0]}),
    (ElasticNet(), "regression", {"l1_ratio": [0.2, 0.8]}),
    (LogisticRegression(), "binary", {"C": [0.1, 1.0]}),
    (LogisticRegression(), "multiclass", {"C": [0.1, 1.0]}),
    (SoftmaxRegression(), "multiclass", {"C": [0.1, 1.0]}),
    (Perceptron(), "binary", {"eta0": [0.1, 1.0]}),
    (LinearSVC(), "multiclass", {"C": [0.1, 1.0]}),
]


@pytest.mark.parametrize(
    "est,kind,grid", CASES, ids=[f"{type(c[0]).__name__}-{c[1]}" for c in CASES]
)
def test_pipeline_grid_search_and_cross_val_score(est, kind, grid):
    X, y = _data(kind)
    pipe = make_pipeline(StandardScaler(), clone(est))
    step = pipe.steps[-1][0]
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X, y, cv=cv)
    assert scores.shape == (3,)
    assert np.all(scores > (0.3 if kind == "regression" else 0.8))
    # the pipeline scores what the estimator's own score says on each fold
    train, test = next(cv.split(X, y))
    fitted = clone(pipe).fit(X[train], y[train])
    assert scores[0] == pytest.approx(fitted.score(X[test], y[test]))
    search = GridSearchCV(pipe, {f"{step}__{k}": v for k, v in grid.items()}, cv=cv)
    search.fit(X, y)
    assert set(search.best_params_) == {f"{step}__{k}" for k in grid}
    assert search.best_estimator_[-1].get_params()[next(iter(grid))] == (
        search.best_params_[f"{step}__{next(iter(grid))}"]
    )
    assert is_classifier(est) == (kind != "regression")


@pytest.mark.parametrize("base", [LogisticRegression(), LinearSVC(), Perceptron()])
def test_sklearn_one_vs_rest_runs_the_binary_models(base):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ovr = OneVsRestClassifier(base).fit(X, y)
    assert len(ovr.estimators_) == 3
    for k, e in enumerate(ovr.estimators_):  # each: class k against the rest
        ref = clone(base).fit(X, (y == k).astype(int))
        np.testing.assert_allclose(e.coef_, ref.coef_)
    assert ovr.score(X, y) > 0.8
    assert ovr.get_params()["estimator__max_iter"] == base.max_iter
