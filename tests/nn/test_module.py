"""Module, Parameter and the containers: registration, traversal, modes, state_dict, repr."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn
from parity.modules import check_model, copy_weights


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))
        self.register_buffer("count", np.zeros(2, dtype=np.float32))
        self.register_buffer("cache", np.zeros(1, dtype=np.float32), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale


class TBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.scale = torch.nn.Parameter(torch.ones(3))
        self.register_buffer("count", torch.zeros(2))
        self.register_buffer("cache", torch.zeros(1), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(np.zeros((2, 3)))
    assert isinstance(p, dg.Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float64  # a NumPy array keeps its float dtype
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32
    assert repr(p).startswith("Parameter containing:")
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad, np.full((2, 3), 2.0))


def test_registration_and_names_match_torch():
    m, t = Block(), TBlock()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert list(m.state_dict()) == list(t.state_dict())  # no non-persistent buffer
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in m.named_children()] == ["fc"]
    assert len(list(m.parameters())) == 3 and len(list(m.buffers())) == 2
    assert m.num_parameters() == 4 * 3 + 3 + 3


def test_shared_parameter_listed_once_and_attribute_errors():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = seq.nope
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = dg.Tensor(np.zeros((3, 3)))

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgot()


def test_reassigning_a_name_moves_it_between_registries():
    m = nn.Module()
    m.a = nn.Parameter(np.zeros(2))
    m.a = nn.Linear(2, 2)
    assert "a" not in m._parameters and "a" in m._modules
    m.bias = None
    del m.a
    assert not m._modules


def test_train_eval_propagate_and_zero_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model(dg.tensor(np.ones((3, 2)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_apply_visits_children_before_parent():
    seen = []
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential"]


def test_astype_double_and_float32_stays_float32():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = dg.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    out = model(x)
    out.sum().backward()
    assert out.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    out = model(dg.Tensor(x.data.astype(np.float64)))
    assert out.dtype == np.float64
    model.astype("float32")
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_state_dict_is_a_snapshot_and_round_trips():
    model = nn.Sequential(nn.Linear(3, 2))
    sd = model.state_dict()
    model[0].weight.data += 1
    assert not np.allclose(sd["0.weight"], model[0].weight.data)
    w = model[0].weight
    model.load_state_dict(sd)
    assert model[0].weight is w  # copied in place: an optimizer keeps the same parameters
    np.testing.assert_array_equal(w.data, sd["0.weight"])


def test_load_state_dict_errors_name_the_key_and_shapes():
    model = nn.Sequential(nn.Linear(3, 2))
    sd = model.state_dict()
    bad = dict(sd)
    bad["0.weight"] = np.zeros((3, 2), np.float32)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight.*\(3, 2\).*\(2, 3\)"):
        model.load_state_dict(bad)
    missing = {"0.weight": sd["0.weight"]}
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "0\.bias"'):
        model.load_state_dict(missing)
    extra = dict(sd, **{"1.weight": np.zeros(2)})
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "1\.weight"'):
        model.load_state_dict(extra)
    res = model.load_state_dict(extra, strict=False)
    assert res.unexpected_keys == ["1.weight"] and res.missing_keys == []
    res = model.load_state_dict(missing, strict=False)
    assert res.missing_keys == ["0.bias"]


def test_load_torch_state_dict_directly_and_buffers():
    m, t = Block(), TBlock()
    with torch.no_grad():
        t.count += 3
        t.scale.mul_(2)
    m.load_state_dict(t.state_dict())  # torch tensors are accepted as they are
    np.testing.assert_array_equal(m.count, [3, 3])
    np.testing.assert_array_equal(m.scale.data, [2, 2, 2])
    assert m.scale.dtype == np.float32
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(
        m(dg.Tensor(x)).data, t(torch.from_numpy(x)).detach().numpy(), rtol=1e-6, atol=1e-6
    )


def test_repr_matches_torch():
    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 2, bias=False)))
    t = torch.nn.Sequential(
        torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(3, 2, False))
    )
    assert repr(m) == repr(t)


def test_forward_hooks_and_removal():
    lin = nn.Linear(2, 2)
    shapes = []
    h = lin.register_forward_hook(lambda mod, inp, out: shapes.append(out.shape))
    lin(dg.tensor(np.ones((3, 2))))
    h.remove()
    lin(dg.tensor(np.ones((3, 2))))
    assert shapes == [(3, 2)]
    h = lin.register_forward_pre_hook(lambda mod, inp: (inp[0] * 0,))
    out = lin(dg.tensor(np.ones((1, 2))))
    np.testing.assert_allclose(out.data[0], lin.bias.data)


def test_sequential_indexing_slicing_append_and_ordereddict_names():
    seq = nn.Sequential(OrderedDict([("fc1", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in seq.named_parameters()] == ["fc1.weight", "fc1.bias"]
    assert isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.ReLU)
    seq.append(nn.Linear(3, 1))
    assert len(seq) == 3 and "2.weight" in seq.state_dict()
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and head[0] is seq[0]
    assert head(dg.tensor(np.ones((4, 2)))).shape == (4, 3)
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    with pytest.raises(TypeError, match="expected an nn.Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_modulelist_and_moduledict_register_like_torch():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    tl = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    assert list(ml.state_dict()) == list(tl.state_dict())
    ml.insert(0, nn.ReLU())
    assert len(ml) == 4 and isinstance(ml[0], nn.ReLU)
    md = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    td = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3), "dec": torch.nn.Linear(3, 2)})
    assert list(md.state_dict()) == list(td.state_dict())
    assert "enc" in md and list(md.keys()) == ["enc", "dec"]
    with pytest.raises(KeyError, match="no module named 'x'"):
        md["x"]


def _mlps(dtype=torch.float32):
    torch.manual_seed(0)
    t = torch.nn.Sequential(
        torch.nn.Linear(20, 32),
        torch.nn.ReLU(),
        torch.nn.Linear(32, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 5),
    ).to(dtype)
    d = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 5))
    return d, t


def test_mlp_parity_with_torch_float32():
    d, t = _mlps()
    x = np.random.default_rng(0).standard_normal((8, 20)).astype(np.float32)
    check_model(d, t, x)


def test_mlp_parity_with_torch_float64():
    d, t = _mlps(torch.float64)
    d.double()
    x = np.random.default_rng(0).standard_normal((8, 20))
    check_model(d, t, x, rtol=1e-12, atol=1e-12)


def test_regularization_loss_and_max_norm():
    model = nn.Sequential(
        nn.Dense(4, kernel_regularizer=nn.L2(0.1), input_dim=3),
        nn.Dense(2, kernel_regularizer=nn.L1(0.5), kernel_constraint=nn.MaxNorm(0.1)),
    )
    model(dg.tensor(np.ones((1, 3))))
    w0, w1 = model[0].weight.data, model[1].weight.data
    reg = model.regularization_loss()
    np.testing.assert_allclose(reg.data, 0.1 * (w0**2).sum() + 0.5 * np.abs(w1).sum(), rtol=1e-6)
    reg.backward()
    np.testing.assert_allclose(model[0].weight.grad, 0.2 * w0, rtol=1e-6)
    np.testing.assert_allclose(model[1].weight.grad, 0.5 * np.sign(w1), rtol=1e-6)
    model.apply_constraints()
    norms = np.sqrt((model[1].weight.data ** 2).sum(axis=1))
    assert np.all(norms <= 0.1 + 1e-6) and np.allclose(norms, 0.1, rtol=1e-5)
    assert nn.Sequential(nn.Linear(2, 2)).regularization_loss().item() == 0.0


def test_copy_weights_helper_rejects_wrong_architecture():
    d = nn.Sequential(nn.Linear(20, 32))
    t = torch.nn.Sequential(torch.nn.Linear(20, 31))
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        copy_weights(t, d)


def test_deepcopy_and_pickle_give_independent_equal_models():
    import copy
    import pickle

    m = nn.Sequential(nn.Linear(3, 4), nn.Dense(2, activation="tanh"))
    m.build((None, 3))
    x = dg.tensor(np.random.default_rng(0).standard_normal((2, 3)))
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight is not m[0].weight
        np.testing.assert_array_equal(clone(x).data, m(x).data)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_three_optimizer_steps_match_torch(opt_name):
    """A hand-written loop: model.parameters() into deepgrad.optim, CrossEntropyLoss, 3 steps."""
    from deepgrad import optim

    d, t = _mlps()
    copy_weights(t, d)
    kw = {"lr": 0.1, "momentum": 0.9} if opt_name == "SGD" else {"lr": 0.01}
    od = getattr(optim, opt_name)(d.parameters(), **kw)
    ot = getattr(torch.optim, opt_name)(t.parameters(), **kw)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 20)).astype(np.float32)
    y = rng.integers(0, 5, 16)
    for _ in range(3):
        od.zero_grad()
        ot.zero_grad()
        nn.CrossEntropyLoss()(d(dg.Tensor(x)), y).backward()
        torch.nn.CrossEntropyLoss()(t(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        od.step()
        ot.step()
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(d.state_dict()[k], v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_regularizer_and_constraint_lookup_and_math():
    w = nn.Parameter(np.array([[3.0, -4.0], [0.3, 0.4]], np.float32))
    assert nn.get_regularizer("l2")(w).item() == pytest.approx(0.01 * 25.25, rel=1e-6)
    assert nn.get_regularizer("l1")(w).item() == pytest.approx(0.01 * 7.7, rel=1e-6)
    both = nn.L1L2(l1=0.1, l2=0.2)(w).item()
    assert both == pytest.approx(0.1 * 7.7 + 0.2 * 25.25, rel=1e-6)
    assert nn.get_regularizer(None) is None
    with pytest.raises(ValueError, match="unknown regularizer 'l3'"):
        nn.get_regularizer("l3")
    nn.get_constraint("max_norm")(w)  # default max_value 2: row norms 5 -> 2, 0.5 unchanged
    np.testing.assert_allclose(np.linalg.norm(w.data, axis=1), [2.0, 0.5], rtol=1e-6)
    nn.UnitNorm()(w)
    np.testing.assert_allclose(np.linalg.norm(w.data, axis=1), [1.0, 1.0], rtol=1e-6)
    nn.NonNeg()(w)
    assert (w.data >= 0).all()
    conv = nn.Conv2d(2, 3, 3, kernel_regularizer=nn.L2(0.5), kernel_constraint=nn.MaxNorm(0.1))
    np.testing.assert_allclose(
        conv.regularization_loss().item(), 0.5 * (conv.weight.data**2).sum(), rtol=1e-5
    )
    conv.apply_constraints()
    assert np.sqrt((conv.weight.data**2).sum(axis=(1, 2, 3))).max() <= 0.1 + 1e-6


def test_lazy_conv_builds_from_a_torch_state_dict():
    t = torch.nn.Conv2d(6, 4, 3, groups=2)
    lazy = nn.Conv2d(4, 3, groups=2)  # Keras form: 4 filters, 3x3, in_channels unknown
    lazy.load_state_dict(t.state_dict())
    assert lazy.in_channels == 6 and lazy.weight.shape == (4, 3, 3, 3)
    tt = torch.nn.ConvTranspose2d(5, 4, 2)
    lazy_t = nn.ConvTranspose2d(None, 4, 2)
    lazy_t.load_state_dict(tt.state_dict())
    assert lazy_t.in_channels == 5
