"""Week 1: classical linear models with analytic solutions and inference.

Genuine scikit-learn estimators (``sklearn.base.BaseEstimator`` and its mixins, scikit-learn's
input validation, ``check_estimator``-clean), with scikit-learn's parameters and defaults
wherever they share its names, so ``deepgrad.linear.Ridge(alpha=1.0)`` is
``sklearn.linear_model.Ridge(alpha=1.0)`` up to the solver's tolerance. What is the course's own
stays, as extra parameters and attributes: the solvers written out (normal equations and SVD,
coordinate descent, FISTA, Newton and proximal Newton, gradient descent through
``deepgrad.optim``), the statistics of OLS, the regularization paths, the optimization lab
(:mod:`deepgrad.linear.optlab`). scikit-learn's machinery is used as it is, imported from
scikit-learn: ``Pipeline``/``make_pipeline``, ``StandardScaler``, ``PolynomialFeatures``,
``OneHotEncoder``, ``train_test_split``, ``KFold``, ``cross_val_score``, ``GridSearchCV``,
``learning_curve``, ``validation_curve``, ``OneVsRestClassifier``. Standardizing the inputs is
the user's step, as in scikit-learn:

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from deepgrad.linear import LinearRegression, Ridge
    m = LinearRegression().fit(X, y)
    m.summary()          # coefficients, standard errors, t, p-values, 95% intervals, R^2
    r = make_pipeline(StandardScaler(), Ridge(alpha=10.0)).fit(X, y)
"""

from ._enet_solvers import soft_threshold
from .base import ConvergenceWarning, NotFittedError, expected_failed_checks
from .lasso import ElasticNet, Lasso, enet_path, lasso_path
from .logistic import LogisticRegression, sigmoid
from .ols import LinearRegression, RankDeficientWarning
from .perceptron import Perceptron
from .ridge import Ridge, ridge_path
from .softmax import SoftmaxRegression, log_softmax, softmax
from .svm import LinearSVC, hinge_loss

__all__ = [
    "NotFittedError",
    "ConvergenceWarning",
    "expected_failed_checks",
    "LinearRegression",
    "RankDeficientWarning",
    "Ridge",
    "ridge_path",
    "Lasso",
    "ElasticNet",
    "lasso_path",
    "enet_path",
    "soft_threshold",
    "LogisticRegression",
    "sigmoid",
    "SoftmaxRegression",
    "softmax",
    "log_softmax",
    "Perceptron",
    "LinearSVC",
    "hinge_loss",
]
