"""The localization task: its QUICK config on real one-object MNIST scenes (one shared run),
load + inference reproducing the metrics, the box arithmetic (IoU, fractions, letterboxing back
to the image's pixels), the IoU loss against finite differences and PyTorch-free hand values,
the CLI verb and bad input; the full config (slow) against the target iou50_accuracy >= 0.95."""

import json

import numpy as np
import pytest
from PIL import Image

import deepgrad as dg
from deepgrad.cli import main
from deepgrad.data.coco_dense import coco_dense
from deepgrad.gradcheck import gradcheck
from deepgrad.tasks import TaskError, load_run, localization, run_task
from deepgrad.tasks.localization import (
    BoxPredictor,
    iou_loss,
    predict,
    single_objects,
    to_fractions,
    to_pixels,
)
from deepgrad.tasks.segmentation.metrics import box_iou
from deepgrad.tasks.segmentation.training import standardize

NAMES = ["iou50_accuracy", "mean_iou", "class_accuracy", "iou50_box_only", "iou75_accuracy",
         "median_iou", "mean_centre_error_px"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("loc") / "run"
    return run_task(localization, None, out, quick=True)


def test_quick_run_reports_the_issues_metrics(quick_run):
    out, result = quick_run
    m = result.metrics
    assert set(NAMES) <= set(m) and json.loads((out / "metrics.json").read_text()) == m
    for k in NAMES[:-1]:
        assert 0 <= m[k] <= 1, k
    assert m["iou50_accuracy"] <= min(m["class_accuracy"], m["iou50_box_only"])
    assert m["iou75_accuracy"] <= m["iou50_accuracy"]
    assert m["train_scenes"] == 600 and m["test_scenes"] == 200
    for a in result.artifacts.values():
        assert (out / a).is_file(), a
    w, h = Image.open(out / "boxes.png").size
    assert (w, h) == (2 + 8 * (192 + 2), 2 + 3 * (192 + 2))  # 24 scenes drawn 3 x 3


def test_load_reproduces_the_test_metrics(quick_run):
    out, result = quick_run
    loc = load_run(out)
    assert isinstance(loc, BoxPredictor) and loc.classes[0] == "zero"
    images, y, boxes = single_objects(coco_dense(out / "scenes", "test", 64, masks=False),
                                      "test")
    names, got = [], []
    for img in images:
        name, box, p = loc.predict(img)
        names.append(loc.classes.index(name))
        got.append(box)
        assert 0 < p <= 1
    iou = box_iou(np.asarray(got), boxes)
    right = np.asarray(names) == y
    assert (right & (iou >= 0.5)).mean() == pytest.approx(result.metrics["iou50_accuracy"])
    assert iou.mean() == pytest.approx(result.metrics["mean_iou"], rel=1e-5)
    pc, pb, probs = predict(loc.model, standardize(images[:5]))
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)


def test_box_arithmetic():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [5, 5, 2, 2]], float)
    b = np.array([[5, 0, 10, 10], [20, 20, 5, 5], [5, 5, 2, 2]], float)
    np.testing.assert_allclose(box_iou(a, b), [50 / 150, 0, 1])
    f = to_fractions(np.array([[8, 16, 32, 8]]), size=64)
    np.testing.assert_allclose(f, [[0.375, 0.3125, 0.5, 0.125]])
    np.testing.assert_allclose(to_pixels(f, 64), [[8, 16, 32, 8]], atol=1e-5)


def test_iou_loss_values_and_gradients():
    p = np.array([[0.5, 0.5, 0.2, 0.2], [0.3, 0.4, 0.1, 0.3]])
    t = np.array([[0.55, 0.5, 0.2, 0.2], [0.3, 0.4, 0.1, 0.3]])
    v = iou_loss(dg.Tensor(p), dg.Tensor(t)).item()
    ref = 1 - box_iou(to_pixels(p, 1), to_pixels(t, 1))
    assert v == pytest.approx(ref.mean(), rel=1e-4)  # (1e-7 added to the union)
    gradcheck(lambda x: iou_loss(x, dg.Tensor(t)), p)


class _FixedBox:
    """A stand-in network: always class 2, box (cx, cy, w, h) = (0.5, 0.5, 0.25, 0.25)."""

    def __call__(self, x):
        n = x.shape[0]
        logits = np.zeros((n, 3), np.float32)
        logits[:, 2] = 5
        return dg.Tensor(logits), dg.Tensor(np.tile(np.float32([0.5, 0.5, 0.25, 0.25]), (n, 1)))


def test_boxes_are_given_in_the_original_images_pixels():
    loc = BoxPredictor(_FixedBox(), ["a", "b", "c"])
    name, box, p = loc.predict(np.zeros((128, 128), np.uint8))  # letterboxed: scale 1/2
    assert name == "c" and p > 0.9
    np.testing.assert_allclose(box, [48, 48, 32, 32], atol=1e-4)
    _, box, _ = loc.predict(np.zeros((32, 16), np.uint8))  # scale 2, padded at the right
    np.testing.assert_allclose(box, [12, 12, 8, 8], atol=1e-4)
    with pytest.raises(ValueError, match="grey H x W image"):
        loc.predict(np.zeros((3, 8, 8)))


def test_images_without_objects_are_left_out_with_a_message(capsys):
    from deepgrad.data.coco_dense import DenseSet

    d = DenseSet(np.zeros((3, 4, 4), np.uint8), np.zeros((3, 4, 4), np.uint8),
                 [[(1, [0, 0, 2, 2]), (2, [0, 0, 3, 3])], [], [(1, [1, 1, 1, 1])]],
                 ["background", "x", "y"], [])
    images, y, boxes = single_objects(d, "train")
    assert len(images) == 2 and list(y) == [1, 0]  # the largest object of the first image
    assert "1 train image(s) without an object left out" in capsys.readouterr().out
    empty = DenseSet(d.images[:1], d.labels[:1], [[]], d.classes, [])
    with pytest.raises(TaskError, match="no test image has an object box"):
        single_objects(empty, "test")


def test_localize_verb(quick_run, tmp_path, capsys):
    out, _ = quick_run
    images, _, _ = single_objects(coco_dense(out / "scenes", "test", 64, masks=False), "test")
    img = tmp_path / "one.png"
    Image.fromarray(255 - images[0]).save(img)  # dark on light: inverted when read
    png = tmp_path / "box.png"
    assert main(["localize", str(img), "--run", str(out), "--out", str(png)]) == 0
    said = capsys.readouterr().out
    assert "(probability" in said and "pixels of the 64 x 64 image" in said and png.is_file()
    assert main(["localize", str(tmp_path / "none.png"), "--run", str(out)]) == 2
    assert "no such image file" in capsys.readouterr().err


def test_bad_config_is_named(tmp_path):
    with pytest.raises(TaskError, match="--n-train must be >= 1, got 0"):
        localization.run(localization.Config(n_train=0), tmp_path)
    with pytest.raises(TaskError, match="not both 0"):
        localization.run(localization.Config(class_weight=0, box_weight=0), tmp_path)


@pytest.mark.slow
def test_full_config_reaches_the_target(tmp_path):
    _, result = run_task(localization, localization.Config(), tmp_path / "full")
    assert result.metrics["iou50_accuracy"] >= 0.95
