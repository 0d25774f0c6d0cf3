"""Layers against torch.nn: names and shapes of state_dict, default init, outputs and gradients."""

import math

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn
from parity.modules import check_model, copy_weights, has_op

needs_conv = pytest.mark.skipif(not has_op("conv2d"), reason="F.conv2d not landed yet")
needs_pool = pytest.mark.skipif(not has_op("max_pool2d"), reason="F.max_pool2d not landed yet")
needs_tconv = pytest.mark.skipif(
    not has_op("conv_transpose2d"), reason="F.conv_transpose2d not landed yet"
)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def sd_shapes(m):
    return {k: tuple(v.shape) for k, v in m.state_dict().items()}


# ---------------------------------------------------------------- Linear / Dense


def test_linear_state_dict_and_default_init_match_torch():
    m = nn.Linear(300, 200)
    assert sd_shapes(m) == sd_shapes(torch.nn.Linear(300, 200))
    bound = 1 / math.sqrt(300)
    for p in (m.weight.data, m.bias.data):
        assert p.dtype == np.float32 and np.abs(p).max() <= bound
    # U(-b, b) has std b / sqrt(3)
    assert abs(m.weight.data.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert nn.Linear(3, 2, bias=False).bias is None
    assert list(nn.Linear(3, 2, bias=False).state_dict()) == ["weight"]


def test_linear_on_3d_input_matches_torch():
    torch.manual_seed(0)
    check_model(nn.Linear(6, 4), torch.nn.Linear(6, 4), rand(2, 5, 6))


def test_linear_wrong_input_size_names_both_sizes():
    with pytest.raises(ValueError, match="input has 5 features.*weight expects 4"):
        nn.Linear(4, 2)(dg.tensor(np.ones((3, 5))))


def test_dense_is_lazy_and_keras_like():
    layer = nn.Dense(8, activation="relu")
    assert layer.weight is None and list(layer.parameters()) == []
    assert "weight" not in layer.state_dict()
    x = dg.tensor(rand(4, 5))
    out = layer(x)
    assert out.shape == (4, 8) and out.dtype == np.float32
    assert layer.weight.shape == (8, 5) and layer.kernel.shape == (5, 8)
    assert (out.data >= 0).all()
    np.testing.assert_array_equal(layer.bias.data, 0)  # Keras' zero bias
    # Keras' glorot_uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
    assert np.abs(layer.weight.data).max() <= math.sqrt(6 / 13)
    np.testing.assert_allclose(
        out.data, np.maximum(x.data @ layer.weight.data.T + layer.bias.data, 0), rtol=1e-6
    )
    assert "activation=relu" in repr(layer)
    with pytest.raises(ValueError, match="input has 6 features"):
        layer(dg.tensor(rand(4, 6)))


class DenseLike(torch.nn.Sequential):
    """torch Linear layers named "0", "1", ... with the activation applied inside each but the
    last, as Keras' Dense(activation=...) does (so the state_dict names line up)."""

    def __init__(self, *layers, act):
        super().__init__(*layers)
        self.act = act

    def forward(self, x):
        for i, layer in enumerate(self):
            x = layer(x)
            if i < len(self) - 1:
                x = self.act(x)
        return x


def test_dense_builds_in_float64_for_float64_input_and_from_torch_weights():
    layer = nn.Dense(3)
    assert layer(dg.Tensor(np.ones((2, 4)))).dtype == np.float64
    lazy = nn.Sequential(nn.Dense(7, activation="tanh"), nn.Dense(2))
    t = DenseLike(torch.nn.Linear(5, 7), torch.nn.Linear(7, 2), act=torch.tanh)
    copy_weights(t, lazy)  # loading builds the lazy layers from the checkpoint's shapes
    assert lazy[0].in_features == 5
    x = rand(3, 5)
    np.testing.assert_allclose(
        lazy(dg.Tensor(x)).data, t(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_dense_keras_model_trains_parity_with_torch_mlp():
    torch.manual_seed(0)
    t = DenseLike(torch.nn.Linear(10, 16), torch.nn.Linear(16, 3), act=torch.sigmoid)
    d = nn.Sequential(nn.Dense(16, activation="sigmoid", input_dim=10), nn.Dense(3))
    d.build((None, 10))
    tgt = np.array([0, 2, 1, 1])
    check_model(
        d,
        t,
        rand(4, 10),
        loss=lambda y: nn.CrossEntropyLoss()(y, tgt) if has_op("cross_entropy") else y.sum(),
        th_loss=lambda y: (
            torch.nn.functional.cross_entropy(y, torch.from_numpy(tgt))
            if has_op("cross_entropy")
            else y.sum()
        ),
    )


def test_lazy_linear_uses_torch_init():
    layer = nn.LazyLinear(4)
    layer(dg.tensor(rand(2, 400)))
    assert layer.weight.shape == (4, 400)
    assert np.abs(layer.weight.data).max() <= 1 / math.sqrt(400)


def test_identity_flatten_unflatten():
    x = dg.tensor(rand(2, 3, 4, 5))
    assert nn.Identity(54, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.ELU(0.7), torch.nn.ELU(0.7)),
        (nn.SELU(), torch.nn.SELU()),
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.Softplus(2.0), torch.nn.Softplus(2.0)),
        (nn.GELU(), torch.nn.GELU()),
        (nn.GELU("tanh"), torch.nn.GELU("tanh")),
        (nn.SiLU(), torch.nn.SiLU()),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
    ],
    ids=lambda m: repr(m),
)
def test_activation_layers_match_torch(ours, theirs):
    x = rand(3, 7) * 3
    check_model(ours, theirs, x)


def test_get_activation_keras_names():
    assert nn.get_activation("linear") is None and nn.get_activation(None) is None
    assert isinstance(nn.get_activation("relu"), nn.ReLU)
    assert isinstance(nn.get_activation("swish"), nn.SiLU)
    f = lambda x: x
    assert nn.get_activation(f) is f
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        nn.get_activation("relux")


# ---------------------------------------------------------------- convolution


@pytest.mark.parametrize(
    "kw",
    [
        dict(in_channels=3, out_channels=8, kernel_size=3),
        dict(in_channels=4, out_channels=6, kernel_size=(3, 5), stride=2, padding=1, groups=2),
        dict(in_channels=2, out_channels=4, kernel_size=2, bias=False),
    ],
)
def test_conv2d_state_dict_matches_torch(kw):
    assert sd_shapes(nn.Conv2d(**kw)) == sd_shapes(torch.nn.Conv2d(**kw))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.Conv2d(3, 8, 3),
        lambda lib: lib.Conv2d(4, 8, (3, 5), stride=2, padding=1, dilation=2, groups=2, bias=False),
        lambda lib: lib.Conv2d(3, 8, 3, padding="same", padding_mode="reflect"),
        lambda lib: lib.ConvTranspose2d(4, 2, 4, stride=2, padding=1, output_padding=1),
        lambda lib: lib.Conv1d(3, 5, 3, stride=2),
        lambda lib: lib.MaxPool2d(3, stride=2, padding=1),
        lambda lib: lib.AvgPool2d(2),
        lambda lib: lib.AdaptiveAvgPool2d((2, 3)),
        lambda lib: lib.Embedding(5, 4, padding_idx=0),
        lambda lib: lib.Dropout(0.25),
        lambda lib: lib.LeakyReLU(0.2),
        lambda lib: lib.Softmax(dim=1),
    ],
)
def test_layer_repr_matches_torch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_conv_default_init_bound():
    m = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert abs(m.weight.data.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_conv_transpose2d_state_dict_matches_torch():
    kw = dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, groups=2)
    assert sd_shapes(nn.ConvTranspose2d(**kw)) == sd_shapes(torch.nn.ConvTranspose2d(**kw))
    m = nn.ConvTranspose2d(8, 4, 3)
    bound = 1 / math.sqrt(4 * 9)  # torch's fan_in for a transposed conv is weight.shape[1] * k*k
    assert np.abs(m.weight.data).max() <= bound
    assert m.weight.data.max() > 0.9 * bound


def test_conv_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="'same', 'valid'"):
        nn.Conv2d(3, 6, 3, padding="full")
    m = nn.Conv2d(3, 6, 3)
    with pytest.raises(ValueError, match="expected 3 input channels, got 4"):
        m(dg.tensor(rand(1, 4, 8, 8)))
    with pytest.raises(ValueError, match="4-D input"):
        m(dg.tensor(rand(4, 8, 8)))


@needs_conv
@pytest.mark.parametrize(
    "kw",
    [
        dict(in_channels=3, out_channels=4, kernel_size=3),
        dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=2, padding=1, groups=2),
        dict(in_channels=2, out_channels=3, kernel_size=3, dilation=2, padding=2, bias=False),
        dict(in_channels=2, out_channels=3, kernel_size=3, padding="same"),
        dict(in_channels=2, out_channels=3, kernel_size=4, padding="same", dilation=1),
        dict(in_channels=2, out_channels=3, kernel_size=3, padding=1, padding_mode="reflect"),
    ],
)
def test_conv2d_matches_torch(kw):
    torch.manual_seed(0)
    check_model(nn.Conv2d(**kw), torch.nn.Conv2d(**kw), rand(2, kw["in_channels"], 9, 8))


@needs_conv
def test_conv2d_same_padding_with_stride_gives_ceil_size():
    m = nn.Conv2d(2, 3, 3, stride=2, padding="same")
    assert m(dg.tensor(rand(1, 2, 9, 8))).shape == (1, 3, 5, 4)


@needs_conv
def test_conv2d_keras_form_is_lazy_with_activation():
    m = nn.Conv2d(8, 3, activation="relu", padding="same")
    assert m.weight is None
    out = m(dg.tensor(rand(2, 5, 6, 6)))
    assert m.in_channels == 5 and m.weight.shape == (8, 5, 3, 3)
    assert out.shape == (2, 8, 6, 6) and (out.data >= 0).all()


@needs_conv
def test_conv1d_matches_torch():
    torch.manual_seed(0)
    kw = dict(in_channels=3, out_channels=5, kernel_size=3, stride=2, padding=1)
    assert sd_shapes(nn.Conv1d(**kw)) == sd_shapes(torch.nn.Conv1d(**kw))
    check_model(nn.Conv1d(**kw), torch.nn.Conv1d(**kw), rand(2, 3, 11))


@needs_tconv
@pytest.mark.parametrize(
    "kw",
    [
        dict(in_channels=3, out_channels=4, kernel_size=3),
        dict(in_channels=4, out_channels=2, kernel_size=4, stride=2, padding=1),
        dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, output_padding=1, groups=2),
        dict(in_channels=2, out_channels=3, kernel_size=3, dilation=2, bias=False),
    ],
)
def test_conv_transpose2d_matches_torch(kw):
    torch.manual_seed(0)
    check_model(
        nn.ConvTranspose2d(**kw), torch.nn.ConvTranspose2d(**kw), rand(2, kw["in_channels"], 5, 4)
    )


@needs_tconv
def test_conv_transpose2d_output_size():
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = dg.tensor(rand(1, 2, 4, 4))
    assert m(x).shape == (1, 3, 7, 7)
    assert m(x, output_size=(8, 8)).shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match="not reachable"):
        m(x, output_size=(10, 10))


@needs_conv
@needs_pool
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cnn_conv_pool_dense_matches_torch(dtype):
    torch.manual_seed(0)
    t = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3),
        torch.nn.ReLU(),
        torch.nn.AvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(6 * 2 * 2, 10),
    )
    d = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(6 * 2 * 2, 10),
    )
    assert sd_shapes(d) == sd_shapes(t)
    if dtype == "float64":
        d.double()
        t.double()
        check_model(d, t, rand(3, 1, 12, 12).astype(np.float64), rtol=1e-10, atol=1e-12)
    else:
        check_model(d, t, rand(3, 1, 12, 12))


# ---------------------------------------------------------------- pooling


@needs_pool
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
        (nn.MaxPool2d(3, stride=2, padding=1), torch.nn.MaxPool2d(3, stride=2, padding=1)),
        (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
        (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
        (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
    ],
    ids=repr,
)
def test_pool_layers_match_torch(ours, theirs):
    check_model(ours, theirs, rand(2, 3, 8, 7))


@pytest.mark.skipif(not has_op("adaptive_avg_pool2d"), reason="F.adaptive_avg_pool2d pending")
def test_adaptive_avg_pool_uneven_matches_torch():
    check_model(nn.AdaptiveAvgPool2d((3, 2)), torch.nn.AdaptiveAvgPool2d((3, 2)), rand(2, 3, 8, 7))


def test_global_pools_are_means_and_maxes_over_space():
    x = rand(2, 3, 5, 4)
    t = torch.from_numpy(x)
    check_model(nn.GlobalAvgPool2d(), lambda_module(lambda v: v.mean((2, 3))), x)
    out = nn.GlobalAvgPool2d(keepdims=True)(dg.tensor(x))
    assert out.shape == (2, 3, 1, 1)
    np.testing.assert_allclose(
        nn.GlobalMaxPool2d()(dg.tensor(x)).data, t.amax((2, 3)).numpy(), rtol=1e-6
    )


def lambda_module(fn):
    class L(torch.nn.Module):
        def forward(self, x):
            return fn(x)

    return L()


@pytest.mark.skipif(not has_op("max_unpool2d"), reason="F.max_unpool2d pending")
def test_max_unpool_inverts_max_pool_like_torch():
    x = rand(2, 3, 6, 6)
    out, idx = nn.MaxPool2d(2, return_indices=True)(dg.tensor(x))
    tout, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.from_numpy(x))
    np.testing.assert_array_equal(np.asarray(idx.data if hasattr(idx, "data") else idx), tidx)
    up = nn.MaxUnpool2d(2)(out, idx)
    tup = torch.nn.MaxUnpool2d(2)(tout, tidx)
    np.testing.assert_allclose(up.data, tup.numpy())


# ---------------------------------------------------------------- dropout, embedding


@pytest.mark.skipif(not has_op("dropout"), reason="F.dropout pending")
def test_dropout_train_and_eval():
    dg.manual_seed(0)
    layer = nn.Dropout(0.3)
    x = dg.tensor(np.ones((200, 100)), requires_grad=True)
    out = layer(x)
    kept = out.data != 0
    assert abs(1 - kept.mean() - 0.3) < 0.02
    np.testing.assert_allclose(out.data[kept], 1 / 0.7, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.7, rtol=1e-6)
    layer.eval()
    assert np.array_equal(layer(x).data, x.data)
    assert repr(layer) == repr(torch.nn.Dropout(0.3))
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)


@pytest.mark.skipif(not has_op("dropout2d"), reason="F.dropout2d pending")
def test_dropout2d_drops_whole_channels():
    dg.manual_seed(0)
    out = nn.Dropout2d(0.5)(dg.tensor(np.ones((8, 16, 4, 4)))).data
    per_channel = out.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0.3 < (per_channel == 0).all(-1).mean() < 0.7
    layer = nn.Dropout2d(0.5).eval()
    x = dg.tensor(np.ones((2, 3, 4, 4)))
    assert layer(x) is x


def test_embedding_state_dict_and_init():
    m = nn.Embedding(1000, 64, padding_idx=0)
    assert sd_shapes(m) == sd_shapes(torch.nn.Embedding(1000, 64, padding_idx=0))
    np.testing.assert_array_equal(m.weight.data[0], 0)
    w = m.weight.data[1:]
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01  # N(0, 1)
    frozen = nn.Embedding.from_pretrained(np.eye(3, dtype=np.float32))
    assert not frozen.weight.requires_grad


@pytest.mark.skipif(not has_op("embedding"), reason="F.embedding pending")
def test_embedding_matches_torch_with_padding_idx():
    torch.manual_seed(0)
    idx = np.array([[1, 0, 3], [3, 3, 2]], dtype=np.int64)
    d, t = nn.Embedding(5, 4, padding_idx=0), torch.nn.Embedding(5, 4, padding_idx=0)
    check_model(d, t, idx)
    np.testing.assert_array_equal(d.weight.grad[0], 0)
    with pytest.raises(TypeError, match="integers"):
        d(dg.tensor(np.zeros(3)))


@needs_conv
@needs_pool
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_cnn_with_batchnorm_and_dropout_matches_torch(mode):
    """Train mode: batch statistics and identical running-stat updates (dropout off: p=0, since
    the two libraries draw different masks); eval mode: running statistics, dropout inactive."""
    p = 0.0 if mode == "train" else 0.5

    def build(lib):
        return lib.Sequential(
            lib.Conv2d(2, 4, 3, padding=1),
            lib.BatchNorm2d(4),
            lib.ReLU(),
            lib.MaxPool2d(2),
            lib.Dropout(p),
            lib.Flatten(),
            lib.Linear(4 * 3 * 3, 8),
            lib.BatchNorm1d(8),
            lib.ReLU(),
            lib.Linear(8, 3),
        )

    torch.manual_seed(0)
    d, t = build(nn), build(torch.nn)
    with torch.no_grad():  # non-trivial running statistics and affine parameters
        for m in t.modules():
            if isinstance(m, torch.nn.BatchNorm2d | torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    assert sd_shapes(d) == sd_shapes(t)
    getattr(d, mode)()
    getattr(t, mode)()
    check_model(d, t, rand(4, 2, 6, 6), rtol=1e-4, atol=1e-5)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(d.state_dict()[k], v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
