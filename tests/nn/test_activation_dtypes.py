"""Integer inputs to float-only activations, functional batch_norm's momentum, Dropout(inplace)."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.functional as F
import deepgrad.nn as nn


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "gelu", "silu", "softplus"])
def test_float_only_activations_refuse_integers_as_torch(name):
    with pytest.raises(NotImplementedError):
        getattr(torch.nn.functional, name)(torch.tensor([1, -2]))
    with pytest.raises(TypeError, match=f"{name}: the input must be floating point.*int64"):
        getattr(F, name)(dg.tensor(np.array([1, -2])))


def test_functional_batch_norm_refuses_momentum_none_clearly():
    with pytest.raises(TypeError):
        torch.nn.functional.batch_norm(torch.randn(4, 3), torch.zeros(3), torch.ones(3),
                                       training=True, momentum=None)
    with pytest.raises(TypeError, match="momentum must be a number.*BatchNorm2d"):
        F.batch_norm(dg.randn(4, 3), np.zeros(3, np.float32), np.ones(3, np.float32),
                     training=True, momentum=None)


@pytest.mark.parametrize("layer", ["Dropout", "Dropout2d"])
def test_dropout_inplace_writes_into_its_input_as_torch(layer):
    x = dg.randn(2, 3, 4, 4)
    before = x.data.copy()
    dg.manual_seed(0)
    y = getattr(nn, layer)(0.5, inplace=True)(x)
    assert y is x and not np.array_equal(x.data, before)  # x itself now holds the output
    kept = x.data != 0
    np.testing.assert_allclose(x.data[kept], 2 * before[kept], rtol=1e-6)
    t = torch.randn(2, 3, 4, 4)
    assert getattr(torch.nn, layer)(0.5, inplace=True)(t) is t  # the behaviour followed
