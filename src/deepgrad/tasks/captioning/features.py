"""The frozen image encoders of the captioning task, and the on-disk cache of their features.

Encoders (``--encoder``):

- ``scene-cnn`` (default for the scenes): :class:`deepgrad.models.captioner.SceneEncoder`,
  trained here as a classifier on one-object canvases (real MNIST / Fashion-MNIST training
  images at random sizes and places, :mod:`deepgrad.data.scenes_single`), then frozen.
- ``efficientnet-lite0``: the pretrained ImageNet-1k EfficientNet-Lite0, for real photos: its
  (N, 1,280, H/32, W/32) head map gives the annotations, their mean the vector.

Each encoder gives every image a *vector* (for the decoder without attention) and
*annotations* (L location vectors, for the attention decoder). Every annotation ends with its
location's (x, y) in [-1, 1] (:func:`with_positions`): a convolutional feature is nearly blind to
where it sits, and "A to the left of B" needs the attention to find the left one. The scene
CNN's annotation is its classifier's ten class scores at that location (what), then (x, y)
(where); EfficientNet-Lite0's is its 1,280 head features, then (x, y).

Measured on the default scenes (test split: 1,000 scenes of held-out compositions), the
attention decoder's content accuracy: 0.474 on the raw 128-channel map (session 7's full run, AMD
EPYC); 0.755 on class scores + (x, y), beam with GNMT alpha 0.6, and 0.836 with alpha 1.0
(session 8, Intel Xeon, the same encoder recipe, 20 epochs).

Both are computed once per split and stored as ``.npy`` files read memory-mapped, in a folder
named by a key of the encoder's weights (and feature layout) and of the image files'
checksums, with a ``meta.json`` that is checked on every read: a cache written by another
encoder, or for other images, is refused, never used.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ... import functional as F
from ...data.store import md5_file
from ...models.captioner import SceneEncoder
from ...tensor import Tensor, no_grad
from ..contract import TaskError
from ..rundir import write_json

__all__ = ["Encoder", "with_positions", "scene_encoder", "efficientnet_encoder",
           "train_scene_encoder", "FeatureCache", "images_digest", "ENCODERS"]

ENCODERS = ("scene-cnn", "efficientnet-lite0")


class Encoder:
    """A frozen image encoder: ``name``, ``digest`` (of its weights), ``load(files)`` (the
    images as its input array), ``encode(x) -> (vectors, annotations)``, ``image_size``."""

    def __init__(self, name: str, net: Any, image_size: int, mode: str,
                 encode: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                 layout: str = "") -> None:
        self.name, self.net, self.image_size, self.mode = name, net, image_size, mode
        self._encode = encode
        # the digest covers the weights and what encode() makes of them (``layout``), so a cache
        # of another feature layout is refused like one of other weights
        self.digest = _weights_digest(net, layout)

    def load(self, images: list[Any]) -> np.ndarray:
        """uint8 images (files, or arrays already decoded), resized to the encoder's input:
        (N, S, S) grey or (N, S, S, 3)."""
        from ...data.images import load_image
        from ...data.store import DataError, MissingDataError

        size = (self.image_size, self.image_size)
        out = []
        for im in images:
            if isinstance(im, np.ndarray):
                out.append(self._conform(im, size))
                continue
            try:
                out.append(load_image(im, size, self.mode))
            except (DataError, MissingDataError, OSError, ValueError) as e:
                raise TaskError(f"captioning: cannot read image {im}: {e}") from e
        return np.stack(out)

    def _conform(self, a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """An array image in the encoder's mode (grey or RGB) and input size."""
        if self.mode == "L" and a.ndim == 3:
            a = a.mean(axis=2).astype(np.uint8)
        if self.mode == "RGB" and a.ndim == 2:
            a = np.repeat(a[:, :, None], 3, axis=2)
        if a.shape[:2] != size:
            from PIL import Image

            a = np.asarray(Image.fromarray(a).resize(size[::-1], Image.BILINEAR))
        return a.astype(np.uint8)

    def encode(self, images: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """float32 (N, F) vectors and (N, L, D) annotations of uint8 ``images``."""
        self.net.eval()
        vs, ans = [], []
        with no_grad():
            for i in range(0, len(images), batch):
                v, a = self._encode(images[i: i + batch])
                vs.append(v)
                ans.append(a)
        return np.concatenate(vs), np.concatenate(ans)


def _weights_digest(net: Any, layout: str = "") -> str:
    h = hashlib.md5(layout.encode())
    for name, value in sorted(net.state_dict().items()):
        arr = np.ascontiguousarray(np.asarray(value.data if isinstance(value, Tensor) else value))
        h.update(name.encode())
        h.update(str(arr.dtype).encode() + str(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def with_positions(ann: np.ndarray, h: int, w: int) -> np.ndarray:
    """(N, h*w, D) annotations of an h x w map (row-major) -> (N, h*w, D + 2): each location's
    vector followed by its centre's (x, y), from -1 (left, top) to 1 (right, bottom)."""
    n, length, _ = ann.shape
    if length != h * w:
        raise ValueError(f"with_positions: {length} annotations for a {h} x {w} map")
    ys, xs = np.meshgrid(np.linspace(-1.0, 1.0, h), np.linspace(-1.0, 1.0, w), indexing="ij")
    xy = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(ann.dtype)
    return np.concatenate([ann, np.broadcast_to(xy, (n, length, 2))], axis=2)


def scene_encoder(net: SceneEncoder, image_size: int = 64) -> Encoder:
    """The scene CNN as a frozen encoder of grey ``image_size`` images (pixels / 255): the
    vector is its feature map max-pooled to 4 x 4 (:meth:`SceneEncoder.vector`); the annotation
    of each of the map's locations is the classifier's 10 class scores there (the classifier was
    trained on the globally max-pooled map, so it reads any location), then its (x, y)."""

    def encode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = Tensor(np.asarray(x, np.float32)[:, None] / np.float32(255.0))
        m = net.feature_map(t)
        n, c, h, w = m.shape
        vec = F.max_pool2d(m, kernel_size=(h // 4, w // 4)).reshape(n, -1)
        scores = net.classifier(m.reshape(n, c, -1).transpose(1, 2))  # (N, L, classes)
        ann = with_positions(np.asarray(scores.data, np.float32), h, w)
        return np.asarray(vec.data, np.float32), np.ascontiguousarray(ann)

    return Encoder("scene-cnn", net, image_size, "L", encode, layout="class-scores+xy")


def efficientnet_encoder(image_size: int = 224, net: Any = None) -> Encoder:
    """The pretrained EfficientNet-Lite0 (its weights fetched into the store on first use)."""
    if image_size < 32 or image_size % 32:
        raise TaskError(f"captioning: image_size must be a multiple of 32 (>= 32) for "
                        f"EfficientNet-Lite0, got {image_size}")
    if net is None:
        from ...models import efficientnet_lite0

        net = efficientnet_lite0(pretrained=True)

    def encode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = np.ascontiguousarray(np.asarray(x, np.float32).transpose(0, 3, 1, 2))
        m = net.extract_features(Tensor((t - np.float32(127.0)) / np.float32(128.0)))
        n, c, h, w = m.shape
        ann = np.asarray(m.data, np.float32).reshape(n, c, -1).transpose(0, 2, 1)
        return (np.ascontiguousarray(ann.mean(axis=1)),
                np.ascontiguousarray(with_positions(ann, h, w)))

    return Encoder("efficientnet-lite0", net, image_size, "RGB", encode, layout="head+xy")


def train_scene_encoder(out: Path, source: str, n: int, epochs: int, seed: int,
                        lr: float = 2e-3) -> tuple[SceneEncoder, dict[str, float]]:
    """Train the scene CNN on ``n`` one-object canvases (and validate on n/10 more), keeping
    the best epoch; its state is saved after every epoch, so an interrupted run resumes."""
    from ...data import mnist
    from ...data.mnist import fashion_mnist
    from ...data.scenes_single import compose_single
    from ...train.checkpoint import save_checkpoint
    from ...train.epochs import train_epochs

    (x, y), (_, _) = mnist() if source == "mnist" else fashion_mnist()
    kind = "mnist" if source == "mnist" else "fashion"
    tr = compose_single(n, x, y, "train", kind, 64, (16, 30), seed)
    va = compose_single(max(100, n // 10), x, y, "val", kind, 64, (16, 30), seed)

    def arrays(scenes: list) -> tuple[np.ndarray, np.ndarray]:
        xs = np.stack([s.image for s in scenes])[:, None].astype(np.float32) / np.float32(255)
        return xs, np.array([s.objects[0].label for s in scenes], np.int64)

    xtr, ytr = arrays(tr)
    xva, yva = arrays(va)
    net = SceneEncoder(classes=10)

    def batches(rng: Any):
        order = rng.permutation(len(xtr))
        for i in range(0, len(order), 128):
            j = order[i: i + 128]
            yield xtr[j], ytr[j]

    def loss_fn(m: SceneEncoder, b: tuple) -> Tensor:
        return F.cross_entropy(m(Tensor(b[0])), b[1])

    def validate(m: SceneEncoder) -> float:
        right = 0
        for i in range(0, len(xva), 256):
            right += int((m(Tensor(xva[i: i + 256])).data.argmax(1) == yva[i: i + 256]).sum())
        return 1.0 - right / len(xva)  # the error rate, minimized

    hist = train_epochs(net, batches, loss_fn, validate, epochs=epochs, lr=lr,
                        state_path=out / "state_encoder.npz", best_path=out / "best_encoder.npz",
                        name="scene encoder", steps_per_epoch=-(-len(xtr) // 128))
    net.eval()
    save_checkpoint(out / "encoder.npz", net, epoch=hist["best_epoch"][0])
    return net, {"encoder_val_accuracy": 1.0 - min(hist["val"]),
                 "encoder_train_images": len(xtr)}


def images_digest(files: list[Path]) -> str:
    """md5 over the images' own md5 checksums, in order (names do not count, contents do)."""
    h = hashlib.md5()
    for f in files:
        try:
            h.update(md5_file(f).encode())
        except OSError as e:
            raise TaskError(f"captioning: cannot read image {f}: {e}") from e
    return h.hexdigest()


class FeatureCache:
    """``FeatureCache(root, encoder)``: ``get(split, files)`` -> (vectors, annotations),
    memory-mapped float32 arrays, computed and written (atomically) on the first call."""

    def __init__(self, root: str | os.PathLike, encoder: Encoder) -> None:
        self.root = Path(root)
        self.encoder = encoder

    def folder(self, files: list[Path]) -> tuple[Path, dict[str, Any]]:
        img = images_digest(files)
        key = hashlib.md5(f"{self.encoder.digest}:{img}".encode()).hexdigest()[:16]
        meta = {"encoder": self.encoder.name, "encoder_digest": self.encoder.digest,
                "images_digest": img, "images": len(files),
                "image_size": self.encoder.image_size}
        return self.root / f"{self.encoder.name}-{key}", meta

    def get(self, split: str, files: list[Path]) -> tuple[np.ndarray, np.ndarray]:
        folder, meta = self.folder(files)
        if not (folder / "meta.json").is_file():
            self._write(folder, meta, files, split)
        return self.read(folder, meta)

    def read(self, folder: Path, expect: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """The cached arrays after checking ``meta.json`` against ``expect``."""
        path = folder / "meta.json"
        try:
            meta = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise TaskError(f"{path}: unreadable feature-cache description ({e}); delete "
                            f"{folder}") from e
        for k in ("encoder", "encoder_digest", "images_digest", "images"):
            if meta.get(k) != expect[k]:
                raise TaskError(
                    f"{folder}: this feature cache is for {k} {meta.get(k)!r}, the run needs "
                    f"{expect[k]!r} (a cache from another encoder or other images); delete it "
                    f"or point --feature-cache elsewhere")
        try:
            vec = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
            ann = np.load(folder / "annotations.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as e:
            raise TaskError(f"{folder}: unreadable feature arrays ({e}); delete the folder") \
                from e
        if len(vec) != expect["images"] or len(ann) != expect["images"]:
            raise TaskError(f"{folder}: {len(vec)} cached feature rows for "
                            f"{expect['images']} images; delete the folder")
        return vec, ann

    def _write(self, folder: Path, meta: dict[str, Any], files: list[Path], split: str) -> None:
        from ...data.store import atomic_dir

        print(f"captioning: encoding {len(files)} {split} images with {self.encoder.name}")
        vs, ans = [], []
        for i in range(0, len(files), 512):
            v, a = self.encoder.encode(self.encoder.load(files[i: i + 512]))
            vs.append(v)
            ans.append(a)
        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_dir(folder) as tmp:
            np.save(tmp / "vectors.npy", np.concatenate(vs))
            np.save(tmp / "annotations.npy", np.concatenate(ans))
            write_json(tmp / "meta.json", {**meta, "split": split,
                                           "vector_shape": list(vs[0].shape[1:]),
                                           "annotation_shape": list(ans[0].shape[1:])})
