"""The JIT switch: kernels compile on first call, and can be switched off."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from deepgrad import _jit


@_jit.jit
def _scaled_sum(x, a):
    s = 0.0
    for i in range(x.size):
        s += a * x[i]
    return s


def test_kernel_compiles_and_computes():
    if not _jit.enabled():
        pytest.skip("numba not installed or switched off")
    x = np.arange(10, dtype=np.float64)
    assert _scaled_sum(x, 2.0) == pytest.approx(90.0)
    assert _scaled_sum.compiled is not None


def test_switch_off(monkeypatch):
    monkeypatch.setattr(_jit, "ENABLED", False)
    assert not _jit.enabled()


def test_import_deepgrad_does_not_import_numba():
    code = "import sys, deepgrad; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
