"""Issue 4's end-to-end proof: whole models match PyTorch through 3 steps of every optimizer.

Models (weights copied from torch through ``state_dict``): an MLP; a CNN with BatchNorm2d/1d and
two dropouts, trained in train mode (batch statistics, dropout masks replayed in torch) and in
eval mode (running statistics, dropout off); stacked (2 layers) bidirectional LSTM and GRU with a
Linear head and cross-entropy over the time steps, batch_first both ways. For each optimizer in
``parity.models.OPTIMIZERS`` and each of float32 / float64, every step compares the
outputs (and h_n, c_n), the loss, every parameter gradient by name and the input gradient; after
the 3 steps, every parameter and BatchNorm running statistic; then eval-mode outputs and
gradients on a fresh batch.

Tolerances (``parity.models.assert_close``): float64 rtol 1e-10, atol 1e-12; float32
rtol 1e-5, atol 1e-6; atol is multiplied by max(1, max|torch value|) (the tensor's scale: an
entry near 0 carries the absolute round-off of the large entries it is computed with) and by 10
for gradients (sums over the batch and time of ~1e-7-accurate products). Where a float32 entry
still differs, the verdict is accuracy against a float64 torch twin run on the same float32
weights, batches and masks: deepgrad's max error on that tensor may be at most 3x torch's (+atol);
so a change of summation order cannot break the test, a wrong formula (errors >> round-off) does.
In float32 the adaptive optimizers run with eps = 1e-3 (``optimizer_kwargs`` explains why: with
the default eps neither library's float32 run is within 1e-5 of exact arithmetic); float64 uses
the defaults.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
import deepgrad.nn as dnn
from parity.models import (
    IMAGE,
    MLP_IN,
    N_CLASSES,
    OPTIMIZERS,
    DgSeqModel,
    MaskQueue,
    ReplayDropout,
    TorchSeqModel,
    assert_close,
    assert_grads_close,
    assert_state_close,
    cnn,
    copy_into,
    mlp,
    optimizer_kwargs,
    randomize_batchnorm,
    record_dropout_masks,
)

STEPS = 3
BATCH = 8
SEQ = (5, 4, 3, 8)  # T, N, input features, hidden size
STATE_PENALTY = 0.1  # loss += 0.1 * mean(h_n^2) (+ mean(c_n^2)): gradients through h_n, c_n too


class Twin:
    """One architecture in both libraries, its batches and its loss.

    In float32 a third twin, ``ref``, is torch in float64 started from the same float32 weights
    and fed the same batches and dropout masks: the exact-arithmetic trajectory that float32
    comparisons fall back on (see ``parity.models.assert_close``).
    """

    def __init__(self, model: str, dtype: str, seed: int = 0) -> None:
        self.model, self.dtype = model, dtype
        self.queue, self.ref_queue = MaskQueue(), MaskQueue()
        torch.manual_seed(seed)
        dg.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.batch_first = model.endswith("_bf")
        self.dm = self._build(dnn, None)
        self.tm = self._build(torch.nn, self.queue)
        if model.startswith("cnn"):
            randomize_batchnorm(self.tm)
        self.ref = None
        if dtype == "float64":
            self.dm.double()
            self.tm.double()
        else:
            self.ref = self._build(torch.nn, self.ref_queue).double()
            self.ref.load_state_dict(self.tm.state_dict())  # load_state_dict casts
        copy_into(self.dm, self.tm)
        training = not model.endswith("eval")
        for m in self.models():
            m.train(training)

    def _build(self, lib: Any, queue: MaskQueue | None) -> Any:
        if self.model == "mlp":
            return mlp(lib)
        if self.model.startswith("cnn"):
            if lib is dnn:
                return cnn(dnn, dnn.Dropout)
            return cnn(torch.nn, lambda p: ReplayDropout(p, queue))
        T, N, n_in, hidden = SEQ
        cls = DgSeqModel if lib is dnn else TorchSeqModel
        return cls(self.model.split("_")[0].upper(), self.batch_first, n_in, hidden)

    def models(self) -> list:
        return [self.dm, self.tm] + ([self.ref] if self.ref is not None else [])

    def batch(self) -> tuple[np.ndarray, np.ndarray]:
        """A fresh (inputs, integer targets) batch."""
        r = self.rng
        if self.model == "mlp":
            x, y_shape = r.standard_normal((BATCH, MLP_IN)), (BATCH,)
        elif self.model.startswith("cnn"):
            x, y_shape = r.standard_normal((BATCH,) + IMAGE), (BATCH,)
        else:
            T, N, n_in, _ = SEQ
            y_shape = (N, T) if self.batch_first else (T, N)
            x = r.standard_normal(y_shape + (n_in,))
        return x.astype(self.dtype), r.integers(0, N_CLASSES, y_shape)

    def run_dg(self, x: dg.Tensor, y: np.ndarray) -> tuple[list, Any]:
        outs = self.dm(x)
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        loss = F.cross_entropy(outs[0].reshape(-1, N_CLASSES), y.reshape(-1))
        for s in outs[1:]:
            loss = loss + STATE_PENALTY * (s**2).mean()
        return outs, loss

    @staticmethod
    def run_torch(model: torch.nn.Module, x: torch.Tensor, y: np.ndarray) -> tuple[list, Any]:
        outs = model(x)
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        loss = TF.cross_entropy(outs[0].reshape(-1, N_CLASSES), torch.from_numpy(y).reshape(-1))
        for s in outs[1:]:
            loss = loss + STATE_PENALTY * (s**2).mean()
        return outs, loss

    def compare_step(self, when: str) -> None:
        """Forward + backward on a fresh batch in both libraries; compare everything."""
        x, y = self.batch()
        xd = dg.Tensor(x, requires_grad=True)
        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        with record_dropout_masks(self.queue):
            d_outs, d_loss = self.run_dg(xd, y)
        for m in self.queue.pending:
            self.ref_queue.pending.append(m.astype(np.float64))
        t_outs, t_loss = self.run_torch(self.tm, xt, y)
        assert not self.queue.pending, "deepgrad drew dropout masks that torch did not use"
        r_outs: list = [None] * len(t_outs)
        r_loss = xr = None
        if self.ref is not None:
            xr = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
            r_outs, r_loss = self.run_torch(self.ref, xr, y)
        assert len(d_outs) == len(t_outs)
        for name, a, b, r in zip(["output", "h_n", "c_n"], d_outs, t_outs, r_outs, strict=False):
            assert_close(a, b, self.dtype, f"{when}: {name}", ref=r)
        assert_close(d_loss, t_loss, self.dtype, f"{when}: loss", ref=r_loss)
        for m in self.models():
            m.zero_grad()
        d_loss.backward()
        t_loss.backward()
        if r_loss is not None:
            r_loss.backward()
        assert_grads_close(self.dm, self.tm, self.dtype, when, ref=self.ref)
        assert_close(
            xd.grad,
            xt.grad,
            self.dtype,
            f"{when}: input gradient",
            scale=10.0,
            ref=None if xr is None else xr.grad,
        )


MODELS = ["mlp", "cnn_train", "cnn_eval", "lstm_bf", "lstm_tf", "gru_bf", "gru_tf"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
@pytest.mark.parametrize("model", MODELS)
def test_three_steps_of_each_optimizer_match_torch(model: str, opt: str, dtype: str) -> None:
    twin = Twin(model, dtype)
    dg_cls, torch_cls, _ = OPTIMIZERS[opt]
    kw = optimizer_kwargs(opt, dtype)
    opts = [dg_cls(twin.dm.parameters(), **kw)]
    opts += [torch_cls(m.parameters(), **kw) for m in twin.models()[1:]]
    start = {k: v.clone() for k, v in twin.tm.state_dict().items()}
    for step in range(STEPS):
        twin.compare_step(f"{model}/{opt}/{dtype} step {step}")
        for o in opts:
            o.step()
    when = f"{model}/{opt}/{dtype} after {STEPS} steps"
    assert_state_close(twin.dm, twin.tm, dtype, when, ref=twin.ref)
    for name, p in twin.tm.named_parameters():  # every parameter moved far beyond tolerance
        moved = (p.detach() - start[name]).abs().max().item()
        assert moved > 1e-4, f"{when}: {name} moved only {moved:.1e}"
    for name, v in twin.tm.state_dict().items():  # running stats: updated iff training mode
        if "running" in name or "num_batches" in name:
            changed = not torch.equal(v, start[name])
            assert changed == (model != "cnn_eval"), f"{when}: {name} changed={changed}"
    for m in twin.models():
        m.eval()
    twin.compare_step(f"{when}, then eval mode")  # BatchNorm on running stats, dropout off


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_masks_are_deepgrads_and_replay_is_checked(dtype: str) -> None:
    """The masks come from deepgrad's dropout, seeded by dg.manual_seed; they have the inverted
    dropout values {0, 1/(1-p)} and rates near p; a different mask in torch is detected."""
    twin = Twin("cnn_train", dtype, seed=3)
    x, y = twin.batch()
    with record_dropout_masks(twin.queue):
        d_outs, _ = twin.run_dg(dg.Tensor(x), y)
    masks = list(twin.queue.drawn)
    assert [m.shape for m in masks] == [(BATCH, 4, 5, 5), (BATCH, 16)]
    for m, p in zip(masks, (0.25, 0.5), strict=True):
        assert m.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(np.unique(m), np.array([0, 1 / (1 - p)], dtype=dtype))
        assert abs((m == 0).mean() - p) < 0.15, f"drop rate {(m == 0).mean()} for p={p}"

    again = Twin("cnn_train", dtype, seed=3)  # same seed: same masks
    with record_dropout_masks(again.queue):
        again.run_dg(dg.Tensor(x), y)
    for a, b in zip(masks, again.queue.drawn, strict=True):
        np.testing.assert_array_equal(a, b)

    t_ok, _ = twin.run_torch(twin.tm, torch.from_numpy(x), y)  # the recorded masks: equal outputs
    assert_close(d_outs[0], t_ok[0], dtype, "replayed masks")
    for m in masks:  # the complementary masks: torch's output must differ
        twin.queue.push(np.where(m == 0, m.max(), 0).astype(m.dtype))
    t_bad, _ = twin.run_torch(twin.tm, torch.from_numpy(x), y)
    assert not np.allclose(d_outs[0].data, t_bad[0].detach().numpy(), rtol=1e-3, atol=1e-3)


def test_recorder_restores_deepgrads_dropout() -> None:
    """Leaving the block puts deepgrad's own mask function back (no leak into other tests)."""
    import importlib

    mod = importlib.import_module("deepgrad.functional.dropout")
    original = mod._mask
    q = MaskQueue()
    with pytest.raises(RuntimeError), record_dropout_masks(q):
        F.dropout(dg.Tensor(np.ones((3, 4), np.float32)), 0.5)
        raise RuntimeError
    assert mod._mask is original and len(q.drawn) == 1
