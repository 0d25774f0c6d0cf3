"""Week 3: object localization, what one object is and where, from one CNN.

    deepgrad localization                  # one-object MNIST scenes, ~8 min (one thread)
    deepgrad localization --box-loss iou   # 1 - IoU instead of smooth L1
    deepgrad localization --coco-root DIR  # a user's COCO folder: each image's largest object
    deepgrad localization --quick          # seconds
    deepgrad localize scene.png            # class + box with the latest run

Each scene holds one real MNIST / Fashion-MNIST image, resized to 16-40 pixels and pasted at a
random place on a 64 x 64 black canvas (``deepgrad.data.scenes_single``; exact tight boxes;
test scenes from the test images), written in COCO's layout and read back through the COCO
reader. The network (``deepgrad.models.localizer``) outputs class scores and a box
(cx, cy, w, h) as fractions of the image; the loss is

    class_weight * cross_entropy(scores, class) + box_weight * box_loss(box, true box)

with ``box_loss`` smooth L1 on the box in pixels (beta = 1 pixel; mean over the 4 numbers) or
1 - IoU. Reported on the test scenes: ``iou50_accuracy`` (class right and IoU >= 0.5),
``mean_iou``, ``class_accuracy`` and more; a picture with true (green) and predicted boxes
(blue when the class is right, red when wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .. import functional as F
from ..data.coco_dense import DenseSet, letterbox
from ..models.localizer import localizer
from ..tensor import Tensor, no_grad
from ..train import load_checkpoint
from .contract import Result, TaskError, param
from .segmentation import pictures
from .segmentation.metrics import box_iou
from .segmentation.scenes_data import dense_sets
from .segmentation.training import standardize, train

NAME = "localization"
WEEK = 3
SUMMARY = "classify the one object of a scene and regress its box (cross-entropy + box loss)"
HEADLINE = "iou50_accuracy"
SIZE = 64


@dataclass
class Config:
    source: Literal["mnist", "fashion"] = param("mnist", "the objects pasted into the scenes")
    coco_root: str | None = param(None, "read a COCO folder instead of composing scenes "
                                        "(each image's largest object)")
    n_train: int = param(20000, "training scenes")
    n_val: int = param(500, "validation scenes (the best epoch is kept)")
    n_test: int = param(1000, "test scenes")
    epochs: int = param(12, "passes over the training scenes")
    batch_size: int = param(64, "scenes per gradient step")
    lr: float = param(2e-3, "Adam's initial learning rate (cosine decay to 0)")
    box_loss: Literal["smooth_l1", "iou"] = param("smooth_l1", "the box-regression loss")
    class_weight: float = param(1.0, "weight of the classification loss")
    box_weight: float = param(0.2, "weight of the box loss (smooth L1 in pixels)")
    scene_seed: int = param(0, "seed of the composed scenes")


QUICK = Config(n_train=600, n_val=100, n_test=200, epochs=2)


def single_objects(d: DenseSet, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(images, classes 0-based, boxes N x 4 [x, y, w, h])``: each image's largest object
    (the only one in the composed scenes); images without objects are left out, said once."""
    keep, ys, boxes = [], [], []
    for i, objs in enumerate(d.objects):
        if not objs:
            continue
        k, box = max(objs, key=lambda o: o[1][2] * o[1][3])
        keep.append(i)
        ys.append(k - 1)
        boxes.append(box)
    if len(keep) < len(d):
        print(f"localization: {len(d) - len(keep)} {where} image(s) without an object left out")
    if not keep:
        raise TaskError(f"localization: no {where} image has an object box")
    return d.images[keep], np.asarray(ys, np.int64), np.asarray(boxes, np.float32)


def to_fractions(boxes: np.ndarray, size: int = SIZE) -> np.ndarray:
    """[x, y, w, h] pixels -> (cx, cy, w, h) fractions of the image."""
    b = np.asarray(boxes, np.float32)
    return np.stack([b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2, b[:, 2], b[:, 3]], 1) / size


def to_pixels(frac: np.ndarray, size: int = SIZE) -> np.ndarray:
    """(cx, cy, w, h) fractions -> [x, y, w, h] pixels."""
    f = np.asarray(frac, np.float64) * size
    return np.stack([f[:, 0] - f[:, 2] / 2, f[:, 1] - f[:, 3] / 2, f[:, 2], f[:, 3]], 1)


def iou_loss(pred: Tensor, true: Tensor) -> Tensor:
    """mean(1 - IoU) of (cx, cy, w, h) boxes, differentiable in ``pred``."""
    def corners(b: Tensor) -> tuple[Tensor, ...]:
        cx, cy, w, h = (b[:, i] for i in range(4))
        return cx - w * 0.5, cy - h * 0.5, cx + w * 0.5, cy + h * 0.5, w * h

    ax0, ay0, ax1, ay1, aa = corners(pred)
    bx0, by0, bx1, by1, ba = corners(true)
    iw = F.relu(F.minimum(ax1, bx1) - F.maximum(ax0, bx0))
    ih = F.relu(F.minimum(ay1, by1) - F.maximum(ay0, by0))
    inter = iw * ih
    return (1 - inter / (aa + ba - inter + 1e-7)).mean()


def make_loss(cfg: Config):
    """The weighted sum of cross-entropy and the box loss, as ``loss(model, x, y, box)``."""
    def loss(model: Any, xb: Tensor, yb: Tensor, bb: Tensor) -> Tensor:
        logits, box = model(xb)
        if cfg.box_loss == "iou":
            lb = iou_loss(box, bb)
        else:
            lb = F.smooth_l1_loss(box * SIZE, bb * SIZE, beta=1.0)
        return F.cross_entropy(logits, yb) * cfg.class_weight + lb * cfg.box_weight

    return loss


def predict(model: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(classes 0-based, boxes [x, y, w, h] pixels, class probabilities) for standardized
    images ``x`` (eval mode, no graph)."""
    cls, boxes, probs = [], [], []
    with no_grad():
        for s in range(0, len(x), 256):
            logits, box = model(Tensor(x[s:s + 256]))
            z = np.exp(logits.data - logits.data.max(1, keepdims=True))
            probs.append(z / z.sum(1, keepdims=True))
            cls.append(logits.data.argmax(1))
            boxes.append(box.data)
    return np.concatenate(cls), to_pixels(np.concatenate(boxes)), np.concatenate(probs)


def score(y: np.ndarray, boxes: np.ndarray, pc: np.ndarray, pb: np.ndarray) -> dict[str, float]:
    iou = box_iou(pb, boxes)
    right = pc == y
    centre = np.hypot(*(pb[:, :2] + pb[:, 2:] / 2 - boxes[:, :2] - boxes[:, 2:] / 2).T)
    return {"iou50_accuracy": float((right & (iou >= 0.5)).mean()),
            "mean_iou": float(iou.mean()), "class_accuracy": float(right.mean()),
            "iou50_box_only": float((iou >= 0.5).mean()),
            "iou75_accuracy": float((right & (iou >= 0.75)).mean()),
            "median_iou": float(np.median(iou)), "mean_centre_error_px": float(centre.mean())}


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Compose (or read) one-object scenes, train the localizer, evaluate, draw."""
    from .rundir import write_json

    for name in ("n_train", "n_val", "n_test", "epochs", "batch_size"):
        if getattr(cfg, name) < 1:
            raise TaskError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(cfg, name)}")
    if cfg.class_weight < 0 or cfg.box_weight < 0 or cfg.class_weight + cfg.box_weight == 0:
        raise TaskError("--class-weight and --box-weight must be >= 0, not both 0; got "
                        f"{cfg.class_weight} and {cfg.box_weight}")
    sets, sums = dense_sets(out / "scenes", cfg.source, (cfg.n_train, cfg.n_val, cfg.n_test),
                            single=True, seed=cfg.scene_seed, size=SIZE, masks=False,
                            coco_root=cfg.coco_root)
    classes = sets["train"].classes[1:]
    data = {s: single_objects(d, s) for s, d in sets.items()}
    x = {s: standardize(v[0]) for s, v in data.items()}
    write_json(out / "classes.json", {"classes": classes})
    model = localizer(len(classes), SIZE)
    print(f"localization: {len(x['train'])} train / {len(x['val'])} val / {len(x['test'])} "
          f"test scenes, {len(classes)} classes, {model.num_parameters()} parameters, "
          f"loss {cfg.class_weight} * cross-entropy + {cfg.box_weight} * {cfg.box_loss}")
    _, ytr, btr = data["train"]

    def val_score(m: Any) -> float:
        pc, pb, _ = predict(m, x["val"])
        return score(data["val"][1], data["val"][2], pc, pb)["iou50_accuracy"]

    info = train(model, "localizer", out, (x["train"], ytr, to_fractions(btr)), make_loss(cfg),
                 val_score, cfg.epochs, cfg.batch_size, cfg.lr)
    _, yte, bte = data["test"]
    pc, pb, _ = predict(model, x["test"])
    metrics: dict[str, Any] = score(yte, bte, pc, pb)
    metrics.update({"val_iou50_accuracy": info["val"], "best_epoch": info["best_epoch"],
                    "params": model.num_parameters(), "train_scenes": len(ytr),
                    "test_scenes": len(yte), "train_seconds": round(info["seconds"], 1)})
    tiles = [pictures.draw_boxes(img, [(bt, (0, 1, 0)), (bp, (0.3, 0.5, 1) if c == t
                                                          else (1, 0, 0))])
             for img, bt, bp, c, t in zip(data["test"][0][:24], bte, pb, pc, yte,
                                                   strict=False)]
    pictures.boxes_grid(out / "boxes.png", tiles, ncols=8)
    print("boxes.png: first 24 test scenes; green true box, blue predicted (class right), "
          "red predicted (class wrong)")
    return Result(metrics, {"picture": "boxes.png", "classes": "classes.json",
                            "weights": "weights_localizer.npz"}, sums)


class BoxPredictor:
    """A trained localizer: ``predict(image) -> (class name, [x, y, w, h], probability)`` for
    a grey uint8 image of any size (letterboxed to 64 x 64: scaled so its longer side is 64,
    padded with black; the box is given back in the original image's pixels)."""

    def __init__(self, model: Any, classes: list[str]) -> None:
        self.model, self.classes = model, classes

    def predict(self, image: Any) -> tuple[str, list[float], float]:
        g = np.asarray(image)
        if g.ndim != 2 or min(g.shape) < 1:
            raise ValueError(f"BoxPredictor: expected a grey H x W image, got shape {g.shape}")
        if g.dtype != np.uint8:
            g = np.clip(g, 0, 255).astype(np.uint8)
        boxed, s = letterbox(g, SIZE)
        cls, box, p = predict(self.model, standardize(boxed[None]))
        c = int(cls[0])
        return self.classes[c], [float(v) / s for v in box[0]], float(p[0, c])


def load(out: Path) -> BoxPredictor:
    """The localizer a finished run trained (weights_localizer.npz)."""
    import json

    from .rundir import read_run

    read_run(out, NAME)
    info_path, path = Path(out) / "classes.json", Path(out) / "weights_localizer.npz"
    for p in (info_path, path):
        if not p.is_file():
            raise TaskError(f"{p}: missing; expected it in a finished localization run")
    classes = json.loads(info_path.read_text())["classes"]
    model = localizer(len(classes), SIZE)
    model.load_state_dict(load_checkpoint(path)["model"])
    return BoxPredictor(model.eval(), classes)
