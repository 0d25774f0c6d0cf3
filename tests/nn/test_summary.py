"""model.summary(): layer rows, output shapes, parameter counts (= torch's), receptive fields."""

import numpy as np
import pytest
import torch

import deepgrad.nn as nn
from parity.modules import has_op

needs_conv = pytest.mark.skipif(not has_op("conv2d"), reason="F.conv2d not landed yet")
needs_pool = pytest.mark.skipif(not has_op("max_pool2d"), reason="F.max_pool2d not landed yet")


def torch_params(t):
    return sum(p.numel() for p in t.parameters())


def test_mlp_summary_rows_shapes_and_counts():
    model = nn.Sequential(nn.Dense(256, activation="relu"), nn.Dropout(0.2), nn.Dense(10))
    printed = []
    s = model.summary((784,), print_fn=printed.append)
    t = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.Linear(256, 10))
    assert s.total_params == torch_params(t) == 203_530
    assert [r.params for r in s.layers] == [200_960, 0, 2_570]
    assert [r.output_shape for r in s.layers] == [(None, 256), (None, 256), (None, 10)]
    assert [r.type for r in s.layers] == ["Dense", "Dropout", "Dense"]
    text = printed[0]
    assert "Total params: 203,530" in text and "(None, 256)" in text and "0 (Dense)" in text
    assert "Receptive field" not in text  # no conv: no receptive field column
    assert model.training  # the mode is restored after the eval-mode trace


def test_summary_counts_frozen_and_shared_parameters_once():
    shared = nn.Linear(8, 8)
    model = nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared)
    model[0].requires_grad_(False)
    s = model.summary((4,), print_fn=None)
    assert s.total_params == 40 + 72
    assert s.trainable_params == 72 and s.non_trainable_params == 40
    assert len(s.layers) == 4 and s.layers[3].params == 0  # second use: already counted


def test_summary_needs_a_shape_and_accepts_data():
    model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="input_shape"):
        model.summary(print_fn=None)
    s = model.summary(input_data=np.zeros((5, 3), np.float32), print_fn=None)
    assert s.layers[0].output_shape == (5, 2)


@pytest.mark.skipif(not has_op("embedding"), reason="F.embedding pending")
def test_summary_with_embedding_uses_integer_input():
    model = nn.Sequential(nn.Embedding(100, 8), nn.Flatten(), nn.Linear(8 * 6, 2))
    s = model.summary((6,), print_fn=None)
    assert s.layers[0].output_shape == (None, 6, 8) and s.total_params == 800 + 98


@needs_conv
def test_receptive_field_of_two_3x3_convs_is_5_and_dilation_grows_it():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3))
    s = model.summary((1, 16, 16), print_fn=None)
    assert s.receptive_fields() == {"0": 3, "1": 3, "2": 5}
    assert [r.jump for r in s.layers] == [(1, 1)] * 3
    dil = nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.Conv2d(2, 2, 3, stride=2))
    s = dil.summary((1, 20, 20), print_fn=None)
    assert s.receptive_fields() == {"0": 5, "1": 7} and s.layers[1].jump == (2, 2)
    rect = nn.Sequential(nn.Conv2d(1, 2, (3, 5)))
    assert rect.summary((1, 9, 9), print_fn=None).receptive_fields() == {"0": (3, 5)}


@needs_conv
@needs_pool
def test_receptive_field_conv_conv_pool_conv_is_5_6_10():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.Conv2d(8, 8, 3),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3),
        nn.Flatten(),
        nn.Dense(10),
    )
    printed = []
    s = model.summary((3, 32, 32), print_fn=printed.append)
    assert s.receptive_fields() == {"0": 3, "1": 5, "2": 6, "3": 10, "4": "global", "5": "global"}
    assert [r.jump for r in s.layers[:4]] == [(1, 1), (1, 1), (2, 2), (2, 2)]
    assert s.layers[3].output_shape == (None, 16, 12, 12)
    assert "Receptive field" in printed[0] and "global" in printed[0]


@needs_conv
@needs_pool
@pytest.mark.parametrize("batchnorm", [False, True])
def test_issue_cnn_parameter_counts_equal_torch(batchnorm):
    """conv32-conv32-pool-conv64-conv64-pool-dense256-dense10 on 32x32x3 (the benchmark CNN)."""

    def build(lib, bn):
        layers = []
        cin = 3
        for cout in [32, 32, "P", 64, 64, "P"]:
            if cout == "P":
                layers.append(lib.MaxPool2d(2))
                continue
            layers.append(lib.Conv2d(cin, cout, 3, padding=1))
            if bn:
                layers.append(lib.BatchNorm2d(cout))
            layers.append(lib.ReLU())
            cin = cout
        layers += [lib.Flatten(), lib.Linear(64 * 8 * 8, 256), lib.ReLU(), lib.Linear(256, 10)]
        return lib.Sequential(*layers)

    ours, theirs = build(nn, batchnorm), build(torch.nn, batchnorm)
    s = ours.summary((3, 32, 32), print_fn=None)
    assert s.total_params == torch_params(theirs)
    th_rows = [sum(p.numel() for p in m.parameters()) for m in theirs]
    assert [r.params for r in s.layers] == th_rows
    x = torch.zeros(1, 3, 32, 32)
    th_shapes = []
    for m in theirs:
        x = m(x)
        th_shapes.append((None, *x.shape[1:]))
    assert [r.output_shape for r in s.layers] == th_shapes
    assert s.layers[-1].receptive_field == "global"
    # conv3-conv3-pool-conv3-conv3-pool: rf 3, 5, 6, 10, 14, 16
    convs_and_pools = [r.receptive_field for r in s.layers if r.type in ("Conv2d", "MaxPool2d")]
    assert [int(rf[0]) for rf in convs_and_pools] == [3, 5, 6, 10, 14, 16]


@pytest.mark.skipif(not has_op("conv_transpose2d"), reason="F.conv_transpose2d pending")
def test_transposed_conv_divides_the_jump():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.ConvTranspose2d(2, 1, 2, stride=2))
    s = model.summary((1, 9, 9), print_fn=None)
    assert s.layers[1].jump == (1, 1) and s.layers[1].output_shape == (None, 1, 8, 8)


def test_summary_without_shape_after_fit_uses_the_shapes_seen():
    import deepgrad as dg

    x = np.random.default_rng(0).standard_normal((40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(5, activation="relu"), nn.Dense(1, activation="sigmoid"))
    with pytest.raises(ValueError, match="input shape is not known yet"):
        model.summary(print_fn=None)
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    s = model.summary(print_fn=None)
    assert [r.output_shape for r in s.layers] == [(None, 5), (None, 1)]
    assert s.total_params == 6 * 5 + 5 + 5 + 1
    assert str(s) == str(model.summary((6,), print_fn=None))


def test_summary_of_a_model_whose_first_dense_has_input_shape():
    model = nn.Sequential(nn.Dense(8, activation="relu", input_shape=(30,)), nn.Dense(2))
    s = model.summary(print_fn=None)
    assert s.total_params == 30 * 8 + 8 + 8 * 2 + 2
    assert [r.output_shape for r in s.layers] == [(None, 8), (None, 2)]
    emb = nn.Sequential(nn.Embedding(20, 4), nn.Dense(3))
    emb.predict(np.array([[1, 2, 3], [4, 5, 6]]))  # integer tokens: the dtype is kept
    assert emb.summary(print_fn=None).layers[-1].output_shape == (None, 3, 3)
