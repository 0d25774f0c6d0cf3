"""The four equations of backpropagation, computed for an MLP and set beside autodiff.

The notes (week 2) write an MLP layer by layer, ``z^l = w^l a^{l-1} + b^l``, ``a^l = sigma(z^l)``,
define the error of layer l as ``delta^l = dC_x/dz^l`` and derive::

    (BP1)  delta^L = grad_a C_x (.) sigma'(z^L)                 the output layer's error
    (BP2)  delta^l = ((w^{l+1})^T delta^{l+1}) (.) sigma'(z^l)   moved one layer back
    (BP3)  dC/db^l_j  = delta^l_j
    (BP4)  dC/dw^l_jk = a^{l-1}_k delta^l_j

for one example x; over a batch of n the cost is the average ``C = (1/n) sum_x C_x``, so the
gradients are the averages of BP3 and BP4 over the examples. :func:`backprop` computes exactly
that in plain NumPy (float64, one column per example, the notes' orientation), runs deepgrad's
autodiff on the same model and batch, and returns a :class:`BackpropReport` with both.

    from deepgrad import explain
    report = explain.backprop(model, x, y, loss="quadratic")
    print(report)                    # per layer: shapes, |dC/dW|, max |BP - autodiff|
    report.plot("deltas.png")        # each layer's delta, examples x units

The costs (``C_x`` of one example, ``a = a^L``, ``y`` one-hot for integer labels)::

    "quadratic"      C_x = 1/2 ||y - a||^2           grad_a C_x = a - y         (the notes')
    "mse"            C_x = 1/k ||y - a||^2           grad_a C_x = 2 (a - y) / k (nn.MSELoss)
    "cross_entropy"  C_x = -sum_j y_j ln a_j, a = softmax(z^L)
                     delta^L = a^L - y   (BP1 with the softmax's Jacobian in place of
                     sigma'(z^L) (.): the two collapse to this; nn.CrossEntropyLoss on z^L)

With ``"cross_entropy"`` the last layer is a Linear (its output is the logits z^L and the
softmax belongs to the cost, as ``nn.CrossEntropyLoss``) or a Linear followed by ``nn.Softmax``.
"""

from __future__ import annotations

import copy
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..tensor import Tensor

__all__ = ["backprop", "BackpropReport", "LayerReport", "LOSSES", "ACTIVATIONS"]

LOSSES = ("quadratic", "mse", "cross_entropy")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
_MODULES = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Identity: "identity"}
_SUPPORTED = (
    "an nn.Sequential of Linear layers, each followed by at most one of Sigmoid, "
    "Tanh, ReLU or Identity (Softmax after the last, with loss='cross_entropy'), "
    "optionally starting with Flatten"
)


# ----------------------------------------------------------------------------- the equations
def sigma(name: str, z: np.ndarray) -> np.ndarray:
    """The activation sigma(z), elementwise."""
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return z.copy()


def sigma_prime(name: str, z: np.ndarray) -> np.ndarray:
    """sigma'(z): s(1 - s) for the sigmoid, 1 - tanh^2, [z > 0] for ReLU, 1 for identity."""
    if name == "sigmoid":
        s = sigma("sigmoid", z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(z.dtype)
    return np.ones_like(z)


def softmax_columns(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def four_equations(
    w: Sequence[np.ndarray],
    b: Sequence[np.ndarray],
    sigmas: Sequence[str],
    x: np.ndarray,
    y: np.ndarray,
    loss: str,
) -> dict[str, Any]:
    """Forward and BP1-BP4 in the notes' notation; ``w[l]``, ``b[l]``, ``sigmas[l]`` for
    l = 1..L (index 0 unused), ``x`` and one-hot ``y`` with one column per example.
    Returns z, a, delta (lists indexed by l, a[0] = x), dC/db, dC/dW and the cost C."""
    L, n = len(w) - 1, x.shape[1]
    z: list[Any] = [None] * (L + 1)
    a: list[Any] = [x] + [None] * L
    for l in range(1, L + 1):
        z[l] = w[l] @ a[l - 1] + b[l][:, None]  # z^l = w^l a^{l-1} + b^l
        a[l] = sigma(sigmas[l], z[l])  # a^l = sigma(z^l)
    delta: list[Any] = [None] * (L + 1)
    if loss == "cross_entropy":
        a[L] = softmax_columns(z[L])
        delta[L] = a[L] - y  # BP1, softmax + cross-entropy
        cost = -np.sum(y * np.log(a[L])) / n
    else:
        k = y.shape[0]
        grad_a = a[L] - y if loss == "quadratic" else 2.0 * (a[L] - y) / k
        delta[L] = grad_a * sigma_prime(sigmas[L], z[L])  # BP1
        cost = np.sum((a[L] - y) ** 2) / (2 * n if loss == "quadratic" else n * k)
    for l in range(L - 1, 0, -1):
        delta[l] = (w[l + 1].T @ delta[l + 1]) * sigma_prime(sigmas[l], z[l])  # BP2
    db = [None] + [delta[l].sum(axis=1) / n for l in range(1, L + 1)]  # BP3
    dw = [None] + [delta[l] @ a[l - 1].T / n for l in range(1, L + 1)]  # BP4
    return {"z": z, "a": a, "delta": delta, "db": db, "dw": dw, "cost": float(cost)}


# ----------------------------------------------------------------------------- the model
@dataclass
class _Layer:
    name: str  # the Linear's name in the model
    linear: Any
    sigma: str
    sigma_module: str | None  # the activation module's name, if any


def _children(model: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for name, m in model.named_children():
        full = f"{prefix}{name}"
        if isinstance(m, nn.Sequential):
            out += _children(m, full + ".")
        else:
            out.append((full, m))
    return out


def _unsupported(name: str, m: Any, why: str) -> ValueError:
    return ValueError(
        f"explain.backprop: layer {name!r} ({type(m).__name__}) {why}; supported: {_SUPPORTED}"
    )


def parse_mlp(model: Any, loss: str) -> tuple[list[_Layer], bool]:
    """The model's layers as (Linear, activation) pairs, and whether it starts with Flatten;
    a clear ValueError naming the first layer that does not fit."""
    if not isinstance(model, nn.Sequential):
        raise ValueError(
            f"explain.backprop: the model is a {type(model).__name__}; supported: {_SUPPORTED}"
        )
    layers: list[_Layer] = []
    flatten = False
    items = _children(model)
    for i, (name, m) in enumerate(items):
        last = i == len(items) - 1
        if isinstance(m, nn.Flatten):
            if layers or flatten:
                raise _unsupported(name, m, "is only supported as the first layer")
            flatten = True
        elif type(m) is nn.Linear:
            if m.bias is None:
                raise _unsupported(name, m, "has no bias (the equations need b^l)")
            layers.append(_Layer(name, m, "identity", None))
        elif type(m) in _MODULES or isinstance(m, nn.Softmax):
            if not layers:
                raise _unsupported(name, m, "comes before the first Linear")
            if layers[-1].sigma_module is not None:
                raise _unsupported(
                    name,
                    m,
                    f"follows the activation {layers[-1].sigma_module!r}"
                    " (one activation per layer)",
                )
            if isinstance(m, nn.Softmax):
                if not last or loss != "cross_entropy":
                    raise _unsupported(
                        name,
                        m,
                        "is supported only as the last layer, with "
                        "loss='cross_entropy' (softmax is not elementwise)",
                    )
                if m.dim not in (1, -1):
                    raise _unsupported(name, m, f"takes the softmax over dim {m.dim}, not 1")
                layers[-1].sigma_module = name
                continue
            layers[-1].sigma, layers[-1].sigma_module = _MODULES[type(m)], name
        else:
            raise _unsupported(name, m, "is not supported")
    if not layers:
        raise ValueError(
            f"explain.backprop: the model has no Linear layer; supported: {_SUPPORTED}"
        )
    if loss == "cross_entropy" and layers[-1].sigma != "identity":
        raise _unsupported(
            layers[-1].sigma_module or layers[-1].name,
            model.get_submodule(layers[-1].sigma_module or layers[-1].name),
            "ends the model, but loss='cross_entropy' needs the logits z^L "
            "(a last Linear, or Linear + Softmax)",
        )
    for prev, cur in zip(layers, layers[1:], strict=False):
        if cur.linear.in_features != prev.linear.out_features:
            raise _unsupported(
                cur.name,
                cur.linear,
                f"takes {cur.linear.in_features} inputs but "
                f"{prev.name!r} gives {prev.linear.out_features}",
            )
    return layers, flatten


def _targets(y: Any, n: int, k: int, loss: str) -> np.ndarray:
    """y as an (n, k) float64 array: integer labels become one-hot rows."""
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y.ndim == 1 and y.dtype.kind in "iu":
        if len(y) != n:
            raise ValueError(f"explain.backprop: {len(y)} labels for {n} examples")
        if y.min() < 0 or y.max() >= k:
            raise ValueError(
                f"explain.backprop: labels must be in 0..{k - 1} (the output has "
                f"{k} units), got {y.min()}..{y.max()}"
            )
        return np.eye(k)[y]
    if y.shape != (n, k):
        raise ValueError(
            f"explain.backprop: y should be integer labels of shape ({n},) or "
            f"targets of the output's shape ({n}, {k}), got {y.shape}"
        )
    if loss == "cross_entropy" and not np.allclose(y.sum(axis=1), 1.0):
        raise ValueError(
            "explain.backprop: cross-entropy targets must be probabilities (each row summing to 1)"
        )
    return y.astype(np.float64)


# ----------------------------------------------------------------------------- autodiff
def _autodiff(
    model: Any, layers: list[_Layer], x: np.ndarray, y: np.ndarray, loss: str
) -> dict[str, Any]:
    """deepgrad's own backward on a float64 copy of the model: the cost, each Linear's
    dC/dW and dC/db, and dC/dz^l (z^l's gradient, retained) for each layer."""
    from ..functional import plain as F

    twin = copy.deepcopy(model).double()
    twin.train(model.training)
    zs: dict[str, Tensor] = {}
    handles = []
    for ly in layers:

        def hook(module: Any, inputs: Any, out: Tensor, name: str = ly.name) -> None:
            out.retain_grad()
            zs[name] = out

        handles.append(twin.get_submodule(ly.name).register_forward_hook(hook))
    try:
        out = twin(Tensor(x))
    finally:
        for h in handles:
            h.remove()
    n, target = len(x), Tensor(y)
    if loss == "quadratic":
        cost = F.sum((out - target) ** 2) * (0.5 / n)
    elif loss == "mse":
        cost = nn.MSELoss()(out, target)
    elif layers[-1].sigma_module is not None:  # Linear + Softmax: -mean_x sum_j y_j ln a_j
        cost = -F.sum(target * F.log(out)) * (1.0 / n)
    else:
        cost = nn.CrossEntropyLoss()(out, target)
    twin.zero_grad()
    cost.backward()
    res: dict[str, Any] = {"cost": float(cost.data), "dw": {}, "db": {}, "dz": {}}
    for ly in layers:
        lin = twin.get_submodule(ly.name)
        res["dw"][ly.name] = lin.weight.grad
        res["db"][ly.name] = lin.bias.grad
        res["dz"][ly.name] = zs[ly.name].grad
    return res


# ----------------------------------------------------------------------------- the report
@dataclass
class LayerReport:
    """Layer l of the MLP. Arrays have one row per example (the model's orientation):
    ``z``, ``a``, ``delta`` (n, units); ``dw`` (units, inputs) and ``db`` (units,) by BP4 and
    BP3, ``dw_autodiff`` and ``db_autodiff`` from deepgrad's backward. ``delta`` is the notes'
    delta^l = dC_x/dz^l of each example; ``delta_autodiff`` is autodiff's dC/dz^l of the batch
    cost times n (the same quantity). The ``diff_*`` are max |equations - autodiff|."""

    l: int  # noqa: E741  (the notes' layer index)
    name: str
    activation: str
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    dw: np.ndarray
    db: np.ndarray
    dw_autodiff: np.ndarray
    db_autodiff: np.ndarray
    delta_autodiff: np.ndarray

    @property
    def diff_w(self) -> float:
        return float(np.max(np.abs(self.dw - self.dw_autodiff)))

    @property
    def diff_b(self) -> float:
        return float(np.max(np.abs(self.db - self.db_autodiff)))

    @property
    def diff_delta(self) -> float:
        return float(np.max(np.abs(self.delta - self.delta_autodiff)))


@dataclass
class BackpropReport:
    """What :func:`backprop` found: the cost by the equations and by autodiff, and one
    :class:`LayerReport` per layer (``layers[0]`` is l = 1). ``str(report)`` is a table."""

    loss: str
    n: int
    cost: float
    cost_autodiff: float
    layers: list[LayerReport]

    @property
    def max_diff(self) -> float:
        """The largest |equations - autodiff| over every dC/dW, dC/db and delta."""
        return max(max(ly.diff_w, ly.diff_b, ly.diff_delta) for ly in self.layers)

    def __str__(self) -> str:
        head = (
            f"Backpropagation by the four equations vs deepgrad's autodiff (float64, "
            f"{self.n} example{'s' if self.n != 1 else ''}, {self.loss} cost C = "
            f"{self.cost:.6g}; autodiff {self.cost_autodiff:.6g})"
        )
        cols = [
            "l",
            "layer",
            "W^l",
            "sigma",
            "delta^l",
            "||dC/dW^l||",
            "||dC/db^l||",
            "max|BP4-auto|",
            "max|BP3-auto|",
            "max|delta-auto|",
        ]
        rows = []
        for ly in self.layers:
            rows.append(
                [
                    str(ly.l),
                    ly.name,
                    "x".join(map(str, ly.dw.shape)),
                    ly.activation,
                    "x".join(map(str, ly.delta.shape)),
                    f"{np.linalg.norm(ly.dw):.3e}",
                    f"{np.linalg.norm(ly.db):.3e}",
                    f"{ly.diff_w:.1e}",
                    f"{ly.diff_b:.1e}",
                    f"{ly.diff_delta:.1e}",
                ]
            )
        width = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
        fmt = lambda r: "  ".join(
            v.rjust(w) if i >= 5 else v.ljust(w)  # noqa: E731
            for i, (v, w) in enumerate(zip(r, width, strict=True))
        )
        lines = [head, fmt(cols), fmt(["-" * w for w in width]), *map(fmt, rows)]
        lines.append(
            "BP1 delta^L = grad_a C (.) sigma'(z^L); BP2 delta^l = ((W^{l+1})^T "
            "delta^{l+1}) (.) sigma'(z^l); BP3 dC/db^l = delta^l; BP4 dC/dW^l = "
            "delta^l (a^{l-1})^T (averaged over the examples)"
        )
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike) -> Path:
        """Each layer's delta^l as a heatmap (examples down, units across; one colour scale
        per layer, centred on 0), written atomically as PNG (or the suffix's format)."""
        try:
            import matplotlib
        except ImportError as e:
            raise ImportError(
                "BackpropReport.plot needs matplotlib: pip install 'deepgrad[extras]'"
            ) from e
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        from ..data.store import atomic_write

        path = Path(path)
        count = len(self.layers)
        widths = [max(2.0, min(8.0, ly.delta.shape[1] * 0.12)) for ly in self.layers]
        fig, axes = plt.subplots(
            1,
            count,
            figsize=(sum(widths) + 1.2 * count, 1.2 + 0.28 * max(self.n, 4)),
            gridspec_kw={"width_ratios": widths},
            squeeze=False,
        )
        for ax, ly in zip(axes[0], self.layers, strict=True):
            d = ly.delta
            scale = float(np.max(np.abs(d))) or 1.0
            im = ax.imshow(
                d, cmap="RdBu_r", vmin=-scale, vmax=scale, aspect="auto", interpolation="nearest"
            )
            ax.set_title(f"$\\delta^{{{ly.l}}}$ (layer {ly.name}, {ly.activation})", fontsize=9)
            ax.set_xlabel("unit j")
            ax.set_ylabel("example x")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            fig.colorbar(im, ax=ax, fraction=0.08, pad=0.03, format="%.1e")
        fig.suptitle(
            f"$\\delta^l = \\partial C_x / \\partial z^l$, {self.loss} cost, {self.n} examples",
            fontsize=10,
        )
        fig.tight_layout()
        fmt = path.suffix.lstrip(".").lower() or "png"
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=100)
        plt.close(fig)
        with atomic_write(path) as f:
            f.write(buf.getvalue())
        return path


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        key = loss.lower().replace("-", "_")
        key = {
            "crossentropy": "cross_entropy",
            "categorical_crossentropy": "cross_entropy",
            "ce": "cross_entropy",
            "mean_squared_error": "mse",
        }.get(key, key)
        if key in LOSSES:
            return key
    elif type(loss) is nn.MSELoss and loss.reduction == "mean":
        return "mse"
    elif (
        type(loss) is nn.CrossEntropyLoss
        and loss.reduction == "mean"
        and loss.weight is None
        and not loss.label_smoothing
        and loss.from_logits
    ):
        return "cross_entropy"
    raise ValueError(
        f"explain.backprop: loss must be one of {', '.join(LOSSES)} (or a default "
        f"nn.MSELoss() / nn.CrossEntropyLoss()), got {loss!r}"
    )


def backprop(model: Any, x: Any, y: Any, loss: Any = "quadratic") -> BackpropReport:
    """Compute z^l, a^l and delta^l (BP1, BP2), dC/db^l (BP3) and dC/dW^l (BP4) for ``model``
    on the batch ``x`` (n examples; images are flattened if the model starts with Flatten)
    with targets ``y`` (integer labels or targets of the output's shape), by the equations
    in float64, and beside them what deepgrad's autodiff computes on a float64 copy of the
    model (the model itself is not changed). See the module docstring for the costs; for
    ``loss="cross_entropy"`` with the softmax output, delta^L = a^L - y."""
    loss = _loss_name(loss)
    layers, flatten = parse_mlp(model, loss)
    xa = np.asarray(x.data if isinstance(x, Tensor) else x)
    if xa.ndim < 1 or len(xa) == 0:
        raise ValueError(
            f"explain.backprop: x should be a batch (n, features), got shape {xa.shape}"
        )
    n = len(xa)
    x64 = xa.reshape(n, -1).astype(np.float64) if flatten else xa.astype(np.float64)
    d_in = layers[0].linear.in_features
    if x64.ndim != 2 or x64.shape[1] != d_in:
        raise ValueError(
            f"explain.backprop: x should have shape (n, {d_in}) for layer "
            f"{layers[0].name!r}" + (" once flattened" if flatten else "") + f", got {xa.shape}"
        )
    k = layers[-1].linear.out_features
    y64 = _targets(y, n, k, loss)
    w = [None] + [ly.linear.weight.data.astype(np.float64) for ly in layers]
    b = [None] + [ly.linear.bias.data.astype(np.float64) for ly in layers]
    sigmas = [""] + [ly.sigma for ly in layers]
    eq = four_equations(w, b, sigmas, x64.T, y64.T, loss)
    auto = _autodiff(model, layers, x64.reshape(xa.shape) if flatten else x64, y64, loss)
    reports = []
    for l, ly in enumerate(layers, 1):
        last_ce = l == len(layers) and loss == "cross_entropy"
        reports.append(
            LayerReport(
                l=l,
                name=ly.name,
                activation="softmax" if last_ce else ly.sigma,
                z=eq["z"][l].T,
                a=eq["a"][l].T,
                delta=eq["delta"][l].T,
                dw=eq["dw"][l],
                db=eq["db"][l],
                dw_autodiff=auto["dw"][ly.name],
                db_autodiff=auto["db"][ly.name],
                delta_autodiff=auto["dz"][ly.name] * n,
            )
        )
    return BackpropReport(
        loss=loss, n=n, cost=eq["cost"], cost_autodiff=auto["cost"], layers=reports
    )
