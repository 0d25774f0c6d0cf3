"""Keras' Dense(units, input_shape=...) / input_dim=: the weights exist at construction."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn


def test_input_shape_and_input_dim_build_at_once():
    dg.manual_seed(0)
    a = nn.Dense(4, input_shape=(3,))
    b = nn.Dense(4, input_dim=3)
    for layer in (a, b):
        assert layer.built and layer.weight.shape == (4, 3) and layer.bias.shape == (4,)
        assert len(list(layer.parameters())) == 2  # an optimizer can be made right away
    seq = nn.Dense(2, input_shape=(None, 5))  # Keras: a free sequence length, 5 features
    assert seq.weight.shape == (2, 5)
    assert seq.__dict__["_build_input_shape"] == (None, None, 5)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    t = torch.nn.Linear(3, 4)
    a.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    np.testing.assert_allclose(a(dg.tensor(x)).data, t(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)  # float32 GEMMs round differently


def test_input_shape_errors_are_clear():
    with pytest.raises(ValueError, match="disagrees"):
        nn.Dense(4, input_dim=3, input_shape=(5,))
    with pytest.raises(ValueError, match="last dim known"):
        nn.Dense(4, input_shape=(3, None))
    with pytest.raises(TypeError, match="input_shape must be a tuple"):
        nn.Dense(4, input_shape="3")
    assert nn.Dense(4, input_shape=7).weight.shape == (4, 7)


def test_a_lazy_dense_records_the_shape_of_its_first_input():
    layer = nn.Dense(2)
    layer(dg.tensor(np.zeros((5, 7, 3), np.float32)))
    assert layer.__dict__["_build_input_shape"] == (None, 7, 3)
