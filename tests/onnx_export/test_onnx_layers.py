"""ONNX export layer by layer: each converted layer, run by onnxruntime, equals deepgrad's forward
(1e-5) on the example and on a batch of another size; the refusals name the layer."""

import sys

import numpy as np
import pytest
from onnx_check import check, onnx, randomize_batch_norm

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn
from deepgrad.onnx import ExportError


def _x(*shape, seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def _pair(*shape, scale=1.0):
    """An example batch of 2 and a batch of 5 (dimension 0 is free in the file)."""
    return _x(2, *shape, scale=scale), _x(5, *shape, seed=1, scale=scale)


@pytest.fixture(autouse=True)
def _seed():
    dg.manual_seed(0)


DENSE = {
    "linear": (lambda: nn.Linear(6, 4), (6,)),
    "linear_3d_no_bias": (lambda: nn.Linear(6, 4, bias=False), (3, 6)),
    "dense_relu": (lambda: nn.Sequential(nn.Dense(5, activation="relu"), nn.Dense(3)), (6,)),
    "dense_3d_tanh": (lambda: nn.Dense(4, activation="tanh", input_shape=(3, 6)), (3, 6)),
    "embedding_then_linear": None,
}
CONV = {
    "conv2d": (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2,
                                 bias=False), (4, 9, 9)),
    "conv2d_same_even_kernel": (lambda: nn.Conv2d(3, 4, 4, padding="same"), (3, 7, 6)),
    "conv2d_activation": (lambda: nn.Conv2d(3, 2, 3, activation="sigmoid"), (3, 6, 6)),
    "conv1d": (lambda: nn.Conv1d(3, 5, 3, stride=2, padding=1), (3, 11)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1,
                                                    output_padding=1), (4, 5, 5)),
    "max_pool": (lambda: nn.MaxPool2d(3, 2, 1), (3, 9, 9)),
    "max_pool_ceil": (lambda: nn.MaxPool2d(2, ceil_mode=True), (2, 7, 7)),
    "max_pool_dilated": (lambda: nn.MaxPool2d(2, 1, dilation=2), (2, 7, 7)),
    "avg_pool_pad": (lambda: nn.AvgPool2d(3, 2, 1), (3, 8, 8)),
    "avg_pool_pad_excluded": (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                              (3, 8, 8)),
    "avg_pool_ceil": (lambda: nn.AvgPool2d(2, ceil_mode=True), (2, 7, 7)),
    "adaptive_avg_pool_1": (lambda: nn.AdaptiveAvgPool2d(1), (3, 5, 7)),
    "adaptive_avg_pool_2": (lambda: nn.AdaptiveAvgPool2d((2, 3)), (3, 8, 9)),
    "global_avg_pool": (lambda: nn.GlobalAvgPool2d(), (3, 5, 5)),
    "global_max_pool_keepdims": (lambda: nn.GlobalMaxPool2d(keepdims=True), (3, 5, 5)),
    "batch_norm_2d": (lambda: randomize_batch_norm(nn.BatchNorm2d(4)), (4, 5, 5)),
    "batch_norm_2d_no_affine": (lambda: randomize_batch_norm(nn.BatchNorm2d(4, affine=False)),
                                (4, 3, 3)),
    "batch_norm_1d": (lambda: randomize_batch_norm(nn.BatchNorm1d(5)), (5,)),
    "batch_norm_1d_sequence": (lambda: randomize_batch_norm(nn.BatchNorm1d(5, eps=1e-3)),
                               (5, 7)),
    "layer_norm": (lambda: nn.LayerNorm(6), (3, 6)),
    "layer_norm_2d_no_affine": (lambda: nn.LayerNorm((4, 6), elementwise_affine=False),
                                (4, 6)),
}
ACTIVATIONS = {
    "relu": nn.ReLU, "relu6": nn.ReLU6, "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": lambda: nn.ELU(0.7), "selu": nn.SELU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
    "softplus": lambda: nn.Softplus(beta=2.0, threshold=3.0), "gelu": nn.GELU,
    "gelu_tanh": lambda: nn.GELU("tanh"), "silu": nn.SiLU, "softmax": lambda: nn.Softmax(1),
    "log_softmax": lambda: nn.LogSoftmax(-1),
}
SHAPES = {
    "flatten": (lambda: nn.Flatten(), (3, 4, 5)),
    "flatten_middle": (lambda: nn.Flatten(2, 3), (3, 4, 5)),
    "unflatten": (lambda: nn.Unflatten(1, (2, 6)), (12,)),
    "dropout": (lambda: nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)), (4,)),
    "dropout2d_identity": (lambda: nn.Sequential(nn.Dropout2d(0.3), nn.Identity(),
                                                 nn.Conv2d(2, 2, 1)), (2, 3, 3)),
}
CASES = {**{k: v for k, v in DENSE.items() if v}, **CONV, **SHAPES,
         **{k: (f, (3, 7)) for k, f in ACTIVATIONS.items()}}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer(name, tmp_path):
    make, shape = CASES[name]
    scale = 4.0 if name in ACTIVATIONS else 1.0  # reach the saturated / thresholded parts
    proto = check(make(), *_pair(*shape, scale=scale), tmp_path=tmp_path)
    assert proto.opset_import[0].version == 17


def test_dropout_is_the_identity_and_training_mode_comes_back(tmp_path):
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 3), nn.Dropout(0.9))
    model.train()
    model[2].eval()
    dg.onnx.export(model, _x(2, 4))
    assert [m.training for m in model.modules()] == [True, True, True, False]  # as they were
    assert all("forward" not in m.__dict__ for m in model.modules())
    proto = check(model, *_pair(4), tmp_path=tmp_path)
    assert [n.op_type for n in proto.graph.node] == ["Gemm", "Identity"]  # the output's name


def test_embedding(tmp_path):
    model = nn.Sequential(nn.Embedding(20, 6, padding_idx=0), nn.Linear(6, 3))
    rng = np.random.default_rng(0)
    check(model, rng.integers(0, 20, (2, 5)), rng.integers(0, 20, (4, 5)), tmp_path=tmp_path)


RECURRENT = {
    "lstm": lambda: nn.LSTM(4, 6),
    "lstm_2_layers_bidirectional": lambda: nn.LSTM(4, 6, num_layers=2, bidirectional=True),
    "lstm_no_bias": lambda: nn.LSTM(4, 5, bias=False),
    "gru": lambda: nn.GRU(4, 6),
    "gru_2_layers_bidirectional": lambda: nn.GRU(4, 6, num_layers=2, bidirectional=True),
    "rnn_tanh": lambda: nn.RNN(4, 6, num_layers=2),
    "rnn_relu_bidirectional": lambda: nn.RNN(4, 6, nonlinearity="relu", bidirectional=True),
}


@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_recurrent(name, tmp_path):
    layer = RECURRENT[name]()
    # time-first (T, N, F): both T and N free in the file
    proto = check(layer, _x(5, 3, 4), _x(9, 2, 4, seed=1), tmp_path=tmp_path,
                  dynamic_axes={0: "time", 1: "batch"})
    op = name.split("_")[0].upper()
    assert sum(n.op_type == op for n in proto.graph.node) == layer.num_layers


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent_batch_first_with_initial_state(kind, tmp_path):
    layer = getattr(nn, kind)(4, 6, num_layers=2, bidirectional=True, batch_first=True)
    h = _x(4, 3, 6, seed=2)
    hx = (h, _x(4, 3, 6, seed=3)) if kind == "LSTM" else h
    other = (h[:, :2] * 0.5, _x(4, 2, 6, seed=4)) if kind == "LSTM" else h[:, :2] * 0.5
    states = {f"input_{k}": {1: "batch"} for k in range(1, 3 if kind == "LSTM" else 2)}
    check(layer, (_x(3, 5, 4), hx), (_x(2, 8, 4, seed=1), other), tmp_path=tmp_path,
          dynamic_axes={"input_0": {0: "batch", 1: "time"}, **states})


def test_gate_orders_matter(tmp_path):
    """The LSTM's blocks permuted as ONNX orders them: exporting with deepgrad's order instead
    would give another function (so the tests above can fail)."""
    from deepgrad.onnx import recurrent

    layer = nn.LSTM(3, 4)
    x = _x(6, 2, 3)
    check(layer, x, tmp_path=tmp_path)
    kept = recurrent.GATE_ORDER["LSTM"]
    recurrent.GATE_ORDER["LSTM"] = [0, 1, 2, 3]
    try:
        with pytest.raises(AssertionError):
            check(layer, x, tmp_path=tmp_path)
    finally:
        recurrent.GATE_ORDER["LSTM"] = kept


class _Residual(nn.Module):
    """A model's own forward between layers: flatten, add, mul by a constant, cat, matmul."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.fc = nn.Linear(2 * 4 * 4 * 2, 3)
        self.w = dg.nn.Parameter(np.ones((3, 3), np.float32) * 0.5)

    def forward(self, x):
        y = F.relu(self.conv(x) + x) * 0.5 - x / 4
        z = dg.cat([y, F.sigmoid(x)], 1).flatten(1)
        return F.tanh(self.fc(z)) @ self.w


def test_ops_between_layers(tmp_path):
    proto = check(_Residual(), *_pair(2, 4, 4), tmp_path=tmp_path)
    ops = {n.op_type for n in proto.graph.node}
    assert {"Add", "Mul", "Sub", "Div", "Concat", "Reshape", "MatMul", "Sigmoid"} <= ops
    assert "w" in {i.name for i in proto.graph.initializer}


class _Softmaxing(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return F.softmax(self.fc(x), 1)


def test_refusals_name_the_layer_and_its_path(tmp_path):
    cases = [
        (nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), nn.GroupNorm(2, 4))),
         r"layer '1\.1' \(GroupNorm\).*no conversion"),
        (nn.Sequential(nn.Linear(4, 4), nn.Lambda(lambda t: t * 2)), r"'1' \(Lambda\)"),
        (nn.Sequential(nn.Linear(4, 4), _Softmaxing()),
         r"op 'softmax'.*of the layer '1' \(_Softmaxing\).*nn\.Softmax\(dim\)"),
        (nn.Sequential(nn.BatchNorm1d(4, track_running_stats=False)),
         r"'0' \(BatchNorm1d\).*running statistics"),
        (nn.Sequential(nn.Dense(4, activation=lambda t: t * 3)), r"activation.*'0' \(Dense\)"),
    ]
    for model, match in cases:
        with pytest.raises(ExportError, match=match):
            dg.onnx.export(model, _x(2, 4), tmp_path / "m.onnx")
        assert all("forward" not in m.__dict__ for m in model.modules())  # unwrapped again
    with pytest.raises(ExportError, match=r"'0' \(MaxPool2d\).*return_indices"):
        dg.onnx.export(nn.Sequential(nn.MaxPool2d(2, return_indices=True)), _x(1, 1, 4, 4))

    class Lengths(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.GRU(4, 3)

        def forward(self, x):
            return self.rnn(x, lengths=np.array([3, 2]))[0]

    with pytest.raises(ExportError, match=r"'rnn' \(GRU\).*lengths"):
        dg.onnx.export(Lengths(), _x(3, 2, 4))
    assert not (tmp_path / "m.onnx").exists()
    with pytest.raises(ExportError, match="Module"):
        dg.onnx.export(lambda x: x, _x(2, 4))


def test_without_the_onnx_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "deepgrad\[onnx\]"'):
        dg.onnx.export(nn.Linear(2, 2), _x(1, 2))


def test_parameters_keep_their_state_dict_names(tmp_path):
    from deepgrad.models import mnist_cnn

    model = randomize_batch_norm(mnist_cnn())
    proto = check(model, *_pair(1, 28, 28), tmp_path=tmp_path)
    inits = {i.name: i for i in proto.graph.initializer}
    for name, value in model.state_dict().items():
        if not name.endswith("num_batches_tracked"):
            np.testing.assert_array_equal(onnx.numpy_helper.to_array(inits[name]), value)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_input_and_output_names(tmp_path):
    layer = nn.LSTM(3, 4)
    proto = dg.onnx.export(layer, _x(5, 2, 3), tmp_path / "m.onnx", input_names=["tokens"],
                           output_names=["y", "h_n", "c_n"])
    assert [i.name for i in proto.graph.input] == ["tokens"]
    assert [o.name for o in proto.graph.output] == ["y", "h_n", "c_n"]
    with pytest.raises(ExportError, match="2 output names for 3 outputs"):
        dg.onnx.export(layer, _x(5, 2, 3), output_names=["y", "h"])
    with pytest.raises(ExportError, match="dynamic_axes names"):
        dg.onnx.export(layer, _x(5, 2, 3), dynamic_axes={"x": {0: "time"}})
