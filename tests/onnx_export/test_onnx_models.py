"""Whole networks of deepgrad.models exported to ONNX and run by onnxruntime: the same outputs
as deepgrad's forward (1e-5), on the example batch and on a batch of another size."""

import numpy as np
import pytest
from onnx_check import check, randomize_batch_norm

import deepgrad as dg
from deepgrad.models import BasicBlock, CharRNN, cifar_cnn, lenet5, mlp, mnist_cnn, resnet18


def _images(n, c, size, seed=0):
    return np.random.default_rng(seed).random((n, c, size, size), dtype=np.float32)


@pytest.fixture(autouse=True)
def _seed():
    dg.manual_seed(0)


IMAGE_MODELS = {
    "mnist_mlp": (lambda: mlp([784, 128, 64, 10]), 1, 28),
    "mnist_mlp_bn_dropout": (lambda: mlp([784, 64, 10], batch_norm=True, dropout=0.3), 1, 28),
    "mnist_mlp_sigmoid": (lambda: mlp([784, 32, 10], activation="sigmoid"), 1, 28),
    "mnist_cnn": (mnist_cnn, 1, 28),
    "mnist_cnn_no_bn": (lambda: mnist_cnn(batch_norm=False), 1, 28),
    "lenet5": (lenet5, 1, 32),
    "lenet5_relu_max_28": (lambda: lenet5(input_size=28, activation="relu", pool="max"), 1, 28),
    "cifar_cnn_bn": (lambda: cifar_cnn(batch_norm=True), 3, 32),
}


@pytest.mark.parametrize("name", sorted(IMAGE_MODELS))
def test_image_model(name, tmp_path):
    make, c, size = IMAGE_MODELS[name]
    model = randomize_batch_norm(make())
    check(model, _images(4, c, size), _images(3, c, size, seed=1), tmp_path=tmp_path)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_char_rnn(cell, tmp_path):
    """Embedding, a two-layer recurrent net (batch_first) and a dense read-out per step."""
    model = CharRNN(30, embed=8, hidden=16, cell=cell, num_layers=2)
    rng = np.random.default_rng(0)
    check(model, rng.integers(0, 30, (3, 6)), rng.integers(0, 30, (5, 11)), tmp_path=tmp_path,
          dynamic_axes={0: "batch", 1: "time"})


def test_residual_blocks(tmp_path):
    """ResNet's BasicBlock: out + identity, the same ReLU module called twice, a downsample."""
    nn = dg.nn
    shortcut = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
    model = randomize_batch_norm(nn.Sequential(BasicBlock(8, 8),
                                               BasicBlock(8, 16, stride=2, downsample=shortcut)))
    check(model, _images(2, 8, 8), _images(3, 8, 8, seed=1), tmp_path=tmp_path)


@pytest.mark.slow
def test_resnet18_small_input(tmp_path):
    model = randomize_batch_norm(resnet18(num_classes=10, small_input=True))
    check(model, _images(2, 3, 32), _images(3, 3, 32, seed=1), tmp_path=tmp_path)
