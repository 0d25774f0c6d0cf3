"""The float32 GEMM on one thread: OpenBLAS's or oneDNN's (optional ``onednn-cpu-gomp``), the
choice forced or measured, and the convolutions == PyTorch on each."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import _blas
from deepgrad.functional import _conv_kernels as K
from deepgrad.functional import _gemm
from parity import check, randn

ONEDNN = _blas._onednn_library()
needs_onednn = pytest.mark.skipif(
    ONEDNN is None or not _gemm.HAVE_CBLAS,
    reason="needs OpenBLAS and oneDNN: pip install 'deepgrad[fast]'",
)


class _Counting:
    """A serial sgemm that counts its calls (to prove a path really used it)."""

    def __init__(self, fn):
        self.fn, self.calls, self.name = fn, 0, getattr(fn, "name", "OpenBLAS")

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)


@pytest.fixture(params=["openblas", "onednn"])
def sgemm(request, monkeypatch):
    """Route every float32 GEMM of the conv kernels to one library, on one thread."""
    if request.param == "onednn":
        if ONEDNN is None or not _gemm.HAVE_CBLAS:
            pytest.skip("needs OpenBLAS and oneDNN: pip install 'deepgrad[fast]'")
        fn = _Counting(_blas._OneDnnSgemm(ONEDNN))
        monkeypatch.setattr(_blas, "_SERIAL", [fn])
        monkeypatch.setattr(_gemm, "one_blas_thread", lambda: True)
        return fn
    monkeypatch.setattr(_blas, "_SERIAL", [None])
    return None


def _run(env: dict) -> subprocess.CompletedProcess:
    code = "from deepgrad import _blas; print(_blas.blas_info())"
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_choice_forced_by_the_environment():
    out = _run({"DEEPGRAD_SGEMM": "openblas"})
    assert out.returncode == 0, out.stderr
    assert "float32 on one thread: OpenBLAS (DEEPGRAD_SGEMM=openblas)" in out.stdout
    bad = _run({"DEEPGRAD_SGEMM": "mkl"})
    assert bad.returncode != 0
    assert "DEEPGRAD_SGEMM must be 'openblas' or 'onednn', got 'mkl'" in bad.stderr


@needs_onednn
def test_choice_measured_or_forced_with_onednn_installed():
    forced = _run({"DEEPGRAD_SGEMM": "onednn"})
    assert forced.returncode == 0, forced.stderr
    assert "dnnl_sgemm (DEEPGRAD_SGEMM=onednn)" in forced.stdout
    measured = _run({"DEEPGRAD_SGEMM": ""})
    assert measured.returncode == 0, measured.stderr
    assert "measured" in measured.stdout and "x OpenBLAS's speed" in measured.stdout


@needs_onednn
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("beta", [0.0, 1.0, 0.5])
def test_onednn_gemm_on_row_strided_views(monkeypatch, trans_a, trans_b, beta):
    sgemm = _Counting(_blas._OneDnnSgemm(ONEDNN))
    monkeypatch.setattr(_blas, "_SERIAL", [sgemm])
    monkeypatch.setattr(_gemm, "one_blas_thread", lambda: True)
    rng = np.random.default_rng(0)
    buf = rng.standard_normal((40, 30)).astype(np.float32)
    a = buf[3:20, 2:13] if not trans_a else buf[3:14, 2:19]  # (17, 11) or (11, 17)
    b = rng.standard_normal((9, 11) if trans_b else (11, 9)).astype(np.float32)
    cbuf = rng.standard_normal((25, 12)).astype(np.float32)
    c = cbuf[4:21, 1:10]
    want = 0.75 * (a.T if trans_a else a) @ (b.T if trans_b else b) + beta * c
    outside = cbuf.copy()
    _gemm.gemm(a, b, c, alpha=0.75, beta=beta, trans_a=trans_a, trans_b=trans_b)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)
    outside[4:21, 1:10] = c
    np.testing.assert_array_equal(cbuf, outside)  # nothing written beside the view
    assert sgemm.calls == 1


CASES = [  # the DCGAN's and SegNet's layer kinds, small
    ("conv", (2, 16, 9, 8), (24, 16, 4, 4), {"stride": 2, "padding": 1}),
    ("conv", (2, 16, 7, 6), (16, 16, 3, 3), {"padding": 1}),
    ("conv", (1, 16, 6, 6), (16, 8, 3, 3), {"padding": 1, "groups": 2}),
    ("transposed", (2, 16, 5, 4), (16, 8, 4, 4), {"stride": 2, "padding": 1}),
    ("transposed", (2, 16, 5, 4), (16, 16, 2, 2), {"stride": 2}),
]


@pytest.mark.parametrize("kind,xs,ws,kw", CASES)
def test_convs_match_torch_on_each_sgemm(sgemm, monkeypatch, kind, xs, ws, kw):
    """float32 forward and gradients == PyTorch, float64 gradcheck (OpenBLAS's dgemm), with the
    row blocks on worker threads."""
    monkeypatch.setattr(K, "FAST_MIN_CHANNELS", 1)
    monkeypatch.setattr(K, "FAST_MIN_POSITIONS", 0)
    monkeypatch.setattr(_gemm, "MIN_SPLIT_ROWS", 1)
    ours = F.conv2d if kind == "conv" else F.conv_transpose2d
    ref = TF.conv2d if kind == "conv" else TF.conv_transpose2d
    out_c = ws[0] if kind == "conv" else ws[1] * kw.get("groups", 1)
    check(
        lambda x, w, b: ours(x, w, b, **kw),
        lambda x, w, b: ref(x, w, b, **kw),
        [randn(*xs, seed=1), randn(*ws, seed=2), randn(out_c, seed=3)],
        atol=2e-5,
    )
    if sgemm is not None:
        assert sgemm.calls > 0


def test_a_float32_model_stays_float32_on_each_sgemm(sgemm):
    conv = dg.nn.Conv2d(16, 16, 3, padding=1)
    x = dg.tensor(randn(2, 16, 8, 8, seed=1).astype(np.float32), requires_grad=True)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert conv.weight.grad.dtype == np.float32
