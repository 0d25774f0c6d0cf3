"""The BLAS bridge under the conv kernels: gemm with beta, and row blocks on worker threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from deepgrad.functional import _gemm

needs_control = pytest.mark.skipif(
    not (_gemm.HAVE_CBLAS and _gemm._BLAS.cpu_number is not None and _gemm.blas_threads() > 1),
    reason="needs OpenBLAS with thread control and more than one thread",
)


def test_gemm_accumulates_into_row_strided_views():
    rng = np.random.default_rng(0)
    buf = rng.standard_normal((10, 7)).astype(np.float32)
    a, b = buf[1:6, :3], rng.standard_normal((4, 3)).astype(np.float32)
    c = rng.standard_normal((5, 4)).astype(np.float32)
    want = 0.5 * a @ b.T + 2.0 * c
    _gemm.gemm(a, b, c, alpha=0.5, beta=2.0, trans_b=True)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


@needs_control
def test_split_rows_stops_openblas_workers_and_restores_the_thread_count(monkeypatch):
    """During the blocks no OpenBLAS worker runs (they would spin on the same cores) and the
    BLAS is single-threaded; afterwards the count is back and a threaded matmul still works."""
    monkeypatch.setattr(_gemm, "MIN_SPLIT_ROWS", 1)
    before = _gemm.blas_threads()
    x = np.ones((256, 256), dtype=np.float32)
    x @ x  # starts OpenBLAS's workers
    assert _gemm._BLAS.server_avail.value
    seen = []

    def block(r0: int, r1: int) -> tuple[int, int]:
        seen.append((_gemm._BLAS.server_avail.value, _gemm._BLAS.cpu_number.value))
        return r0, r1

    parts = _gemm.split_rows(block, 10)
    assert parts == [(0, 5), (5, 10)] if before == 2 else len(parts) == before
    assert all(s == (0, 1) for s in seen)
    assert _gemm.blas_threads() == before
    y = np.arange(300 * 300, dtype=np.float32).reshape(300, 300) / 9e4
    np.testing.assert_allclose(y @ y, y.astype(np.float64) @ y, rtol=1e-4)


@needs_control
def test_split_rows_leaves_threading_to_openblas_when_other_threads_exist(monkeypatch):
    """Another Python thread might be inside BLAS: the workers are not stopped, one block."""
    monkeypatch.setattr(_gemm, "MIN_SPLIT_ROWS", 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="someone-else")
    other.start()
    try:
        x = np.ones((256, 256), dtype=np.float32)
        x @ x
        parts = _gemm.split_rows(lambda r0, r1: (r0, r1, _gemm._BLAS.server_avail.value), 10)
    finally:
        stop.set()
        other.join()
    assert parts == [(0, 10, 1)]


@pytest.mark.parametrize("blas", [True, False])
def test_gemm_blocks_on_buffer_blocks(monkeypatch, blas):
    """Blocks addressed by (row, row end, column, column end), transposes, beta; the same
    answer through BLAS and through the NumPy fallback; mismatched blocks are refused."""
    if not blas:
        monkeypatch.setattr(_gemm, "_BLAS", None)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((9, 6)).astype(np.float32)
    b = rng.standard_normal((8, 5)).astype(np.float32)
    c = rng.standard_normal((7, 7)).astype(np.float32)
    want = c.copy()
    want[1:4, 2:5] = a[2:5, 1:4] @ b[3:6, 0:3].T + 0.5 * c[1:4, 2:5]
    A, B, C = _gemm.Buffer(a), _gemm.Buffer(b), _gemm.Buffer(c)
    _gemm.gemm_blocks(A, (2, 5, 1, 4), B, (3, 6, 0, 3), C, (1, 4, 2, 5), trans_b=True, beta=0.5)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)
    want[0:3, 0:2] = a[0:4, 0:3].T @ b[0:4, 0:2]
    _gemm.gemm_blocks(A, (0, 4, 0, 3), B, (0, 4, 0, 2), C, (0, 3, 0, 2), trans_a=True, beta=0.0)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="do not agree"):
        _gemm.gemm_blocks(A, (0, 4, 0, 3), B, (0, 4, 0, 2), C, (0, 2, 0, 2))
    with pytest.raises(ValueError, match="C-contiguous 2-D"):
        _gemm.Buffer(a[:, ::2])
