"""Week 1: classical linear models with analytic solutions and inference.

scikit-learn's estimator API throughout: the constructor only stores parameters; ``fit``,
``predict``, ``predict_proba``, ``score``, ``get_params`` / ``set_params``; ``coef_`` and
``intercept_``; NumPy arrays in and out. Each model's docstring states the objective it minimizes
and how its penalty parameter maps to scikit-learn's and to the notes' lambda.

    from deepgrad.linear import LinearRegression
    m = LinearRegression().fit(X, y)
    m.summary()          # coefficients, standard errors, t, p-values, 95% intervals, R^2
"""

from .base import BaseEstimator, NotFittedError, accuracy_score, clone, r2_score
from .features import OneHotEncoder, PolynomialFeatures, StandardScaler, standardize
from .lasso import ConvergenceWarning, ElasticNet, Lasso, enet_path, lasso_path, soft_threshold
from .logistic import LogisticRegression, sigmoid
from .model_selection import (
    KFold,
    cross_val_score,
    learning_curve,
    train_test_split,
    train_val_split,
    validation_curve,
)
from .multiclass import OneVsRestClassifier
from .ols import LinearRegression, RankDeficientWarning
from .perceptron import Perceptron
from .pipeline import Pipeline, make_pipeline
from .ridge import Ridge, ridge_path
from .softmax import SoftmaxRegression, log_softmax, softmax
from .svm import LinearSVC, hinge_loss

__all__ = [
    "BaseEstimator",
    "NotFittedError",
    "clone",
    "accuracy_score",
    "r2_score",
    "StandardScaler",
    "PolynomialFeatures",
    "OneHotEncoder",
    "standardize",
    "LinearRegression",
    "RankDeficientWarning",
    "Ridge",
    "ridge_path",
    "Lasso",
    "ElasticNet",
    "lasso_path",
    "enet_path",
    "soft_threshold",
    "ConvergenceWarning",
    "LogisticRegression",
    "sigmoid",
    "SoftmaxRegression",
    "softmax",
    "log_softmax",
    "OneVsRestClassifier",
    "Perceptron",
    "LinearSVC",
    "hinge_loss",
    "Pipeline",
    "make_pipeline",
    "train_val_split",
    "train_test_split",
    "KFold",
    "cross_val_score",
    "learning_curve",
    "validation_curve",
]
