"""Week 3: semantic segmentation, max unpooling versus transposed convolutions.

    deepgrad segmentation                   # MNIST scenes, both decoders, ~45 min on 2 cores
    deepgrad segmentation --source fashion  # Fashion-MNIST scenes
    deepgrad segmentation --coco-root DIR   # a user's COCO folder (instances JSON + images)
    deepgrad segmentation --quick           # seconds, on 300 scenes
    deepgrad segment scene.png              # label every pixel with the latest run

Every pixel of a scene gets one of background + 10 classes. Two encoder-decoders
(``deepgrad.models.segnet``) identical except for how their decoder upsamples: (a) max
unpooling that puts each value back where the encoder's max pooling found it (SegNet), (b) a
learnable 2x2 transposed convolution with stride 2. Both train with pixel-wise cross-entropy
(Adam, cosine decay) on composed scenes (``deepgrad.data.scenes``: real MNIST / Fashion-MNIST
objects with exact masks, held-out compositions in the test split), written in COCO's layout
into the run directory and read back through the COCO reader, so a real COCO folder runs the
same code. Reported on the test scenes: mIoU and pixel accuracy of both, the IoU of every
class, accuracy on boundary pixels and per-object pixel recall; and a classical reference
(``components.py``: threshold, connected components, a single-object CNN on each crop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ... import functional as F
from ...models.segnet import UPSAMPLING, segnet
from ...tensor import Tensor
from ...train import load_checkpoint
from ..contract import Result, TaskError, param
from . import pictures
from .components import components_labels, object_classifier, object_crops
from .metrics import confusion, iou_per_class, mean_iou, pixel_accuracy
from .scenes_data import dense_sets
from .training import predict_batches, standardize, train

NAME = "segmentation"
WEEK = 3
SUMMARY = "label every pixel: max unpooling vs transposed convolutions (+ a classical reference)"
HEADLINE = "miou_unpool"
SIZE = 64  # the scenes' side; COCO images are letterboxed to it


@dataclass
class Config:
    source: Literal["mnist", "fashion"] = param("mnist", "the objects pasted into the scenes")
    coco_root: str | None = param(None, "read a COCO folder (annotations/instances_*.json + "
                                        "images) instead of composing scenes")
    n_train: int = param(12000, "training scenes")
    n_val: int = param(300, "validation scenes (the best epoch is kept)")
    n_test: int = param(500, "test scenes (held-out compositions)")
    epochs: int = param(8, "passes over the training scenes, per network")
    batch_size: int = param(32, "scenes per gradient step")
    lr: float = param(3e-3, "Adam's initial learning rate (cosine decay to 0)")
    width: int = param(16, "unpooling network: channels after the first encoder stage "
                           "(doubling per stage)")
    stages: int = param(3, "unpooling network: encoder stages (each halves H and W; H, W "
                           "must divide 2**stages)")
    width_transposed: int = param(24, "transposed-convolution network: channels after its "
                                      "first encoder stage")
    stages_transposed: int = param(2, "transposed-convolution network: encoder stages")
    background_weight: float = param(0.1, "cross-entropy weight of the background class "
                                          "(the other classes weigh 1)")
    classifier_epochs: int = param(4, "epochs of the single-object CNN (classical reference)")
    threshold: int = param(64, "foreground threshold of the classical reference (0-255)")
    scene_seed: int = param(0, "seed of the composed scenes")
    parallel: bool = param(True, "train the two networks at once in two processes (one BLAS "
                                 "thread each)")


QUICK = Config(n_train=300, n_val=40, n_test=60, epochs=1, width=8, width_transposed=8,
               classifier_epochs=1, parallel=False)


def widths(cfg: Config, variant: str = "unpool") -> tuple[int, ...]:
    """The encoder's channels per stage of one network (``variant`` of ``UPSAMPLING``).

    The two decoders are compared at the architecture each does best with on these scenes
    (measured on 12,000 MNIST scenes, 8 epochs, test mIoU): unpooling needs three stages
    (two: val 0.67; three: 0.84), while the transposed network does better shallower and
    wider (three stages of 16: 0.69; two of 16: 0.71; two of 24: 0.75)."""
    if variant == "transposed":
        return tuple(cfg.width_transposed * 2 ** k for k in range(cfg.stages_transposed))
    return tuple(cfg.width * 2 ** k for k in range(cfg.stages))


def _check(cfg: Config) -> None:
    for name in ("n_train", "n_val", "n_test", "epochs", "batch_size", "width", "stages",
                 "width_transposed", "stages_transposed", "classifier_epochs"):
        if getattr(cfg, name) < 1:
            raise TaskError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(cfg, name)}")
    for name in ("stages", "stages_transposed"):
        if SIZE % 2 ** getattr(cfg, name):
            raise TaskError(f"--{name.replace('_', '-')} {getattr(cfg, name)}: the {SIZE}-pixel "
                            f"scenes must divide by 2**{name.replace('_', '-')}")
    if not 0 <= cfg.threshold < 255:
        raise TaskError(f"--threshold must lie in 0..254, got {cfg.threshold}")


def metric_name(name: str) -> str:
    """A class name as part of a metric name: lower case, runs of other characters -> _."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "class"


def boundary(labels: np.ndarray) -> np.ndarray:
    """Pixels whose 3 x 3 neighbourhood holds more than one true label (N x H x W bool)."""
    from scipy import ndimage

    hi = ndimage.maximum_filter(labels, size=(1, 3, 3))
    lo = ndimage.minimum_filter(labels, size=(1, 3, 3))
    return hi != lo


def object_recall(true: np.ndarray, pred: np.ndarray, objects: list) -> float:
    """Mean over true objects of the fraction of their pixels labelled with their class."""
    fr = []
    for t, p, objs in zip(true, pred, objects, strict=True):
        for k in {k for k, _ in objs}:
            m = t == k
            if m.any():
                fr.append(float((p[m] == k).mean()))
    return float(np.mean(fr)) if fr else float("nan")


def score(true: np.ndarray, pred: np.ndarray, classes: list[str], tag: str,
          objects: list) -> dict[str, float | None]:
    """The flat metrics of one method's predictions (``tag`` suffixes every name)."""
    m = confusion(true, pred, len(classes))
    ious = iou_per_class(m)
    edge = boundary(true)
    out: dict[str, float | None] = {f"miou_{tag}": mean_iou(m),
                                    f"pixel_accuracy_{tag}": pixel_accuracy(m),
                                    f"boundary_accuracy_{tag}": float((true == pred)[edge].mean()),
                                    f"object_recall_{tag}": object_recall(true, pred, objects)}
    for c, v in zip(classes, ious, strict=True):
        out[f"iou_{metric_name(c)}_{tag}"] = None if np.isnan(v) else float(v)
    return out


def _segment(model: Any, x: np.ndarray) -> np.ndarray:
    return np.concatenate([o.argmax(1) for o in predict_batches(model, x)]).astype(np.uint8)


def _one_blas_thread():
    """Limit BLAS to one thread while two trainings share the cores (threadpoolctl, if
    installed; a no-op context otherwise)."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def fit_variant(variant: str, out: Path, arrays: tuple, setting: tuple, seed: int | None = None,
                child: bool = False) -> dict[str, Any]:
    """Train one network (``variant`` of ``UPSAMPLING``) on ``arrays`` = (x_train, y_train,
    x_val, y_val, class weights) with ``setting`` = (classes, widths per variant, epochs,
    batch, lr);
    its weights go to ``weights_<variant>.npz``. ``child``: running in a worker process
    (seeded with ``seed``, one BLAS thread, printing into ``log_<variant>.txt``)."""
    import contextlib
    import sys

    xtr, ytr, xva, yva, weight = arrays
    k, ws, epochs, batch, lr = setting
    with contextlib.ExitStack() as stack:
        if child:
            from ...random import manual_seed

            manual_seed(seed)
            stack.enter_context(_one_blas_thread())
            log = stack.enter_context(open(out / f"log_{variant}.txt", "w", buffering=1))
            stack.enter_context(contextlib.redirect_stdout(log))
        model = segnet(k, ws[variant], variant)
        print(f"\n{variant}: {model.num_parameters()} parameters")

        def loss_fn(m: Any, xb: Tensor, yb: Tensor) -> Tensor:
            return F.cross_entropy(m(xb), yb, weight=weight)

        def val_miou(m: Any) -> float:
            return mean_iou(confusion(yva, _segment(m, xva), k))

        info = train(model, variant, out, (xtr, ytr), loss_fn, val_miou, epochs, batch, lr)
        sys.stdout.flush()
    return info


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Compose (or read) the scenes, train both networks and the reference, evaluate, draw."""
    from ..rundir import write_json

    _check(cfg)
    sets, sums = dense_sets(out / "scenes", cfg.source, (cfg.n_train, cfg.n_val, cfg.n_test),
                            seed=cfg.scene_seed, size=SIZE, coco_root=cfg.coco_root)
    tr, va, te = sets["train"], sets["val"], sets["test"]
    classes = tr.classes
    k = len(classes)
    write_json(out / "classes.json", {"classes": classes, "widths": {
        v: list(widths(cfg, v)) for v in UPSAMPLING}})
    xtr, xva, xte = standardize(tr.images), standardize(va.images), standardize(te.images)
    ytr = tr.labels.astype(np.int64)
    weight = np.ones(k, np.float32)
    weight[0] = cfg.background_weight
    print(f"segmentation: {len(xtr)} train / {len(xva)} val / {len(xte)} test scenes, "
          f"{k} classes ({', '.join(classes)})")

    arrays = (xtr, ytr, xva, va.labels, weight)
    setting = (k, {v: widths(cfg, v) for v in UPSAMPLING}, cfg.epochs, cfg.batch_size, cfg.lr)
    infos: dict[str, dict] = {}
    if cfg.parallel:  # the transposed network in a second process, one BLAS thread each
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        from ...random import get_rng

        seed = int(get_rng().integers(2 ** 31))
        with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
            job = pool.submit(fit_variant, "transposed", out, arrays, setting, seed, True)
            with _one_blas_thread():
                infos["unpool"] = fit_variant("unpool", out, arrays, setting)
            infos["transposed"] = job.result()
        log = out / "log_transposed.txt"
        if log.is_file():
            print("\n(the transposed network, trained in a second process:)\n"
                  + log.read_text().rstrip())
    else:
        for variant in UPSAMPLING:
            infos[variant] = fit_variant(variant, out, arrays, setting)
    metrics: dict[str, Any] = {}
    preds: dict[str, np.ndarray] = {}
    for variant in UPSAMPLING:
        model = segnet(k, widths(cfg, variant), variant)
        model.load_state_dict(load_checkpoint(out / f"weights_{variant}.npz")["model"])
        model.eval()
        info = infos[variant]
        preds[variant] = _segment(model, xte)
        metrics.update(score(te.labels, preds[variant], classes, variant, te.objects))
        metrics.update({f"val_miou_{variant}": info["val"], f"best_epoch_{variant}":
                        info["best_epoch"], f"params_{variant}": model.num_parameters(),
                        f"train_seconds_{variant}": round(info["seconds"], 1)})

    # the classical reference: connected components labelled by a single-object CNN
    cx, cy = object_crops(tr)
    vx, vy = object_crops(va)
    clf = object_classifier(k - 1)
    print(f"\ncomponents: single-object CNN on {len(cx)} crops of training objects")

    def clf_loss(model: Any, xb: Tensor, yb: Tensor) -> Tensor:
        return F.cross_entropy(model(xb), yb)

    def clf_acc(model: Any) -> float:
        p = np.concatenate([o.argmax(1) for o in predict_batches(model, vx, 256)])
        return float((p == vy).mean())

    info = train(clf, "object_cnn", out, (cx, cy), clf_loss, clf_acc, cfg.classifier_epochs,
                 64, 2e-3)

    def classify(crops: np.ndarray) -> np.ndarray:
        return np.concatenate([o.argmax(1) for o in predict_batches(clf, crops, 256)])

    tx, ty = object_crops(te)
    preds["components"] = components_labels(te.images, classify, cfg.threshold)
    metrics.update(score(te.labels, preds["components"], classes, "components", te.objects))
    metrics["object_cnn_test_accuracy"] = float((classify(tx) == ty).mean())
    metrics["object_cnn_val_accuracy"] = info["val"]
    metrics.update({"train_scenes": len(xtr), "test_scenes": len(xte), "classes": k})

    n_show = min(10, len(xte))
    pictures.label_rows(out / "segmentation.png", te.images[:n_show],
                        [te.labels[:n_show]] + [preds[v][:n_show] for v in
                                                (*UPSAMPLING, "components")])
    art = {"picture": "segmentation.png", "classes": "classes.json",
           "weights unpool": "weights_unpool.npz", "weights transposed": "weights_transposed.npz",
           "weights object cnn": "weights_object_cnn.npz"}
    print("\nsegmentation.png: columns are test scenes; rows: scene, true labels, unpool, "
          "transposed, components")
    return Result(metrics, art, sums)


class Segmenter:
    """Both trained networks of a run: ``predict(image, variant)`` -> H x W class indices
    (0 background) for a grey uint8 H x W image (any size: padded with black at the bottom
    and right to a multiple of ``factor``, the largest of the networks' 2**stages, the padding
    cut off again; not resized, so objects should be about the training size), ``classes``
    their names."""

    def __init__(self, nets: dict[str, Any], classes: list[str]) -> None:
        self.nets, self.classes = nets, classes
        self.factor = max(net.factor for net in nets.values())

    def predict(self, image: Any, variant: str = "unpool") -> np.ndarray:
        if variant not in self.nets:
            raise TaskError(f"segmentation: variant must be one of {', '.join(self.nets)}, "
                            f"got {variant!r}")
        g = np.asarray(image)
        if g.ndim != 2:
            raise ValueError(f"Segmenter: expected a grey H x W image, got shape {g.shape}")
        h, w = g.shape
        f = self.factor
        padded = np.zeros((-(-h // f) * f, -(-w // f) * f), np.uint8)
        padded[:h, :w] = g
        return _segment(self.nets[variant], standardize(padded[None]))[0, :h, :w]


def load(out: Path) -> Segmenter:
    """The networks a finished run trained (weights_unpool.npz, weights_transposed.npz)."""
    import json

    from ..rundir import read_run

    read_run(out, NAME)
    info_path = Path(out) / "classes.json"
    if not info_path.is_file():
        raise TaskError(f"{info_path}: missing; expected the class names of a segmentation run")
    info = json.loads(info_path.read_text())
    nets = {}
    for variant in UPSAMPLING:
        path = Path(out) / f"weights_{variant}.npz"
        if not path.is_file():
            raise TaskError(f"{path}: missing; expected the weights of a finished segmentation "
                            "run")
        ws = info["widths"]  # one list for both (runs before per-variant widths) or per variant
        net = segnet(len(info["classes"]), ws[variant] if isinstance(ws, dict) else ws, variant)
        net.load_state_dict(load_checkpoint(path)["model"])
        nets[variant] = net.eval()
    return Segmenter(nets, info["classes"])


def read_grey(path: str | Path) -> np.ndarray:
    """An image file -> grey uint8 H x W, light objects on black (a light background, judged
    by the border, is inverted)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            g = np.asarray(im.convert("L"))
    except (OSError, UnidentifiedImageError) as e:
        raise TaskError(f"{path}: not a readable image ({e})") from None
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    return (255 - g) if border.mean() > 127 else g
