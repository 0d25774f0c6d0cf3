"""Recurrent layers against torch.nn with weights copied through state_dict: outputs, final states
and every gradient (input, initial states, all parameters) for stacked, bidirectional,
batch_first, initial-state and variable-length configurations; cells; init; errors."""

import math

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import deepgrad as dg
import deepgrad.nn as nn
from parity import randn

KINDS = ["LSTM", "GRU", "RNN", "RNN_relu"]


def _build(kind, dtype, **kw):
    name, extra = (kind, {}) if kind != "RNN_relu" else ("RNN", {"nonlinearity": "relu"})
    tm = getattr(torch.nn, name)(**kw, **extra).to(getattr(torch, np.dtype(dtype).name))
    dm = getattr(nn, name)(**kw, **extra, dtype=dtype)
    dm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return dm, tm


def _compare(
    kind,
    dtype,
    rtol,
    atol,
    *,
    T=5,
    N=3,
    F=4,
    H=6,
    layers=2,
    bidir=True,
    batch_first=False,
    init_state=True,
    lengths=None,
    seed=0,
):
    """Run both libraries on the same data; assert outputs, states and all gradients agree."""
    dm, tm = _build(
        kind,
        dtype,
        input_size=F,
        hidden_size=H,
        num_layers=layers,
        bidirectional=bidir,
        batch_first=batch_first,
    )
    D = 2 if bidir else 1
    shape = (N, T, F) if batch_first else (T, N, F)
    x = randn(*shape, seed=seed).astype(dtype)
    n_states = 2 if kind == "LSTM" else 1
    states = [randn(layers * D, N, H, seed=seed + 1 + j).astype(dtype) for j in range(n_states)]

    dx = dg.Tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ds = [dg.Tensor(s, requires_grad=True) for s in states]
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    dhx = thx = None
    if init_state:
        dhx = tuple(ds) if kind == "LSTM" else ds[0]
        thx = tuple(ts) if kind == "LSTM" else ts[0]

    d_out, d_fin = dm(dx, dhx, lengths=lengths)
    if lengths is None:
        t_out, t_fin = tm(tx, thx)
    else:
        packed = pack_padded_sequence(
            tx, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False
        )
        t_out, t_fin = tm(packed, thx)
        t_out, _ = pad_packed_sequence(t_out, batch_first=batch_first, total_length=T)
    d_all = [d_out, *(d_fin if kind == "LSTM" else (d_fin,))]
    t_all = [t_out, *(t_fin if kind == "LSTM" else (t_fin,))]

    rng = np.random.default_rng(seed + 7)
    ups = [rng.standard_normal(o.shape).astype(dtype) for o in d_all]
    sum((o * dg.Tensor(u)).sum() for o, u in zip(d_all, ups, strict=True)).backward()
    sum((o * torch.from_numpy(u)).sum() for o, u in zip(t_all, ups, strict=True)).backward()

    for k, (a, b) in enumerate(zip(d_all, t_all, strict=True)):
        assert a.dtype == dtype, f"output {k} has dtype {a.dtype}"
        np.testing.assert_allclose(
            a.data, b.detach().numpy(), rtol=rtol, atol=atol, err_msg=f"output {k}"
        )
    np.testing.assert_allclose(dx.grad, tx.grad.numpy(), rtol=rtol, atol=atol, err_msg="dx")
    if init_state:
        for j, (a, b) in enumerate(zip(ds, ts, strict=True)):
            np.testing.assert_allclose(
                a.grad, b.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"initial state {j}"
            )
    t_params = dict(tm.named_parameters())
    d_params = dict(dm.named_parameters())
    assert list(d_params) == list(t_params)
    for name, p in d_params.items():
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(
            p.grad, t_params[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )


CONFIGS = {
    "stacked_bidirectional": {},
    "batch_first": {"batch_first": True},
    "no_initial_state": {"init_state": False},
    "variable_lengths": {"lengths": [5, 2, 4]},
    "variable_lengths_batch_first": {"lengths": [3, 5, 1], "batch_first": True},
    "one_layer_one_direction": {"layers": 1, "bidir": False, "lengths": [4, 5, 2]},
    "three_layers": {"layers": 3, "bidir": False},
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", list(CONFIGS))
def test_parity_float32(kind, config):
    _compare(kind, np.float32, 1e-5, 2e-6, **CONFIGS[config])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", ["stacked_bidirectional", "variable_lengths_batch_first"])
def test_parity_float64(kind, config):
    _compare(kind, np.float64, 1e-10, 1e-12, **CONFIGS[config])


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_parity_float32_larger(kind):
    _compare(kind, np.float32, 1e-4, 1e-5, T=30, N=16, F=20, H=64, lengths=list(range(30, 14, -1)))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_gradcheck_stacked_bidirectional_with_lengths(kind):
    dm = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True, dtype=np.float64)
    x = randn(3, 2, 2, seed=3).astype(np.float64)
    h0 = randn(4, 2, 3, seed=4).astype(np.float64)

    def fn(x, h0):
        hx = (h0, h0 * 0.5) if kind == "LSTM" else h0
        out, fin = dm(x, hx, lengths=[3, 2])
        return (out, *fin) if kind == "LSTM" else (out, fin)

    dg.gradcheck(fn, x, h0)


def test_eval_mode_dropout_matches_torch_and_train_mode_drops():
    dm, tm = _build("LSTM", np.float32, input_size=3, hidden_size=5, num_layers=2, dropout=0.5)
    dm.eval()
    tm.eval()
    x = randn(4, 2, 3)
    np.testing.assert_allclose(
        dm(dg.Tensor(x))[0].data, tm(torch.tensor(x))[0].detach(), rtol=1e-5, atol=1e-6
    )
    dm.train()
    dg.manual_seed(0)
    a = dm(dg.Tensor(x))[0].data
    dg.manual_seed(0)
    b = dm(dg.Tensor(x))[0].data
    dg.manual_seed(1)
    c = dm(dg.Tensor(x))[0].data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_dropout_one_zeroes_the_upper_layers_input():
    dm = nn.GRU(3, 4, num_layers=2, dropout=1.0)
    ref = nn.GRU(4, 4)
    ref.load_state_dict(
        {k.replace("_l1", "_l0"): v for k, v in dm.state_dict().items() if "_l1" in k}
    )
    x = dg.Tensor(randn(4, 2, 3))
    out = dm(x)[0].data
    np.testing.assert_allclose(
        out, ref(dg.Tensor(np.zeros((4, 2, 4), np.float32)))[0].data, rtol=1e-6
    )


@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_input(kind):
    dm, tm = _build(kind, np.float32, input_size=3, hidden_size=4, num_layers=2)
    x = randn(5, 3)
    d_out, d_fin = dm(dg.Tensor(x))
    t_out, t_fin = tm(torch.tensor(x))
    assert d_out.shape == (5, 4)
    np.testing.assert_allclose(d_out.data, t_out.detach(), rtol=1e-5, atol=1e-6)
    d_h = d_fin[0] if kind == "LSTM" else d_fin
    t_h = t_fin[0] if kind == "LSTM" else t_fin
    np.testing.assert_allclose(d_h.data, t_h.detach(), rtol=1e-5, atol=1e-6)


def test_mask_is_equivalent_to_lengths_and_follows_batch_first():
    dm = nn.LSTM(3, 4, bidirectional=True, batch_first=True)
    x = dg.Tensor(randn(3, 5, 3))
    lengths = [5, 2, 4]
    a, (ha, ca) = dm(x, lengths=lengths)
    mask = np.arange(5)[None, :] < np.array(lengths)[:, None]  # (N, T) with batch_first
    b, (hb, cb) = dm(x, mask=mask)
    for u, v in ((a, b), (ha, hb), (ca, cb)):
        np.testing.assert_array_equal(u.data, v.data)
    with pytest.raises(ValueError, match=r"LSTM: mask must have shape \(batch, time\)"):
        dm(x, mask=mask.T)
    with pytest.raises(ValueError, match="lengths or mask, not both"):
        dm(x, lengths=lengths, mask=mask)


@pytest.mark.parametrize(
    "name,kw",
    [
        ("LSTM", dict(num_layers=2, bidirectional=True)),
        ("GRU", dict(num_layers=3, bias=False)),
        ("RNN", dict(num_layers=2, bidirectional=True, nonlinearity="relu")),
        ("LSTMCell", {}),
        ("GRUCell", dict(bias=False)),
        ("RNNCell", {}),
    ],
)
def test_state_dict_names_and_shapes_match_torch(name, kw):
    tm = getattr(torch.nn, name)(5, 7, **kw)
    dm = getattr(nn, name)(5, 7, **kw)
    t_sd = {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    d_sd = {k: tuple(np.shape(v)) for k, v in dm.state_dict().items()}
    assert list(d_sd.items()) == list(t_sd.items())


def test_default_init_is_torch_uniform_and_seeded():
    dg.manual_seed(0)
    a = nn.LSTM(8, 100, num_layers=2)
    dg.manual_seed(0)
    b = nn.LSTM(8, 100, num_layers=2)
    bound = 1 / math.sqrt(100)
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert p.dtype == np.float32
        assert np.all(np.abs(p.data) <= bound), name
        np.testing.assert_array_equal(p.data, q.data)
    w = a.weight_hh_l1.data
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # U(-b, b) has std b/sqrt(3)
    assert not np.array_equal(a.weight_hh_l0.data, a.weight_hh_l1.data)


CELL_KINDS = [
    ("LSTMCell", {}),
    ("GRUCell", {}),
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("LSTMCell", {"bias": False}),
]


@pytest.mark.parametrize("name,kw", CELL_KINDS)
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_parity(name, kw, with_state):
    tm = getattr(torch.nn, name)(4, 5, **kw)
    dm = getattr(nn, name)(4, 5, **kw)
    dm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = randn(3, 4)
    states = [randn(3, 5, seed=1), randn(3, 5, seed=2)][: 2 if name == "LSTMCell" else 1]
    dx, tx = dg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ds = [dg.Tensor(s, requires_grad=True) for s in states]
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    dhx = thx = None
    if with_state:
        dhx = tuple(ds) if name == "LSTMCell" else ds[0]
        thx = tuple(ts) if name == "LSTMCell" else ts[0]
    d_out, t_out = dm(dx, dhx), tm(tx, thx)
    d_out = d_out if isinstance(d_out, tuple) else (d_out,)
    t_out = t_out if isinstance(t_out, tuple) else (t_out,)
    for a, b in zip(d_out, t_out, strict=True):
        np.testing.assert_allclose(a.data, b.detach(), rtol=1e-5, atol=1e-6)
    sum((a * (k + 1.5)).sum() for k, a in enumerate(d_out)).backward()
    sum((b * (k + 1.5)).sum() for k, b in enumerate(t_out)).backward()
    np.testing.assert_allclose(dx.grad, tx.grad, rtol=1e-5, atol=1e-6)
    if with_state:
        for a, b in zip(ds, ts, strict=True):
            np.testing.assert_allclose(a.grad, b.grad, rtol=1e-5, atol=1e-6)
    tp = dict(tm.named_parameters())
    for pname, p in dm.named_parameters():
        np.testing.assert_allclose(p.grad, tp[pname].grad, rtol=1e-5, atol=1e-6, err_msg=pname)


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_unbatched(name):
    tm = getattr(torch.nn, name)(4, 5)
    dm = getattr(nn, name)(4, 5)
    dm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = randn(4)
    d, t = dm(dg.Tensor(x)), tm(torch.tensor(x))
    d, t = (d[0], t[0]) if name == "LSTMCell" else (d, t)
    assert d.shape == (5,)
    np.testing.assert_allclose(d.data, t.detach(), rtol=1e-5, atol=1e-6)


def test_cell_loop_matches_layer():
    """Unrolling LSTMCell by hand equals nn.LSTM with the same weights."""
    layer = nn.LSTM(3, 4)
    cell = nn.LSTMCell(3, 4)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = dg.Tensor(randn(6, 2, 3))
    out, (h_n, c_n) = layer(x)
    h = c = None
    hs = []
    for t in range(6):
        h, c = cell(x[t], None if h is None else (h, c))
        hs.append(h.data)
    np.testing.assert_allclose(out.data, np.stack(hs), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_n.data[0], c.data, rtol=1e-5, atol=1e-6)


def test_float64_module_stays_float64():
    dm = nn.GRU(3, 4, num_layers=2, bidirectional=True).double()
    x = dg.Tensor(randn(4, 2, 3).astype(np.float64), requires_grad=True)
    out, h = dm(x)
    (out.sum() + h.sum()).backward()
    assert out.dtype == h.dtype == x.grad.dtype == np.float64
    assert all(p.grad.dtype == np.float64 for p in dm.parameters())


def test_clear_errors():
    lstm = nn.LSTM(3, 4, num_layers=2)
    x = dg.Tensor(randn(5, 2, 3))
    with pytest.raises(ValueError, match="LSTM: expected input_size 3"):
        lstm(dg.Tensor(randn(5, 2, 7)))
    with pytest.raises(ValueError, match=r"LSTM: initial state must have shape .* \(2, 2, 4\)"):
        lstm(x, (dg.Tensor(np.zeros((1, 2, 4), np.float32)),) * 2)
    with pytest.raises(ValueError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        lstm(x, dg.Tensor(np.zeros((2, 2, 4), np.float32)))
    with pytest.raises(ValueError, match=r"LSTM: lengths must have shape \(batch,\)"):
        lstm(x, lengths=[5, 3, 1])
    with pytest.raises(ValueError, match="LSTM: input must be 3-D"):
        lstm(dg.Tensor(randn(3)))
    with pytest.raises(ValueError, match="RNN: nonlinearity must be"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="GRU: dropout must be in"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match=r"GRUCell: input must have shape \(batch, 3\)"):
        nn.GRUCell(3, 4)(dg.Tensor(randn(2, 5)))


def test_three_adam_steps_match_torch():
    """Training parity: a bidirectional stacked LSTM + GRU after 3 Adam steps.

    In float64: Adam's first steps move each weight by about lr * sign(gradient), so in float32
    a gradient within rounding of zero (they exist in this small net) flips a weight by 2 lr
    between two equally right implementations; float32 passes are compared in _compare."""
    from deepgrad.optim import Adam

    for kind in ("LSTM", "GRU"):
        dm, tm = _build(
            kind, np.float64, input_size=3, hidden_size=4, num_layers=2, bidirectional=True
        )
        d_opt = Adam(list(dm.parameters()), lr=0.01)
        t_opt = torch.optim.Adam(tm.parameters(), lr=0.01)
        x = randn(5, 2, 3).astype(np.float64)
        for _ in range(3):
            d_opt.zero_grad()
            t_opt.zero_grad()
            (dm(dg.Tensor(x), lengths=[5, 3])[0] ** 2).mean().backward()
            packed = pack_padded_sequence(torch.tensor(x), torch.tensor([5, 3]))
            (pad_packed_sequence(tm(packed)[0], total_length=5)[0] ** 2).mean().backward()
            d_opt.step()
            t_opt.step()
        tp = dict(tm.named_parameters())
        for name, p in dm.named_parameters():
            np.testing.assert_allclose(
                p.data, tp[name].detach(), rtol=1e-10, atol=1e-12, err_msg=f"{kind} {name}"
            )
