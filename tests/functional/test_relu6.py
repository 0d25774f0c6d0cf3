"""relu6 / hardtanh against PyTorch in float64 (values, gradients, finite differences)."""

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn

torch = pytest.importorskip("torch")
from parity.float64 import same  # noqa: E402


def _x():
    x = np.random.default_rng(0).standard_normal((3, 4, 5)) * 5
    x[0, 0, :4] = [0.0, 6.0, -1.0, 1.0]  # exactly on the bounds: gradient 0 there, as PyTorch
    return x


def test_relu6_matches_torch():
    same(F.relu6, torch.nn.functional.relu6, [_x()])


@pytest.mark.parametrize("layout", [None, "transposed"])
def test_hardtanh_matches_torch(layout):
    same(lambda x: F.hardtanh(x, -1.0, 2.0), lambda x: torch.nn.functional.hardtanh(x, -1.0, 2.0),
         [_x()], layout=layout)


def test_gradcheck_away_from_the_kinks():
    x = np.random.default_rng(1).uniform(0.5, 5.5, (4, 6))
    assert dg.gradcheck(F.relu6, x)


def test_layer_keeps_float32_and_memory_order():
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5)).astype(np.float32) * 8
    cl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)  # NHWC memory
    y = nn.ReLU6()(dg.tensor(cl)).data
    assert y.dtype == np.float32 and y.transpose(0, 2, 3, 1).flags.c_contiguous
    np.testing.assert_array_equal(y, np.clip(x, 0, 6))
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(dg.tensor(x), 2.0, 1.0)
