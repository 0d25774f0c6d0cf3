"""Keras' TensorBoard callback: event files TensorBoard reads, written through tensorboardX.

    model.fit(x, y, epochs=5, validation_split=0.1,
              callbacks=[TensorBoard(log_dir="logs", histogram_freq=1, write_images=True)])
    # then: tensorboard --logdir logs

As Keras, the training's events go to ``log_dir/train`` and the validation's to
``log_dir/validation``, the scalars named ``epoch_loss``, ``epoch_accuracy``, ... (the
validation's without their ``val_`` prefix, so TensorBoard draws both runs in one chart) and
``epoch_learning_rate``, at step = the epoch; with ``update_freq="batch"`` or an int N also
``batch_loss``, ``batch_<metric>`` every N batches, at step = the number of batches trained.
Every ``histogram_freq`` epochs (0: never) the histograms ``weights/<name>`` of every
parameter and ``gradients/<name>`` of its gradient from the epoch's last step (names as in
``model.state_dict()``); with ``write_images`` also ``images/<name>``, each weight of two or
more dimensions as a grayscale picture scaled to [0, 1] (a Linear's (out, in) matrix; a
convolution's (out, in, kh, kw) tiled as an (out kh) x (in kw) mosaic). ``write_graph`` writes
the graph of the first training forward (read from the engine as :func:`deepgrad.draw_graph`
reads it: ops with their output shapes, parameters named), shown in TensorBoard's Graphs tab;
``write_steps_per_second`` adds ``epoch_steps_per_second``; ``embeddings_freq`` writes every
``nn.Embedding``'s table for the projector every that many epochs (``embeddings_metadata``:
``{layer name: file of labels}``). ``profile_batch`` is TensorFlow's profiler: only 0.

Writing needs ``tensorboardX`` (no TensorFlow): ``pip install "deepgrad[tensorboard]"``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .callbacks import Callback

__all__ = ["TensorBoard", "graph_def", "weight_image", "INSTALL"]

INSTALL = 'pip install "deepgrad[tensorboard]"  (tensorboardX==2.6.5)'


def _tensorboardx() -> Any:
    """Import tensorboardX without letting it import PyTorch (it would only to accept torch
    tensors, which deepgrad never hands it; PyTorch is no run-time dependency of deepgrad)."""
    blocked = "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None  # type: ignore[assignment]  (import torch -> ImportError)
    try:
        import tensorboardX
    except ImportError as e:
        raise ImportError(f"TensorBoard needs tensorboardX: {INSTALL}") from e
    finally:
        if blocked:
            del sys.modules["torch"]
    return tensorboardX


def weight_image(w: np.ndarray) -> np.ndarray | None:
    """A weight as a (H, W) image in [0, 1]: 2-D as it is, 4-D (out, in, kh, kw) as the
    (out kh) x (in kw) mosaic of its kernels, 3-D (out, in, k) as (out, in k); None for 1-D."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim < 2:
        return None
    if w.ndim == 4:
        o, i, kh, kw = w.shape
        w = w.transpose(0, 2, 1, 3).reshape(o * kh, i * kw)
    elif w.ndim != 2:
        w = w.reshape(w.shape[0], -1)
    lo, hi = float(w.min()), float(w.max())
    return np.zeros_like(w) if hi == lo else (w - lo) / (hi - lo)


def graph_def(tensor: Any, params: Any = None, inputs: dict[str, Any] | None = None) -> Any:
    """The graph behind ``tensor`` (:func:`deepgrad.graph.trace`) as a TensorBoard GraphDef:
    one node per op, parameter and input, named ``<op>_<id>`` (parameters by their names,
    ``0/weight`` so that TensorBoard groups them by layer; named inputs by their names), with
    ``_output_shapes`` and ``dtype`` attributes; each node's inputs in the op's order."""
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboardX.proto.versions_pb2 import VersionDef

    from ..graph import trace

    g = trace(tensor, params, inputs)
    name: dict[str, str] = {}
    for n in g.nodes:
        if n.kind == "parameter":
            name[n.id] = n.label.replace(".", "/")  # TensorBoard groups by "/": by layer
        elif n.kind == "input" and inputs and n.label in inputs:
            name[n.id] = n.label
        elif n.kind in ("op", "output"):
            name[n.id] = f"{n.label.replace('[', '_').replace(']', '')}_{n.id}"
        else:
            name[n.id] = f"{n.kind}_{n.id}"
    inputs: dict[str, list[str]] = {n.id: [] for n in g.nodes}
    for a, b in g.edges:
        inputs[b].append(name[a])
    nodes = []
    for n in reversed(g.nodes):  # inputs before the ops that use them
        attr = {"dtype": AttrValue(s=n.dtype.encode())}
        if n.shape is not None:
            shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in n.shape])
            attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[shape]))
        op = n.label if n.kind in ("op", "output") else n.kind
        nodes.append(NodeDef(name=name[n.id], op=op, input=inputs[n.id], attr=attr))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))


class TensorBoard(Callback):
    """Keras' ``TensorBoard(log_dir="logs", histogram_freq=0, write_graph=True,
    write_images=False, write_steps_per_second=False, update_freq="epoch", profile_batch=0,
    embeddings_freq=0, embeddings_metadata=None)``; see the module docstring."""

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int | tuple | str = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: dict[str, str] | None = None,
    ) -> None:
        for arg, v in (("histogram_freq", histogram_freq), ("embeddings_freq", embeddings_freq)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"TensorBoard: {arg} must be an int >= 0, got {v!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (
            isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1
        ):
            raise ValueError(
                f"TensorBoard: update_freq must be 'epoch', 'batch' or an int >= 1, "
                f"got {update_freq!r}"
            )
        if profile_batch not in (0, None, "0", (0, 0)):
            raise ValueError(
                f"TensorBoard: profile_batch={profile_batch!r} asks for "
                "TensorFlow's profiler, which deepgrad does not have; leave it 0"
            )
        self._tbx = _tensorboardx()
        self.log_dir = Path(log_dir)
        self.histogram_freq, self.write_graph = histogram_freq, bool(write_graph)
        self.write_images, self.write_steps_per_second = (
            bool(write_images),
            bool(write_steps_per_second),
        )
        self.update_freq, self.embeddings_freq = update_freq, embeddings_freq
        self.embeddings_metadata = dict(embeddings_metadata or {})
        self._writers: dict[str, Any] = {}
        self._batches = 0  # batches trained, the step of the batch scalars
        self._graphed: set[int] = set()
        self._hook: Any = None
        self._epoch_start = 0.0
        self._epoch_batches = 0

    # ------------------------------------------------------------------ writers
    def writer(self, run: str = "train") -> Any:
        """The ``SummaryWriter`` of ``log_dir/<run>`` (made on first use)."""
        if run not in self._writers:
            self._writers[run] = self._tbx.SummaryWriter(logdir=str(self.log_dir / run))
        return self._writers[run]

    def _close(self) -> None:
        for w in self._writers.values():
            w.close()
        self._writers = {}

    # ------------------------------------------------------------------ the hooks
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._batches = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start, self._epoch_batches = time.perf_counter(), 0
        model = self.model
        if (
            self.write_graph
            and model is not None
            and id(model) not in self._graphed
            and self._hook is None
        ):
            self._hook = model.register_forward_hook(self._graph_hook)

    def _graph_hook(self, module: Any, inputs: Any, output: Any) -> None:
        from ..tensor import Tensor, is_grad_enabled

        out = output[0] if isinstance(output, tuple | list) else output
        if not is_grad_enabled() or not isinstance(out, Tensor) or out._backward is None:
            return
        self._hook.remove()
        self._hook = None
        self._graphed.add(id(module))
        named = {"input": inputs[0]} if inputs and isinstance(inputs[0], Tensor) else None
        self.writer("train")._get_file_writer().add_onnx_graph(graph_def(out, module, named))

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batches += 1
        self._epoch_batches += 1
        if self.update_freq != "epoch" and self._batches % self.update_freq == 0:
            w = self.writer("train")
            for k, v in _scalars(logs).items():
                w.add_scalar(f"batch_{k}", v, self._batches)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        scalars = _scalars(logs)
        train = {k: v for k, v in scalars.items() if not k.startswith("val_") and k != "lr"}
        val = {k[4:]: v for k, v in scalars.items() if k.startswith("val_")}
        if "learning_rate" not in train and "lr" in scalars:
            train["learning_rate"] = scalars["lr"]
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._epoch_start
            if seconds > 0:
                train["steps_per_second"] = self._epoch_batches / seconds
        w = self.writer("train")
        for k, v in train.items():
            w.add_scalar(f"epoch_{k}", v, epoch)
        if val:
            wv = self.writer("validation")
            for k, v in val.items():
                wv.add_scalar(f"epoch_{k}", v, epoch)
        model = self.model
        if model is not None and self.histogram_freq and epoch % self.histogram_freq == 0:
            self._weights(model, epoch)
        if model is not None and self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._embeddings(model, epoch)
        for writer in self._writers.values():
            writer.flush()

    def _weights(self, model: Any, epoch: int) -> None:
        w = self.writer("train")
        for name, p in model.named_parameters():
            data = np.asarray(p.data, dtype=np.float64)
            if data.size and np.all(np.isfinite(data)):
                w.add_histogram(f"weights/{name}", data, epoch)
            if p.grad is not None and p.grad.size and np.all(np.isfinite(p.grad)):
                w.add_histogram(f"gradients/{name}", np.asarray(p.grad, np.float64), epoch)
            if self.write_images:
                img = weight_image(data)
                if img is not None:
                    w.add_image(f"images/{name}", img, epoch, dataformats="HW")

    def _embeddings(self, model: Any, epoch: int) -> None:
        from ..nn import Embedding

        for name, m in model.named_modules():
            if isinstance(m, Embedding):
                meta = None
                if name in self.embeddings_metadata:
                    meta = Path(self.embeddings_metadata[name]).read_text().splitlines()
                self.writer("train").add_embedding(
                    np.asarray(m.weight.data),
                    metadata=meta,
                    global_step=epoch,
                    tag=name or "embedding",
                )

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._hook is not None:
            self._hook.remove()
            self._hook = None
        self._close()


def _scalars(logs: dict | None) -> dict[str, float]:
    out = {}
    for k, v in (logs or {}).items():
        if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
            out[k] = float(v)
    return out
