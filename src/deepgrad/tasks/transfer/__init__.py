"""Week 3: learning a new task with a pre-trained CNN, three recipes side by side.

    deepgrad transfer                       # MNIST CNN -> Fashion-MNIST, 10/100/1000 labels a class
    deepgrad transfer --source imagenet     # EfficientNet-Lite0's ImageNet features (when present)
    deepgrad transfer --target flowers102 --source imagenet --labels-per-class 10   # user's files
    deepgrad transfer --quick               # seconds

For each number of labels per class, on the same labelled images (the smaller sets are the first
images of the larger ones), with the same budget of gradient steps:

- ``head``: a linear classifier on the frozen network's features;
- ``finetune``: the last ``finetune_blocks`` blocks and a new head trained, batch norm as the
  course does it (trainable, momentum 0.9 in Keras's convention); ``finetune_frozen_bn``: the
  same with batch norm's pretrained statistics frozen;
- ``scratch``: the same architecture from random weights, every layer trained.

metrics.json: ``test_accuracy_{head,finetune,finetune_frozen_bn,scratch}_{n}`` on the target's
test images. A table (``table.md``) and a plot of test accuracy against labels per class
(``accuracy.png``). ``--source mnist`` pretrains the week-3 CNN on MNIST's 60,000 digits here
first. Finished recipes are saved as they end, so ``--resume`` continues with the next one and
gives the numbers an uninterrupted run gives.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np

from ... import models, nn
from ...random import get_rng, manual_seed
from ...train import load_checkpoint, save_checkpoint
from ..contract import Result, TaskError, param
from .backbones import Backbone, imagenet_backbone, mnist_backbone
from .recipes import accuracy, run_frozen, steps_for, train_classifier

__all__ = ["Config", "QUICK", "run", "load", "labelled_subset", "test_set", "class_names",
           "read_image", "TransferClassifier"]

NAME = "transfer"
WEEK = 3
SUMMARY = "pretrained features for a new task: frozen head, fine-tuning, scratch, by labels"
HEADLINE = "test_accuracy_finetune_100"

RECIPES = ("head", "finetune", "finetune_frozen_bn", "scratch")


@dataclass
class Config:
    source: Literal["mnist", "imagenet"] = param(
        "mnist", "the pretrained network: the week-3 CNN pretrained on MNIST here, or "
                 "EfficientNet-Lite0's ImageNet weights")
    target: Literal["fashion_mnist", "flowers102"] = param("fashion_mnist", "the new task")
    labels_per_class: str = param("10,100,1000", "comma-separated labelled images per class")
    finetune_blocks: int = param(2, "how many of the last blocks fine-tuning trains")
    epochs: int = param(30, "passes over the labelled images per recipe (at least min_steps)")
    min_steps: int = param(300, "gradient steps per recipe at least")
    batch_size: int = param(64, "images per gradient step")
    lr_head: float = param(1e-3, "Adam's learning rate for the head on frozen features")
    lr_finetune: float = param(3e-4, "Adam's learning rate for fine-tuning")
    lr_scratch: float = param(1e-3, "Adam's learning rate from scratch")
    pretrain_epochs: int = param(2, "epochs of MNIST pretraining (source mnist)")
    image_size: int = param(64, "side the images are resized to (source imagenet)")
    test_limit: int | None = param(None, "evaluate on the first N test images only")
    pretrain_limit: int | None = param(None, "pretrain on the first N MNIST images only")
    data_path: str | None = param(None, "read the target from this folder instead of the store")


QUICK = Config(labels_per_class="10,50", epochs=5, min_steps=40, pretrain_epochs=1,
               pretrain_limit=3000, test_limit=1000)


def _counts(cfg: Config) -> list[int]:
    try:
        counts = sorted({int(s) for s in cfg.labels_per_class.split(",") if s.strip()})
    except ValueError:
        counts = []
    if not counts or counts[0] < 1:
        raise TaskError(f"transfer: labels_per_class should be positive integers separated by "
                        f"commas, got {cfg.labels_per_class!r}")
    return counts


def labelled_subset(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` examples of every class, the first ``m`` of them the ``m``-subset for any
    ``m < n`` (one fixed permutation per class, from ``seed``); grouped class by class."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    picks = []
    for c in classes:
        idx = np.flatnonzero(y == c)
        if len(idx) < n:
            raise TaskError(f"transfer: class {int(c)} has {len(idx)} training images, fewer "
                            f"than the {n} labels per class asked for")
        picks.append(rng.permutation(idx)[:n])
    return np.stack(picks, axis=1)  # n x classes: row i = the i-th image of every class


def _target(cfg: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    if cfg.target == "fashion_mnist":
        from ...data import fashion_mnist

        (xtr, ytr), (xte, yte) = (fashion_mnist(cfg.data_path, verify=False) if cfg.data_path
                                  else fashion_mnist())
        classes = 10
    else:
        from ...data.flowers import flowers102

        size = (cfg.image_size, cfg.image_size)
        xtr, ytr = flowers102(cfg.data_path, "train", size=size)
        xte, yte = flowers102(cfg.data_path, "test", size=size)
        classes = 102
    if cfg.test_limit:
        xte, yte = xte[:cfg.test_limit], yte[:cfg.test_limit]
    return xtr, ytr.astype(np.int64), xte, yte.astype(np.int64), classes


def test_set(cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """The target's test images a run with ``cfg`` was tested on (uint8: N x 28 x 28 grey for
    fashion_mnist, N x H x W x 3 for flowers102; the first ``test_limit``) and their labels;
    a TaskError saying why when they cannot be read."""
    from ...data.store import DataError

    try:
        _, _, xte, yte, _ = _target(cfg)
    except DataError as e:
        raise TaskError(f"transfer: the {cfg.target} test images cannot be read ({e})") from e
    return xte, yte


def class_names(cfg: Config) -> list[str]:
    """The target's class names, in label order (Flowers-102 has numbers only: 'class 1'...)."""
    if cfg.target == "fashion_mnist":
        from ...data import FASHION_CLASSES

        return list(FASHION_CLASSES)
    return [f"class {k}" for k in range(1, 103)]


def read_image(path: str | Path | BinaryIO, cfg: Config) -> np.ndarray:
    """An image file as the target's images: for fashion_mnist 28 x 28 grey, light on black,
    as ``deepgrad visualize --task transfer FILE`` reads it (``tasks.mnist.read_image``); for
    flowers102 RGB resized to ``image_size``, as the data set's images are read."""
    if cfg.target == "fashion_mnist":
        from ..mnist import read_image as read_grey

        return read_grey(path)
    from ...data.images import load_image

    return load_image(path, (cfg.image_size, cfg.image_size), "RGB")


def _pretrain_mnist(cfg: Config, out: Path) -> tuple[nn.Sequential, float]:
    """The week-3 CNN trained on MNIST (saved in ``pretrained.npz``; reused on resume)."""
    from ...data import mnist

    cnn = models.mnist_cnn()
    path = out / "pretrained.npz"
    (x, y), (xt, yt) = mnist()
    xt_p = mnist_backbone(cnn).preprocess(xt)
    if path.is_file():
        cnn.load_state_dict(load_checkpoint(path)["model"])
    else:
        if cfg.pretrain_limit:
            x, y = x[:cfg.pretrain_limit], y[:cfg.pretrain_limit]
        xp = mnist_backbone(cnn).preprocess(x)
        steps = max(1, cfg.pretrain_epochs * len(xp) // 128)
        print(f"pretraining the week-3 CNN on {len(xp)} MNIST digits ({steps} steps)")
        train_classifier([cnn], xp, y.astype(np.int64), steps=steps, lr=2e-3, batch_size=128)
        save_checkpoint(path, cnn)
    acc = accuracy([cnn], xt_p, yt.astype(np.int64))
    print(f"pretrained CNN: {acc:.4f} on the MNIST test digits")
    return cnn, acc


def _backbone(cfg: Config, out: Path, pretrained: bool) -> tuple[Backbone, float | None]:
    if cfg.source == "mnist":
        if not pretrained:
            return mnist_backbone(), None
        cnn, acc = _pretrain_mnist(cfg, out)
        return mnist_backbone(cnn), acc
    return imagenet_backbone(cfg.image_size, pretrained=pretrained), None


def _seed(base: int, recipe: str, n: int) -> int:
    return (base + zlib.crc32(f"{recipe}/{n}".encode())) % (2**31)


def _load_done(out: Path) -> dict[str, float]:
    path = out / "results.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_done(out: Path, done: dict[str, float]) -> None:
    from ...data.store import atomic_write

    with atomic_write(out / "results.json") as f:
        f.write(json.dumps(done, indent=1).encode())


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Pretrain (source mnist) or load the backbone, then every recipe at every label count."""
    counts = _counts(cfg)
    k = cfg.finetune_blocks
    if cfg.source == "mnist":  # checked before any data is read
        if cfg.target != "fashion_mnist":
            raise TaskError("transfer: source 'mnist' takes 28x28 grey images; use --source "
                            "imagenet for flowers102")
        if not 1 <= k <= 3:
            raise TaskError(f"transfer: finetune_blocks must be 1..3 for the mnist backbone, "
                            f"got {k}")
    base = int(get_rng().integers(2**31))
    xtr, ytr, xte, yte, classes = _target(cfg)
    pre, pretrain_acc = _backbone(cfg, out, pretrained=True)
    if not 1 <= k <= len(pre.blocks):
        raise TaskError(f"transfer: finetune_blocks must be 1..{len(pre.blocks)} for the "
                        f"{pre.name} backbone, got {k}")
    subset = labelled_subset(ytr, counts[-1])  # counts[-1] x classes
    done = _load_done(out) if resume else {}

    # frozen passes, once: features of the labelled images and the test images, at two cuts
    frozen_all, frozen_cut = pre.modules(), pre.modules()[:len(pre.modules()) - k]
    rows = subset.reshape(-1)  # image i of every class, for i = 0, 1, ...
    cut_tr = run_frozen(frozen_cut, xtr[rows], pre.preprocess)
    cut_te = run_frozen(frozen_cut, xte, pre.preprocess)
    feat_tr = run_frozen(frozen_all[len(frozen_cut):], cut_tr)  # the rest of the way
    feat_te = run_frozen(frozen_all[len(frozen_cut):], cut_te)
    y_rows = ytr[rows]
    scratch_tr = pre.preprocess(xtr[rows])
    scratch_te = pre.preprocess(xte)
    pristine = {f"{i}": m.state_dict() for i, m in enumerate(pre.blocks)}

    def head() -> nn.Module:
        return nn.Linear(pre.feature_size, classes)

    for n in counts:
        m = n * classes  # the first m rows are n images of every class
        steps = steps_for(m, cfg.epochs, cfg.batch_size, cfg.min_steps)
        for recipe in RECIPES:
            key = f"test_accuracy_{recipe}_{n}"
            if key in done:
                continue
            manual_seed(_seed(base, recipe, n))
            if recipe == "head":
                h = head()
                train_classifier([h], feat_tr[:m], y_rows[:m], steps=steps, lr=cfg.lr_head,
                                 batch_size=cfg.batch_size)
                acc = accuracy([h], feat_te, yte)
            elif recipe.startswith("finetune"):
                tuned = pre.blocks[len(pre.blocks) - k:]
                for i, block in enumerate(pre.blocks):  # every run starts from the pretrained
                    block.load_state_dict(pristine[f"{i}"])
                h = head()
                norm = "frozen" if recipe == "finetune_frozen_bn" else "train"
                train_classifier([*tuned, h], cut_tr[:m], y_rows[:m], steps=steps,
                                 lr=cfg.lr_finetune, batch_size=cfg.batch_size, norm_mode=norm)
                acc = accuracy([*tuned, h], cut_te, yte)
                if recipe == "finetune" and n == counts[-1]:
                    save_checkpoint(out / "weights.npz", pre.network(h))
            else:
                fresh, _ = _backbone(cfg, out, pretrained=False)
                h = head()
                train_classifier([*fresh.modules(), h], scratch_tr[:m], y_rows[:m],
                                 steps=steps, lr=cfg.lr_scratch, batch_size=cfg.batch_size)
                acc = accuracy([*fresh.modules(), h], scratch_te, yte)
            done[key] = acc
            _save_done(out, done)
            print(f"{n:>5} labels/class  {recipe:<19} {acc:.4f}  ({steps} steps)")
    for i, block in enumerate(pre.blocks):
        block.load_state_dict(pristine[f"{i}"])

    metrics: dict[str, Any] = dict(done)
    metrics["pretrain_test_accuracy"] = pretrain_acc
    metrics["test_images"] = int(len(yte))
    artifacts = {"table": "table.md", "weights": "weights.npz", "results": "results.json"}
    _write_table(out / "table.md", cfg, counts, done)
    if _plot(out / "accuracy.png", cfg, counts, done):
        artifacts["plot"] = "accuracy.png"
    if pretrain_acc is not None:
        artifacts["pretrained"] = "pretrained.npz"
    return Result(metrics, artifacts)


def _write_table(path: Path, cfg: Config, counts: list[int], done: dict[str, float]) -> None:
    from ...data.store import atomic_write

    lines = [f"test accuracy, {cfg.source} -> {cfg.target}, last {cfg.finetune_blocks} "
             "blocks fine-tuned", "",
             "| labels per class | " + " | ".join(RECIPES) + " |",
             "|---:|" + "---:|" * len(RECIPES)]
    for n in counts:
        cells = [f"{done[f'test_accuracy_{r}_{n}']:.4f}" for r in RECIPES]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    with atomic_write(path) as f:
        f.write(text.encode())


def _plot(path: Path, cfg: Config, counts: list[int], done: dict[str, float]) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("transfer: no plot (matplotlib is missing: pip install 'deepgrad[extras]')")
        return False
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in RECIPES:
        ax.plot(counts, [done[f"test_accuracy_{r}_{n}"] for n in counts], "o-", label=r)
    ax.set_xscale("log")
    ax.set_xlabel("labelled images per class")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{cfg.source} -> {cfg.target}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return True


class TransferClassifier:
    """The fine-tuned network of a finished run (largest label count): ``predict(images)``."""

    def __init__(self, network: nn.Sequential, backbone: Backbone) -> None:
        self.network, self.backbone = network, backbone

    def predict_proba(self, images: Any) -> np.ndarray:
        logits = run_frozen([self.network], np.asarray(images), self.backbone.preprocess)
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, images: Any) -> np.ndarray:
        return self.predict_proba(images).argmax(axis=1)

    @property
    def model(self) -> nn.Sequential:
        return self.network

    def inputs(self, images: Any) -> np.ndarray:
        """What ``model`` takes for the target's uint8 ``images``."""
        return self.backbone.preprocess(np.asarray(images))


def load(out: Path) -> TransferClassifier:
    """The fine-tuned classifier a finished run saved (``weights.npz``)."""
    from ..rundir import read_run

    cfg = read_run(out, NAME).config
    path = Path(out) / "weights.npz"
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the weights of a finished transfer run")
    backbone = (mnist_backbone() if cfg.source == "mnist"
                else imagenet_backbone(cfg.image_size, pretrained=False))
    classes = 10 if cfg.target == "fashion_mnist" else 102
    network = backbone.network(nn.Linear(backbone.feature_size, classes))
    network.load_state_dict(load_checkpoint(path)["model"])
    network.eval()
    return TransferClassifier(network, backbone)
