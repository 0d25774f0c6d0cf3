"""The ONNX tests' reference: the exported file, checked by onnx.checker and run by onnxruntime,
gives deepgrad's eval-mode outputs (1e-5), on the example and on other inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.onnx.trace import tensors_in

onnx = pytest.importorskip("onnx", reason='pip install "deepgrad[onnx]"')
ort = pytest.importorskip("onnxruntime", reason="pip install onnxruntime")

TOL = 1e-5


def _array(v: Any) -> np.ndarray:
    a = np.asarray(v)
    return a.astype(np.float32) if a.dtype.kind == "f" else a  # the models here are float32


def _flat(v: Any) -> list[np.ndarray]:
    if isinstance(v, tuple | list):
        return [a for x in v for a in _flat(x)]
    return [_array(v)]


def _tensors(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return tuple(_tensors(a) for a in v)
    a = _array(v)
    return dg.Tensor(a, dtype=a.dtype)


def check(model: dg.nn.Module, example: Any, *others: Any, tmp_path, dynamic_axes=None,
          tol: float = TOL) -> Any:
    """Export, check, run every input given in onnxruntime and compare with deepgrad."""
    path = tmp_path / "model.onnx"
    proto = dg.onnx.export(model, example, path, dynamic_axes=dynamic_axes)
    loaded = onnx.load(str(path))
    assert loaded.SerializeToString() == proto.SerializeToString()
    onnx.checker.check_model(loaded, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    model.eval()
    for x in (example, *others):
        args = x if isinstance(x, tuple) else (x,)
        with dg.no_grad():
            want = [t.numpy() for t in tensors_in(model(*_tensors(args)))]
        feeds = _flat(args)
        assert len(feeds) == len(names)
        got = session.run(None, dict(zip(names, feeds, strict=True)))
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol)
    return proto


def randomize_batch_norm(model: dg.nn.Module, seed: int = 0) -> dg.nn.Module:
    """Running statistics, gamma and beta away from their initial 0/1 (as after training)."""
    rng = np.random.default_rng(seed)
    for m in model.modules():
        if isinstance(m, dg.nn.BatchNorm1d | dg.nn.BatchNorm2d | dg.nn.BatchNorm3d):
            c = m.num_features
            if m.running_mean is not None:
                m.running_mean[...] = rng.standard_normal(c)
                m.running_var[...] = rng.uniform(0.5, 2.0, c)
            if m.weight is not None:
                m.weight.data[...] = rng.uniform(0.5, 1.5, c)
            if m.bias is not None:
                m.bias.data[...] = rng.standard_normal(c)
    return model
