"""The plain LSTM/GRU (deepgrad ops, autodiff BPTT) == the fused ops == PyTorch, in float64."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.functional as F
from deepgrad.functional.rnn_plain import gru_plain, lstm_plain

T, N, FEAT, H = 5, 3, 4, 6


def _arrays(gates, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) * 0.5 for s in
            [(T, N, FEAT), (N, H), (N, H), (gates * H, FEAT), (gates * H, H), (gates * H,),
             (gates * H,)]]


def _run(fn, arrays):
    ts = [dg.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    outs = fn(*ts)
    cost = sum(((k + 1) * o * o).sum() for k, o in enumerate(outs))  # every output used
    cost.backward()
    return [o.data for o in outs] + [t.grad for t in ts]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_plain_equals_fused_equals_torch(kind):
    gates = 4 if kind == "lstm" else 3
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = _arrays(gates)
    if kind == "lstm":
        arrays = [x, h0, c0, w_ih, w_hh, b_ih, b_hh]
        plain = _run(lstm_plain, arrays)
        fused = _run(F.lstm, arrays)
        ref = torch.nn.LSTM(FEAT, H, dtype=torch.float64)
    else:
        arrays = [x, h0, w_ih, w_hh, b_ih, b_hh]
        plain = _run(gru_plain, arrays)
        fused = _run(F.gru, arrays)
        ref = torch.nn.GRU(FEAT, H, dtype=torch.float64)
    with torch.no_grad():
        for name, a in (("weight_ih_l0", w_ih), ("weight_hh_l0", w_hh), ("bias_ih_l0", b_ih),
                        ("bias_hh_l0", b_hh)):
            getattr(ref, name).copy_(torch.tensor(a))
    tx, th = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    if kind == "lstm":
        tc = torch.tensor(c0[None], requires_grad=True)
        out, (hn, cn) = ref(tx, (th, tc))
        outs = [out, hn[0], cn[0]]
    else:
        out, hn = ref(tx, th)
        outs = [out, hn[0]]
    sum(((k + 1) * o * o).sum() for k, o in enumerate(outs)).backward()
    want = [o.detach().numpy() for o in outs] + [tx.grad.numpy(), th.grad.numpy()[0]]
    if kind == "lstm":
        want.append(tc.grad.numpy()[0])
    want += [getattr(ref, n).grad.numpy() for n in
             ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")]
    for got in (plain, fused):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11)
