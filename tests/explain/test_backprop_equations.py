"""explain.backprop: BP1-BP4 in plain NumPy equal deepgrad's autodiff and torch.autograd to
1e-12 in float64, for several architectures, activations, costs and batch sizes."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import explain, nn

ACT = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "identity": nn.Identity}


def mlp(sizes, acts, last=None, seed=0):
    dg.manual_seed(seed)
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        act = acts[i] if i < len(sizes) - 2 else last
        if act is not None:
            mods.append(ACT[act]() if isinstance(act, str) else act)
    return nn.Sequential(*mods)


def batch(n, d, k, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.integers(0, k, n)


CASES = [  # sizes, hidden activations, last activation, loss, batch size
    ((4, 3), [], "sigmoid", "quadratic", 1),
    ((6, 5, 3), ["sigmoid"], "sigmoid", "quadratic", 4),
    ((6, 5, 3), ["tanh"], "identity", "mse", 7),
    ((7, 8, 6, 5, 3), ["relu", "tanh", "sigmoid"], None, "cross_entropy", 5),
    ((5, 9, 9, 4), ["relu", "relu"], "tanh", "mse", 16),
    ((5, 4, 4), ["identity"], nn.Softmax(dim=1), "cross_entropy", 3),
    ((10, 30, 10), ["sigmoid"], "sigmoid", "quadratic", 32),
]


@pytest.mark.parametrize("sizes, acts, last, loss, n", CASES)
def test_equations_equal_autodiff(sizes, acts, last, loss, n):
    model = mlp(sizes, acts, last)
    x, y = batch(n, sizes[0], sizes[-1])
    before = {k: v.copy() for k, v in model.state_dict().items()}
    report = explain.backprop(model, x, y, loss=loss)
    assert len(report.layers) == len(sizes) - 1
    assert report.max_diff < 1e-12
    assert abs(report.cost - report.cost_autodiff) < 1e-12
    for ly, (d_in, d_out) in zip(report.layers, zip(sizes, sizes[1:], strict=False), strict=True):
        assert ly.dw.shape == (d_out, d_in) and ly.db.shape == (d_out,)
        assert ly.delta.shape == ly.z.shape == (n, d_out)
        assert ly.dw.dtype == np.float64 and ly.dw_autodiff.dtype == np.float64
        assert np.abs(ly.dw).max() > 0  # a real gradient, not two zeros agreeing
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in before.items())


def test_one_hot_targets_and_labels_agree():
    model = mlp((6, 5, 4), ["tanh"], "sigmoid")
    x, y = batch(5, 6, 4)
    a = explain.backprop(model, x, y, loss="quadratic")
    b = explain.backprop(model, x, np.eye(4)[y], loss="quadratic")
    assert np.array_equal(a.layers[0].dw, b.layers[0].dw)


def test_costs_differ_as_defined():
    """quadratic is 1/2 ||y - a||^2 per example, mse 1/k ||y - a||^2: mse = quadratic * 2/k
    (k = 4 outputs here), the cost and every gradient."""
    model = mlp((6, 5, 4), ["tanh"], "sigmoid")
    x, y = batch(5, 6, 4)
    q = explain.backprop(model, x, y, loss="quadratic")
    m = explain.backprop(model, x, y, loss="mse")
    k = 4
    assert m.cost == pytest.approx(q.cost * 2 / k, rel=1e-12)
    np.testing.assert_allclose(m.layers[0].dw, q.layers[0].dw * 2 / k, rtol=1e-12)


def test_bp_by_hand_for_one_sigmoid_neuron():
    """One input, one sigmoid neuron, quadratic cost: dC/dw = (a - y) s'(z) x."""
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    model[0].weight.data[:] = 0.6
    model[0].bias.data[:] = 0.9
    r = explain.backprop(model, np.array([[1.0]]), np.array([[0.0]]), loss="quadratic")
    z = 0.6 + 0.9
    a = 1 / (1 + np.exp(-z))
    assert r.layers[0].z[0, 0] == pytest.approx(z, rel=1e-12)
    assert r.layers[0].dw[0, 0] == pytest.approx(a * a * (1 - a), rel=1e-12)
    assert r.layers[0].db[0] == pytest.approx(a * a * (1 - a), rel=1e-12)


@pytest.mark.parametrize("sizes, acts, last, loss, n", CASES[1:5])
def test_equations_equal_torch_autograd(sizes, acts, last, loss, n):
    torch = pytest.importorskip("torch")
    model = mlp(sizes, acts, last)
    x, y = batch(n, sizes[0], sizes[-1])
    report = explain.backprop(model, x, y, loss=loss)
    tacts = {
        "sigmoid": torch.nn.Sigmoid,
        "tanh": torch.nn.Tanh,
        "relu": torch.nn.ReLU,
        "identity": torch.nn.Identity,
    }
    mods = []
    for m in model:
        if isinstance(m, nn.Linear):
            lin = torch.nn.Linear(m.in_features, m.out_features, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(m.weight.data.astype(np.float64)))
                lin.bias.copy_(torch.from_numpy(m.bias.data.astype(np.float64)))
            mods.append(lin)
        else:
            mods.append(
                tacts[
                    {
                        nn.Sigmoid: "sigmoid",
                        nn.Tanh: "tanh",
                        nn.ReLU: "relu",
                        nn.Identity: "identity",
                    }[type(m)]
                ]()
            )
    tm = torch.nn.Sequential(*mods)
    out = tm(torch.from_numpy(x.astype(np.float64)))
    onehot = torch.from_numpy(np.eye(sizes[-1])[y])
    if loss == "quadratic":
        cost = 0.5 * ((out - onehot) ** 2).sum() / n
    elif loss == "mse":
        cost = torch.nn.functional.mse_loss(out, onehot)
    else:
        cost = torch.nn.functional.cross_entropy(out, torch.from_numpy(y))
    cost.backward()
    assert report.cost == pytest.approx(cost.item(), abs=1e-12)
    lins = [m for m in tm if isinstance(m, torch.nn.Linear)]
    for ly, lin in zip(report.layers, lins, strict=True):
        assert np.max(np.abs(ly.dw - lin.weight.grad.numpy())) < 1e-12
        assert np.max(np.abs(ly.db - lin.bias.grad.numpy())) < 1e-12


def test_flatten_first_takes_images():
    dg.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 5), nn.Sigmoid(), nn.Linear(5, 3))
    x = np.random.default_rng(0).random((4, 4, 4)).astype(np.float32)
    r = explain.backprop(model, x, np.array([0, 1, 2, 0]), loss="cross_entropy")
    assert r.max_diff < 1e-12 and r.layers[0].dw.shape == (5, 16)


def test_table_and_plot(tmp_path):
    model = mlp((6, 5, 3), ["sigmoid"], "sigmoid")
    x, y = batch(4, 6, 3)
    r = explain.backprop(model, x, y)
    text = str(r)
    assert "quadratic cost" in text and "max|BP4-auto|" in text and "BP2" in text
    assert len([ln for ln in text.splitlines() if ln[:2] in ("1 ", "2 ")]) == 2
    path = r.plot(tmp_path / "sub" / "deltas.png")
    from PIL import Image

    with Image.open(path) as im:
        assert im.size[0] > 200 and im.size[1] > 100
    assert [p.name for p in path.parent.iterdir()] == ["deltas.png"]  # no temporary left


@pytest.mark.parametrize(
    "model, loss, message",
    [
        (
            nn.Sequential(nn.Linear(4, 3), nn.GELU()),
            "quadratic",
            "layer '1' (GELU) is not supported",
        ),
        (
            nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5), nn.Linear(3, 2)),
            "quadratic",
            "layer '1' (Dropout)",
        ),
        (nn.Sequential(nn.ReLU(), nn.Linear(4, 3)), "quadratic", "comes before the first Linear"),
        (
            nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Tanh()),
            "quadratic",
            "follows the activation '1'",
        ),
        (nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1)), "mse", "loss='cross_entropy'"),
        (nn.Sequential(nn.Linear(4, 3), nn.Sigmoid()), "cross_entropy", "needs the logits"),
        (nn.Sequential(nn.Linear(4, 3, bias=False)), "quadratic", "has no bias"),
        (nn.Linear(4, 3), "quadratic", "the model is a Linear"),
        (nn.Sequential(nn.Linear(4, 3), nn.Linear(2, 2)), "quadratic", "takes 2 inputs"),
    ],
)
def test_unsupported_models_are_named(model, loss, message):
    with pytest.raises(ValueError, match="explain.backprop") as e:
        explain.backprop(model, np.zeros((2, 4)), np.array([0, 1]), loss=loss)
    assert message in str(e.value)
    assert "supported: an nn.Sequential of Linear layers" in str(e.value)


def test_bad_data_and_loss():
    model = mlp((6, 5, 3), ["sigmoid"], "sigmoid")
    with pytest.raises(ValueError, match=r"x should have shape \(n, 6\)"):
        explain.backprop(model, np.zeros((2, 5)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"labels must be in 0..2"):
        explain.backprop(model, np.zeros((2, 6)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"targets of the output's shape \(2, 3\)"):
        explain.backprop(model, np.zeros((2, 6)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="loss must be one of quadratic, mse, cross_entropy"):
        explain.backprop(model, np.zeros((2, 6)), np.array([0, 1]), loss="hinge")
    assert (
        explain.backprop(model, np.zeros((2, 6)), np.array([0, 1]), loss=nn.MSELoss()).loss == "mse"
    )
