# %% [markdown]
# # Week 1: linear models and optimization
#
# Linear models are the building blocks of every deep network in this course, and stochastic
# optimization is how every one of those networks learns. This notebook follows the week's notes:
# least squares and its statistics, the losses of linear classification, overfitting and
# regularization, and the optimizer lab where gradient descent and its extensions race.
#
# The first cell says how long the notebook takes. Set `DEEPGRAD_QUICK=1` before starting Jupyter
# for the quick version (each task with its seconds-long QUICK config, on the real data).

# %%
import deepgrad.notebook as nb

QUICK = nb.start("week1_optimization")

# %% [markdown]
# ## Linear regression
#
# For an input $X^\top = (X_1, \dots, X_p)$ and a real output $Y$ the linear model predicts
#
# $$f(X) = \beta_0 + \sum_{j=1}^p X_j \beta_j .$$
#
# The inputs $X_j$ may be raw measurements, transformations of them ($\log$, squares), basis
# expansions ($X_2 = X_1^2$), codes of categories or products of inputs: whatever they are, the
# model stays *linear in the parameters* $\beta$. With the inputs stacked as rows of a matrix
# $X$ (a first column of ones for $\beta_0$) and the outputs in a vector $y$, least squares
# minimizes the residual sum of squares
#
# $$RSS(\beta) = (y - X\beta)^\top (y - X\beta),$$
#
# and setting its derivative with respect to $\beta$ to zero gives the unique solution (when $X$
# has full column rank)
#
# $$\hat\beta = (X^\top X)^{-1} X^\top y, \qquad
#   \hat y = X\hat\beta = \underbrace{X (X^\top X)^{-1} X^\top}_{H} y .$$
#
# $H$ is the "hat" matrix: it projects $y$ orthogonally onto the space spanned by the columns of
# $X$, so the residual $y - \hat y$ is perpendicular to every column. If the observations are
# uncorrelated with constant variance $\sigma^2$, then $Var(\hat\beta) = (X^\top X)^{-1}\sigma^2$,
# and with Gaussian errors $\epsilon$ in $Y = \beta_0 + \sum_j X_j\beta_j + \epsilon$ these give
# standard errors, $t$ tests and confidence intervals for each $\beta_j$.
#
# `deepgrad.linear.LinearRegression` is a scikit-learn estimator that keeps these statistics.
# Here it predicts disease progression from ten measurements of 442 diabetes patients:

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from deepgrad.linear import LinearRegression

data = load_diabetes()
X, y = data.data, data.target
ols = LinearRegression().fit(X, y)
ols.summary(feature_names=data.feature_names)

# %% [markdown]
# The geometry can be checked on the fit: the residual is orthogonal to every column of the design
# matrix, $H$ is a projection ($H^2 = H$), and its trace (the sum of the leverages $h_{ii}$)
# is the number of parameters, $p + 1 = 11$.

# %%
design = np.column_stack([np.ones(len(X)), X])
H = ols.hat_matrix()
print("largest |X^T (y - y_hat)|:", np.abs(design.T @ ols.residuals_).max())
print("largest |H H - H|:       ", np.abs(H @ H - H).max())
print("trace of H:              ", ols.leverage_.sum())

# %% [markdown]
# One input at a time is easier to see. Fitting progression on body-mass index alone: the line,
# the residuals whose squares RSS adds up, and the leverage of each patient (points far from the
# mean input pull the line hardest).

# %%
bmi = X[:, [2]]
line = LinearRegression().fit(bmi, y)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.vlines(bmi[:, 0], y, line.fitted_values_, color="tab:red", lw=0.5, label="residuals")
ax1.scatter(bmi[:, 0], y, s=8, label="patients")
grid = np.linspace(bmi.min(), bmi.max(), 2)[:, None]
ax1.plot(grid, line.predict(grid), "k", lw=2, label=f"R$^2$ = {line.rsquared_:.2f}")
ax1.set(xlabel="body-mass index (scaled)", ylabel="disease progression", title="least squares")
ax1.legend()
ax2.scatter(bmi[:, 0], line.leverage_, s=8, color="tab:purple")
ax2.set(xlabel="body-mass index (scaled)", ylabel="$h_{ii}$", title="leverage: diag(H)")
plt.show()

# %% [markdown]
# ## Gradient descent instead of the formula
#
# Gradient descent is a generic method that minimizes any differentiable loss: start from some
# $w^0$ and repeat $w^t = w^{t-1} - \eta \nabla L(w^{t-1})$. For the mean squared error the
# gradient is $\nabla L(w) = \frac{2}{\ell} X^\top (Xw - y)$. The formula above is the better
# choice when there are few features (a $p \times p$ matrix to invert is cheap for $p$ of about a
# hundred); gradient descent is easy to write, needs less memory and applies to every loss,
# which is why it trains every model that follows. `solver="gd"` is that loop, `solver="sgd"`
# the stochastic one (here mini-batches of 32 random examples per step). Both come within 1% of
# the least squares error in a few epochs, but then crawl: the coefficients of the strongly
# correlated blood serum inputs (s1, s2) are still off after a thousand epochs (300 in quick
# mode). Along that
# direction the MSE's level lines are long thin ellipses, where gradient steps are slow.

# %%
import warnings

from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from deepgrad.linear import ConvergenceWarning

exact = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)[-1]
epochs = 300 if QUICK else 1000
fig, ax = plt.subplots()
for solver, kw in [("gd", {}), ("sgd", {"batch_size": 32})]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # they do not reach tol 1e-6
        gd = make_pipeline(
            StandardScaler(), LinearRegression(solver=solver, max_iter=epochs, **kw)
        ).fit(X, y)[-1]
    gap = np.abs(gd.coef_ - exact.coef_).max()
    ax.semilogy(
        np.asarray(gd.loss_curve_) - exact.rss_ / len(y),
        label=f"{solver}: largest |w - w*| = {gap:.2g} after {epochs} epochs",
    )
ax.set(xlabel="epoch", ylabel="training MSE minus the analytic solution's")
ax.legend()
plt.show()

# %% [markdown]
# ## Losses for classification
#
# A linear classifier gives each class a score $z_k = w_k^\top x$ and predicts the largest. The
# obvious measure, accuracy $\frac{1}{\ell}\sum_i [a(x_i) = y_i]$, is easy to read but has no
# gradient and ignores how confident the model is. The squared error on labels $\pm 1$ has a
# gradient but punishes answers that are right *and* confident (a margin $M = y\,w^\top x$ above
# 1). Keeping only the useful branch gives losses such as the hinge $\max(0, 1 - M)$ and the
# logistic loss $\log(1 + e^{-M})$, each the root of its own classification method.
#
# For several classes the scores become a probability distribution through the *softmax*,
# $\sigma(z)_k = e^{z_k} / \sum_j e^{z_j}$, and the distance from the target distribution is the
# *cross-entropy*, which for one example is just $-\log \sigma(z)_{y}$, minus the log-probability
# of the true class.

# %%
from deepgrad.linear import hinge_loss

M = np.linspace(-2.5, 3, 300)
fig, ax = plt.subplots()
ax.step(M, (M < 0).astype(float), "k", where="mid", lw=2, label="0-1 loss (accuracy)")
ax.plot(M, (1 - M) ** 2, label="squared error $(1-M)^2$")
ax.plot(M, hinge_loss(M), label="hinge $\\max(0, 1-M)$")
ax.plot(M, np.logaddexp(0, -M) / np.log(2), label="logistic $\\log_2(1+e^{-M})$")
ax.set(ylim=(-0.1, 4), xlabel="margin $M = y\\,w^\\top x$", ylabel="loss")
ax.legend()
plt.show()

# %% [markdown]
# The softmax regression (`deepgrad.linear.SoftmaxRegression`, fitted by Newton's method on the
# cross-entropy) on the 8x8 digits, with the cross-entropy checked against deepgrad's
# differentiable `cross_entropy`:

# %%
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import deepgrad as dg
import deepgrad.functional as F
from deepgrad.linear import SoftmaxRegression

digits = load_digits()
Xtr, Xte, ytr, yte = train_test_split(digits.data / 16, digits.target, random_state=0)
soft = SoftmaxRegression(C=1.0).fit(Xtr, ytr)
p_true = soft.predict_proba(Xte)[np.arange(len(yte)), yte]
scores = dg.tensor(soft.decision_function(Xte))
print(f"test accuracy {soft.score(Xte, yte):.3f}")
print(f"mean cross-entropy -log p(true class): {-np.log(p_true).mean():.4f}")
print(f"deepgrad's F.cross_entropy(scores, y): {F.cross_entropy(scores, yte).item():.4f}")

# %% [markdown]
# ## Overfitting and regularization
#
# A model overfits when it memorizes its training set: low error there, high error on new data.
# The remedy starts with measuring: hold data out (or cross-validate) and watch the validation
# error. Overfitted models tend to have large weights, so a second remedy is to add a penalty to
# the loss, $L(w) + \lambda R(w)$, where $\lambda$ trades quality on the training set for
# simplicity. The *L2 penalty* $\|w\|_2^2 = \sum_j w_j^2$ (ridge) shrinks every coefficient
# towards zero; the *L1 penalty* $\|w\|_1 = \sum_j |w_j|$ (lasso) sets some of them exactly to
# zero, a sparse model, but needs optimizers beyond plain gradient steps. Both are equivalent to
# minimizing the loss under a constraint $R(w) \le C$. Penalties treat all coefficients alike,
# so inputs are standardized first.
#
# Thirty noisy samples of $\sin(2\pi x)$, fitted by polynomials (a linear model on the basis
# expansion $1, x, \dots, x^d$): training error falls with the degree, validation error does not.

# %%
from sklearn.model_selection import KFold, validation_curve
from sklearn.preprocessing import PolynomialFeatures

from deepgrad.linear import Ridge

rng = np.random.default_rng(3)
x = np.sort(rng.uniform(0, 1, 30))
t = np.sin(2 * np.pi * x) + 0.25 * rng.normal(size=30)
cv = KFold(5, shuffle=True, random_state=0)
degrees = np.arange(1, 13)
poly = make_pipeline(PolynomialFeatures(include_bias=False), StandardScaler(), Ridge(alpha=1e-9))
train, val = validation_curve(
    poly,
    x[:, None],
    t,
    param_name="polynomialfeatures__degree",
    param_range=degrees,
    cv=cv,
    scoring="neg_mean_squared_error",
)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.semilogy(degrees, -train.mean(1), "o-", label="training MSE")
ax1.semilogy(degrees, -val.mean(1), "s-", label="5-fold validation MSE")
ax1.set(xlabel="polynomial degree", ylabel="MSE", title="overfitting starts where they part")
ax1.legend()
grid = np.linspace(0, 1, 300)[:, None]
ax2.scatter(x, t, color="k", s=12)
for lam in [1e-9, 1e-3, 1.0]:
    model = make_pipeline(
        PolynomialFeatures(12, include_bias=False), StandardScaler(), Ridge(alpha=lam * len(x))
    ).fit(x[:, None], t)
    ax2.plot(grid, model.predict(grid), label=f"degree 12, $\\lambda$ = {lam:g}")
ax2.set(ylim=(-2, 2), title="ridge tames the degree-12 fit")
ax2.legend()
plt.show()

# %% [markdown]
# The regularization paths on the diabetes data show the difference between the penalties: as
# $\lambda$ grows, ridge shrinks all ten coefficients smoothly while the lasso drops them to zero
# one after another.

# %%
from deepgrad.linear import lasso_path, ridge_path

Z = StandardScaler().fit_transform(X)
lams = np.geomspace(1e-4, 1e3, 100)
_, ridge_coefs, _ = ridge_path(Z, y, lams * len(y))
alphas, lasso_coefs, _ = lasso_path(Z, y - y.mean(), alphas=100, eps=1e-4)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.semilogx(lams, ridge_coefs.T)
ax1.set(xlabel="$\\lambda$", ylabel="coefficient", title="ridge (L2): all shrink")
ax2.semilogx(2 * alphas, lasso_coefs.T)
ax2.set(xlabel="$\\lambda$", title="lasso (L1): exact zeros")
ax2.legend(data.feature_names, fontsize=7, ncol=2)
plt.show()

# %% [markdown]
# ## Stochastic optimization: the optimizer lab
#
# One gradient step on the whole training set costs a pass over all of it. *Stochastic gradient
# descent* estimates the gradient from one random example per step: noisy, but cheap and usable
# online; *mini-batch* SGD averages $m$ random examples, less noisy. Both need a carefully chosen
# learning rate. Where the level lines are long ellipses, gradient descent zig-zags; the
# extensions fix that:
#
# * **Momentum** keeps a running sum of gradients, $h_t = \alpha h_{t-1} + \eta g_t$,
#   $w^t = w^{t-1} - h_t$: coordinates whose gradient keeps its sign speed up, oscillating ones
#   cancel out.
# * **Nesterov momentum** takes the momentum step first and evaluates the gradient there,
#   $g_t = \nabla L(w^{t-1} - \alpha h_{t-1})$.
# * **AdaGrad** adapts the rate per coordinate, $G^t_j = G^{t-1}_j + g_{tj}^2$,
#   $w^t_j = w^{t-1}_j - \frac{\eta}{\sqrt{G^t_j + \epsilon}} g_{tj}$; but $G$ only grows, so the
#   steps die out.
# * **RMSprop** uses an exponentially weighted average instead,
#   $G^t_j = \alpha G^{t-1}_j + (1 - \alpha) g_{tj}^2$, so the rate depends on recent gradients.
# * **Adam** adds a smoothed gradient $m^t_j$ (momentum) to RMSprop's $v^t_j$, both corrected for
#   their start at zero: $w^t_j = w^{t-1}_j - \frac{\eta}{\sqrt{\hat v^t_j} + \epsilon}\hat m^t_j$.
#
# The lab (task `optlab`, every method from `deepgrad.optim`) races them on 2-D test functions
# (an ill-conditioned quadratic, Rosenbrock, Beale, a saddle) and on logistic regression of real
# data; the table counts the steps each needs to reach the minimum within $10^{-6}$.

# %%
lab = nb.run("optlab")
print(lab.file("table").read_text())

# %%
lab.show("trajectories", "logistic race")

# %% [markdown]
# What to look for: plain gradient descent crawls along the Rosenbrock valley and zig-zags
# across the quadratic's narrow direction, momentum overshoots and comes back, the adaptive
# methods take steps of similar size in every coordinate. On logistic regression the stochastic
# methods reach a good loss in a fraction of the full-batch method's passes over the data.
