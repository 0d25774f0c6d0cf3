"""BatchNorm1d/2d/3d, LayerNorm, GroupNorm layers against torch.nn with weights copied through
state_dict: outputs, gradients and running statistics over several training steps, eval mode,
state_dict names/shapes/dtypes, and error messages."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.functional import linear, relu
from deepgrad.nn.norm import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm
from parity import randn

torch.set_num_threads(1)


def _sd_meta(sd):
    return {
        k: (tuple(np.shape(v)), str(np.asarray(v).dtype).replace("torch.", ""))
        for k, v in sd.items()
    }


def _torch_sd_meta(module):
    return {
        k: (tuple(v.shape), str(v.dtype).replace("torch.", ""))
        for k, v in module.state_dict().items()
    }


def _randomize(tmod, seed=0):
    """Non-trivial gamma/beta/running statistics on the torch layer."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, v in tmod.state_dict().items():
            if v.dtype.is_floating_point:
                r = torch.randn(v.shape, generator=g)
                v.copy_(r.abs() + 0.5 if name.endswith("var") or name == "weight" else r)
    return tmod


def _copy(dmod, tmod):
    dmod.load_state_dict({k: v.numpy() for k, v in tmod.state_dict().items()})
    return dmod


def _step(dmod, tmod, x, seed):
    """One forward + backward with the same upstream gradient; compare everything."""
    xd = dg.Tensor(x, requires_grad=True)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yd, yt = dmod(xd), tmod(xt)
    np.testing.assert_allclose(yd.data, yt.detach().numpy(), rtol=2e-5, atol=2e-6)
    up = randn(*x.shape, seed=seed)
    (yd * dg.Tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=2e-5, atol=2e-5)
    tparams = dict(tmod.named_parameters())
    for name, p in dmod.named_parameters():
        np.testing.assert_allclose(p.grad, tparams[name].grad.numpy(), rtol=2e-5, atol=2e-5,
                                   err_msg=name)  # fmt: skip
    _assert_state_equal(dmod, tmod)


def _assert_state_equal(dmod, tmod):
    dsd, tsd = dmod.state_dict(), tmod.state_dict()
    assert list(dsd) == list(tsd)
    for k, v in tsd.items():
        np.testing.assert_allclose(dsd[k], v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


LAYERS = [
    (BatchNorm1d, torch.nn.BatchNorm1d, (8, 5)),
    (BatchNorm1d, torch.nn.BatchNorm1d, (4, 5, 7)),
    (BatchNorm2d, torch.nn.BatchNorm2d, (4, 3, 6, 5)),
    (BatchNorm2d, torch.nn.BatchNorm2d, (1, 3, 4, 4)),
    (BatchNorm3d, torch.nn.BatchNorm3d, (2, 3, 2, 3, 4)),
]
CONFIGS = [
    {},
    {"momentum": 0.3, "eps": 1e-3},
    {"momentum": None},
    {"affine": False},
    {"bias": False},
    {"track_running_stats": False},
]


@pytest.mark.parametrize(
    "config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default"
)
@pytest.mark.parametrize("dcls,tcls,shape", LAYERS, ids=[f"{d.__name__}{s}" for d, _, s in LAYERS])
def test_batchnorm_train_then_eval_matches_torch(dcls, tcls, shape, config):
    c = shape[1]
    tmod = _randomize(tcls(c, **config))
    dmod = _copy(dcls(c, **config), tmod)
    for step in range(3):
        dmod.zero_grad()
        tmod.zero_grad()
        x = randn(*shape, seed=step, scale=1.0 + step) + 0.5 * step
        _step(dmod, tmod, x, seed=100 + step)
    if config.get("track_running_stats", True):
        assert int(dmod.num_batches_tracked) == 3
    dmod.eval()
    tmod.eval()
    for step in range(2):
        dmod.zero_grad()
        tmod.zero_grad()
        _step(dmod, tmod, randn(*shape, seed=50 + step), seed=200 + step)


@pytest.mark.parametrize("config", CONFIGS[:1] + CONFIGS[3:], ids=str)
@pytest.mark.parametrize("dcls,tcls", [(BatchNorm1d, torch.nn.BatchNorm1d),
                                        (BatchNorm2d, torch.nn.BatchNorm2d)])  # fmt: skip
def test_state_dict_names_shapes_dtypes_equal_torch(dcls, tcls, config):
    dmod, tmod = dcls(6, **config), tcls(6, **config)
    assert _sd_meta(dmod.state_dict()) == _torch_sd_meta(tmod)
    assert [n for n, _ in dmod.named_parameters()] == [n for n, _ in tmod.named_parameters()]
    assert repr(dmod) == repr(tmod)
    # the fresh statistics are PyTorch's too: mean 0, var 1, nothing tracked
    _assert_state_equal(dmod, tmod)


def test_num_batches_tracked_is_int64_scalar_and_loads():
    tmod = torch.nn.BatchNorm2d(4)
    tmod(torch.randn(2, 4, 3, 3))
    tmod(torch.randn(2, 4, 3, 3))
    dmod = BatchNorm2d(4)
    dmod.load_state_dict(tmod.state_dict())  # torch tensors accepted directly
    nbt = dmod.state_dict()["num_batches_tracked"]
    assert nbt.shape == () and nbt.dtype == np.int64 and int(nbt) == 2
    dmod(dg.Tensor(randn(2, 4, 3, 3)))
    assert int(dmod.num_batches_tracked) == 3
    # and back into torch
    tmod.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in dmod.state_dict().items()})
    assert int(tmod.num_batches_tracked) == 3


def test_running_stats_updated_in_place_and_eval_freezes_them():
    bn = BatchNorm1d(3)
    rm, rv = bn.running_mean, bn.running_var
    bn(dg.Tensor(randn(8, 3, seed=1) + 2.0))
    assert bn.running_mean is rm and bn.running_var is rv
    assert np.all(rm > 0.1) and rm.dtype == np.float32
    bn.eval()
    before = rm.copy(), rv.copy(), int(bn.num_batches_tracked)
    out = bn(dg.Tensor(randn(1, 3, seed=2)))  # a single sample is fine in eval mode
    assert out.shape == (1, 3)
    np.testing.assert_array_equal(rm, before[0])
    np.testing.assert_array_equal(rv, before[1])
    assert int(bn.num_batches_tracked) == before[2]


def test_reset_parameters_and_running_stats():
    bn = _copy(BatchNorm2d(3), _randomize(torch.nn.BatchNorm2d(3)))
    bn.reset_parameters()
    _assert_state_equal(bn, torch.nn.BatchNorm2d(3))


def test_float64_module():
    bn = BatchNorm2d(3).double()
    x = dg.Tensor(randn(2, 3, 4, 4).astype(np.float64), requires_grad=True)
    out = bn(x)
    out.sum().backward()
    assert out.dtype == np.float64 and bn.running_mean.dtype == np.float64
    assert bn.weight.grad.dtype == np.float64
    bn = BatchNorm1d(3, dtype=np.float64)
    assert bn.weight.dtype == np.float64 and bn.running_var.dtype == np.float64


def test_linear_batchnorm_relu_sgd_steps_match_torch():
    """linear -> BatchNorm1d -> relu, 3 hand-written SGD steps: same losses, same parameters."""
    tlin, tbn = torch.nn.Linear(6, 4), _randomize(torch.nn.BatchNorm1d(4))
    dbn = _copy(BatchNorm1d(4), tbn)
    w = dg.Tensor(tlin.weight.detach().numpy().copy(), requires_grad=True)
    b = dg.Tensor(tlin.bias.detach().numpy().copy(), requires_grad=True)
    params_t = [tlin.weight, tlin.bias, tbn.weight, tbn.bias]
    for step in range(3):
        x = randn(10, 6, seed=step)
        loss_d = (relu(dbn(linear(dg.Tensor(x), w, b))) ** 2).mean()
        loss_t = (torch.relu(tbn(tlin(torch.from_numpy(x)))) ** 2).mean()
        for p in (w, b, dbn.weight, dbn.bias):
            p.grad = None
        for p in params_t:
            p.grad = None
        loss_d.backward()
        loss_t.backward()
        with torch.no_grad():
            for pd, pt in zip((w, b, dbn.weight, dbn.bias), params_t, strict=True):
                pd.data -= 0.5 * pd.grad
                pt -= 0.5 * pt.grad
        np.testing.assert_allclose(loss_d.item(), loss_t.item(), rtol=1e-5)
    for pd, pt in zip((w, b, dbn.weight, dbn.bias), params_t, strict=True):
        np.testing.assert_allclose(pd.data, pt.detach().numpy(), rtol=1e-5, atol=1e-6)
    _assert_state_equal(dbn, tbn)


# ---------------------------------------------------------------------- errors
def test_batchnorm_errors_name_layer_expected_and_received():
    with pytest.raises(
        ValueError, match=r"BatchNorm2d: expected 3 channels.*got 4.*\(2, 4, 5, 5\)"
    ):
        BatchNorm2d(3)(dg.Tensor(randn(2, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D \(N, C, H, W\) input, got 3D"):
        BatchNorm2d(3)(dg.Tensor(randn(2, 3, 5)))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D \(N, C\) or 3D .* got 4D"):
        BatchNorm1d(3)(dg.Tensor(randn(2, 3, 5, 5)))
    with pytest.raises(ValueError, match="BatchNorm1d: Expected more than 1 value per channel"):
        BatchNorm1d(3)(dg.Tensor(randn(1, 3)))
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        BatchNorm2d(0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm2d(3, momentum=1.5)
    bn = BatchNorm2d(3)
    bn(dg.Tensor(randn(1, 3, 2, 2)))  # one sample, 4 values per channel: fine
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(dg.Tensor(randn(1, 3, 1, 1)))
    assert int(bn.num_batches_tracked) == 1  # the rejected batch was not counted


# ---------------------------------------------------------------------- LayerNorm, GroupNorm
@pytest.mark.parametrize(
    "ns,shape,config",
    [
        (5, (4, 5), {}),
        ((4, 5), (2, 3, 4, 5), {}),
        ((3, 4, 5), (2, 3, 4, 5), {"eps": 1e-3}),
        (8, (2, 7, 8), {"elementwise_affine": False}),
        (8, (2, 7, 8), {"bias": False}),
    ],
    ids=str,
)
def test_layernorm_matches_torch(ns, shape, config):
    tmod = _randomize(torch.nn.LayerNorm(ns, **config), seed=3)
    dmod = _copy(LayerNorm(ns, **config), tmod)
    assert _sd_meta(dmod.state_dict()) == _torch_sd_meta(tmod)
    assert repr(dmod) == repr(tmod)
    for train in (True, False):
        dmod.train(train)
        tmod.train(train)
        dmod.zero_grad()
        tmod.zero_grad()
        _step(dmod, tmod, randn(*shape, seed=int(train), scale=2.0) + 1.0, seed=7)


def test_layernorm_errors():
    with pytest.raises(ValueError, match=r"LayerNorm: expected input of shape \(\*, 4, 5\).*"):
        LayerNorm((4, 5))(dg.Tensor(randn(2, 5, 4)))
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape must be a positive"):
        LayerNorm(0)


GN_CASES = [(2, 6, {}), (1, 4, {}), (4, 4, {"affine": False}), (3, 6, {"bias": False})]


@pytest.mark.parametrize("groups,channels,config", GN_CASES, ids=str)
def test_groupnorm_matches_torch(groups, channels, config):
    tmod = _randomize(torch.nn.GroupNorm(groups, channels, **config), seed=4)
    dmod = _copy(GroupNorm(groups, channels, **config), tmod)
    assert _sd_meta(dmod.state_dict()) == _torch_sd_meta(tmod)
    assert repr(dmod) == repr(tmod)
    _step(dmod, tmod, randn(3, channels, 4, 5, seed=5), seed=8)
    with pytest.raises(ValueError, match=f"GroupNorm: expected input \\(N, {channels}, \\*\\)"):
        dmod(dg.Tensor(randn(3, channels + 1, 4)))
    with pytest.raises(ValueError, match="divisible"):
        GroupNorm(4, 6)
