"""ONNX export: ``deepgrad.onnx.export(model, example_input, path)``, a file other runtimes run.

    import deepgrad as dg
    from deepgrad.models import mnist_cnn
    dg.onnx.export(model, x_batch, "mnist_cnn.onnx")
    # onnxruntime.InferenceSession("mnist_cnn.onnx").run(None, {"input": x_batch})

The model runs once on ``example_input`` (a NumPy array or Tensor, or a tuple of them for a
model taking several) in eval mode, and that run is written as ONNX (opset 17, IR version 8),
as ``torch.onnx``'s tracer does: each layer with a conversion becomes its ONNX op(s) (weights
as initializers under their state-dict names); the ops of a model's own ``forward`` between its
layers (``x.flatten(1)``, ``out + identity``) are read back from the autodiff graph. Values the
forward computes outside the graph (from ``.data`` or NumPy) are written as constants.

Layers converted: Linear/LazyLinear/Dense (with their ``activation=``), Conv1d/Conv2d
(``padding='same'`` too)/ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (sizes
that divide the input), GlobalAvgPool2d/GlobalMaxPool2d, BatchNorm1d/2d/3d (running
statistics), LayerNorm, ReLU/ReLU6/LeakyReLU/ELU/SELU/Sigmoid/Tanh/Softplus/GELU/SiLU/Softmax/
LogSoftmax, Flatten/Unflatten, Dropout/Dropout2d/Identity (the identity), Embedding, and
LSTM/GRU/RNN (stacked, bidirectional, batch_first, with or without an initial state; gate
orders mapped, see :mod:`deepgrad.onnx.recurrent`). Containers and model classes need no
conversion. Any other layer stops the export with an :class:`ExportError` naming its path in
the model and its type.

``dynamic_axes`` names the input dimensions left free in the file: ``{0: "batch"}`` (the
default: dimension 0 of every input), ``{}`` (all fixed), or one mapping per input name as
PyTorch's (``{"input_0": {0: "batch", 1: "time"}, "input_1": {1: "batch"}}``). Reshapes keep
dimension 0 free when the traced shapes agree on it; other sizes are those of the example.

Needs the ``onnx`` package: ``pip install "deepgrad[onnx]"``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .trace import ExportError

__all__ = ["export", "ExportError", "INSTALL"]

INSTALL = 'ONNX export needs the onnx package: pip install "deepgrad[onnx]"'


def export(
    model: Any,
    example_input: Any,
    path: str | os.PathLike | None = None,
    dynamic_axes: Mapping[int, str] | Mapping[str, Mapping[int, str]] | None = None,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
) -> Any:
    """Write ``model``, traced on ``example_input``, as an ONNX file at ``path`` (atomically;
    ``None``: not written) and return the ``onnx.ModelProto``, checked by ``onnx.checker``.

    Inputs are named ``input`` (``input_0``, ``input_1``, ... for several), outputs ``output``
    (``output_0``, ... for a tuple, flattened: an LSTM gives output, h_n, c_n) unless
    ``input_names`` / ``output_names`` say otherwise.
    """
    try:
        import onnx  # noqa: F401
    except ImportError as e:
        raise ImportError(INSTALL) from e
    from .exporter import export as _export

    return _export(model, example_input, path, dynamic_axes, input_names, output_names)
