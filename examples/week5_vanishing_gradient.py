"""Week 5: why LSTMs. The gradient that reaches each earlier time step, vanilla RNN vs LSTM.

    python examples/week5_vanishing_gradient.py [--T 60] [--T-train 20] [--out FILE.png]

A sequence of random signs x_1..x_T in {-1, +1}; the answer, read from the last state h_T, is
x_1 (T - 1 steps back). Three one-layer networks of the same hidden size: a vanilla RNN (tanh),
an LSTM with PyTorch's init (forget-gate bias b_f = 0, so f ~ sigma(0) = 0.5), and an LSTM with
Keras's init (b_f = 1, f ~ 0.73). For the same batch of sequences, backpropagation through time
gives the delta reaching each input,

    g_t = mean over the batch of |dz/dx_t|,   z = z_1 - z_0, the answer's logit margin at T

(the margin, not the loss: a trained network's loss is near 0 and would scale everything down),

plotted against the number of steps back, T - t, on a log scale: at initialization (T = 60),
and after Adam has trained each network on the task with T = 20 (the left plot's lengths are
too long for 300 steps of training here: no network learned T = 40). Each curve's label gives
its geometric decay per step (a line fitted to log g). In the vanilla RNN,
delta_{t-1} = W_hh^T (tanh'(a_t) * delta_t): a product of T - t Jacobians whose norm falls
geometrically; in the LSTM the cell state's path dc_t/dc_{t-1} = f_t passes the delta on
scaled by the forget gate only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import deepgrad as dg
import deepgrad.nn as nn
from deepgrad.functional import cross_entropy
from deepgrad.optim import Adam, clip_grad_norm_


class Reader(nn.Module):
    """A one-layer RNN or LSTM over (T, N, 1) whose last state is read by a linear layer."""

    def __init__(self, kind: str, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(1, hidden) if kind.startswith("lstm") else nn.RNN(1, hidden)
        self.out = nn.Linear(hidden, 2)
        if kind == "lstm_fb1":  # Keras's unit_forget_bias: b_f = 1, so f_t = sigma(1 + ...) ~ 0.73
            with dg.no_grad():
                self.rnn.bias_ih_l0.data[hidden:2 * hidden] = 1.0
                self.rnn.bias_hh_l0.data[hidden:2 * hidden] = 0.0

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h[-1])


def batch(rng: np.random.Generator, T: int, N: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.choice(np.array([-1.0, 1.0], np.float32), size=(T, N, 1))
    return x, (x[0, :, 0] > 0).astype(np.int64)


def gradient_norms(model: Reader, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g_t = mean_n |dz_n/dx_{t,n}| for t = 1..T, z_n = the answer's logit margin z_1 - z_0."""
    model.eval()
    xt = dg.Tensor(x, requires_grad=True)
    z = model(xt)
    (z[:, 1] - z[:, 0]).sum().backward()
    model.zero_grad()
    return np.abs(xt.grad[:, :, 0]).mean(axis=1)


def train(model: Reader, T: int, steps: int, seed: int) -> float:
    """Adam on the first-sign task; returns the accuracy on 512 fresh sequences."""
    rng = np.random.default_rng(seed)
    opt = Adam(list(model.parameters()), lr=1e-2)
    model.train()
    for _ in range(steps):
        x, y = batch(rng, T, 64)
        loss = cross_entropy(model(dg.Tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(list(model.parameters()), 1.0)
        opt.step()
    x, y = batch(rng, T, 512)
    model.eval()
    with dg.no_grad():
        return float(np.mean(model(dg.Tensor(x)).data.argmax(1) == y))


KINDS = {"rnn": "vanilla RNN (tanh)", "lstm": "LSTM (PyTorch init, b_f = 0)",
         "lstm_fb1": "LSTM (Keras init, b_f = 1)"}


def decay_per_step(g: np.ndarray) -> float:
    """The geometric factor by which g shrinks per step back (a least-squares line on log g)."""
    back = np.arange(len(g))[::-1]
    return float(np.exp(np.polyfit(back, np.log(g), 1)[0]))


def measure(T: int = 60, T_train: int = 20, hidden: int = 32, steps: int = 300,
            seed: int = 0) -> dict:
    """{kind: {"init": g over T steps, "trained": g over T_train steps after training on the
    first-sign task, "accuracy": its accuracy}}; every model sees the same sequences."""
    rng = np.random.default_rng(seed + 1)
    x, y = batch(rng, T, 256)
    out = {}
    for kind in KINDS:
        dg.manual_seed(seed)
        model = Reader(kind, hidden)
        g0 = gradient_norms(model, x, y)
        acc = train(model, T_train, steps, seed)
        g1 = gradient_norms(model, x[:T_train], y)
        out[kind] = {"init": g0, "trained": g1, "accuracy": acc,
                     "decay_init": decay_per_step(g0), "decay_trained": decay_per_step(g1)}
    return out


def plot(res: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = {"rnn": "tab:red", "lstm": "tab:blue", "lstm_fb1": "tab:green"}
    for ax, key, title in ((axes[0], "init", "at initialization"),
                           (axes[1], "trained", "after training (recall x_1 at T)")):
        for kind, r in res.items():
            g = r[key]
            back = np.arange(len(g))[::-1]  # steps back from the last input
            extra = f", accuracy {r['accuracy']:.2f}" if key == "trained" else ""
            ax.semilogy(back, g, color=colors[kind], lw=2,
                        label=f"{KINDS[kind]}: x{r['decay_' + key]:.2f}/step{extra}")
        ax.set_xlabel("steps back from the last time step (T - t)")
        ax.set_ylabel("mean |dz/dx_t|  (log scale)")
        ax.set_title(f"gradient reaching each earlier step, {title}", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = path.with_name("." + path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path


def main(T: int = 60, T_train: int = 20, hidden: int = 32, steps: int = 300,
         out: str = "vanishing_gradient.png", seed: int = 0) -> dict:
    res = measure(T, T_train, hidden, steps, seed)
    plot(res, Path(out))
    for kind, r in res.items():
        print(f"{KINDS[kind]}: at init |dz/dx_t| {r['init'][-1]:.2e} at the last step, "
              f"{r['init'][0]:.2e} {T - 1} steps back (x{r['decay_init']:.3f} per step); "
              f"trained on T={T_train}: accuracy {r['accuracy']:.3f}, "
              f"x{r['decay_trained']:.3f} per step")
    print(f"plot written to {out}")
    return res


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--T", type=int, default=60, help="sequence length measured at init")
    ap.add_argument("--T-train", type=int, default=20, help="sequence length trained on")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--train-steps", type=int, default=300)
    ap.add_argument("--out", default="vanishing_gradient.png")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    main(a.T, a.T_train, a.hidden, a.train_steps, a.out, a.seed)
