"""The segmentation task: its QUICK config on real MNIST scenes (one shared run), metrics
against scikit-learn's formulas, load + inference reproducing the metrics, the classical
reference's exact foreground, the CLI verb and its bad input; the full config (slow) against
the issue's targets (both mIoU >= 0.75)."""

import json

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import accuracy_score, confusion_matrix, jaccard_score

from deepgrad.cli import main
from deepgrad.data.coco_dense import coco_dense
from deepgrad.data.store import MissingDataError
from deepgrad.tasks import TaskError, load_run, run_task, segmentation
from deepgrad.tasks.segmentation import Segmenter, score
from deepgrad.tasks.segmentation.components import components_labels, crop_object
from deepgrad.tasks.segmentation.metrics import confusion, iou_per_class, mean_iou
from deepgrad.tasks.segmentation.training import predict_batches, standardize

VARIANTS = ("unpool", "transposed", "components")
CLASSES = ["background", "zero", "one", "two", "three", "four", "five", "six", "seven",
           "eight", "nine"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seg") / "run"
    return run_task(segmentation, None, out, quick=True)


def test_quick_run_reports_the_issues_metrics(quick_run):
    out, result = quick_run
    m = result.metrics
    assert json.loads((out / "metrics.json").read_text()) == m
    for v in VARIANTS:
        for k in ("miou", "pixel_accuracy", "boundary_accuracy", "object_recall"):
            assert 0 <= m[f"{k}_{v}"] <= 1, (k, v)
        ious = [m[f"iou_{c}_{v}"] for c in CLASSES if m[f"iou_{c}_{v}"] is not None]
        assert m[f"miou_{v}"] == pytest.approx(np.mean(ious))
    from deepgrad.models.segnet import segnet

    for v in ("unpool", "transposed"):  # each network at its own architecture
        ws = segmentation.widths(segmentation.QUICK, v)
        assert m[f"params_{v}"] == segnet(11, ws, v).num_parameters(), v
    assert json.loads((out / "classes.json").read_text())["widths"] == {
        "unpool": [8, 16, 32], "transposed": [8, 16]}
    assert m["train_scenes"] == 300 and m["test_scenes"] == 60 and m["classes"] == 11
    for a in result.artifacts.values():
        assert (out / a).is_file(), a


def test_picture_has_the_described_layout(quick_run):
    out, _ = quick_run
    w, h = Image.open(out / "segmentation.png").size
    tile = 64 + 2  # scenes of 64 pixels, 2-pixel gaps, drawn 3 x 3
    assert (w, h) == (3 * (2 + 10 * tile), 3 * (2 + 5 * tile))


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 5, (3, 16, 16))
    p = np.where(rng.random(t.shape) < 0.7, t, rng.integers(0, 4, t.shape))
    p[p == 4] = 0  # class 4 never predicted: IoU 0
    m = confusion(t, p, 6)  # class 5 absent from both: left out of the mean
    np.testing.assert_array_equal(m, confusion_matrix(t.ravel(), p.ravel(), labels=range(6)))
    ious = iou_per_class(m)
    ref = jaccard_score(t.ravel(), p.ravel(), labels=range(5), average=None)
    np.testing.assert_allclose(ious[:5], ref, rtol=1e-12)
    assert np.isnan(ious[5]) and ious[4] == 0
    assert mean_iou(m) == pytest.approx(ref.mean(), rel=1e-12)
    s = score(t, p, ["bg", "a", "b", "c", "d", "e"], "x", [[(1, None)]] * 3)
    assert s["pixel_accuracy_x"] == pytest.approx(accuracy_score(t.ravel(), p.ravel()))
    assert s["iou_e_x"] is None and s["iou_d_x"] == 0
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        confusion(t, p, 3)


def test_load_reproduces_the_test_metrics(quick_run):
    out, result = quick_run
    seg = load_run(out)
    assert isinstance(seg, Segmenter) and seg.classes == CLASSES
    test = coco_dense(out / "scenes", "test", 64)
    for v in ("unpool", "transposed"):
        pred = np.stack([seg.predict(img, v) for img in test.images])
        # one image at a time multiplies in another order than the run's batches: a pixel whose
        # two best logits tie within float32 rounding may flip (the one-epoch QUICK networks
        # have many near-ties), nothing more
        in_run = np.concatenate([o.argmax(1) for o in predict_batches(seg.nets[v],
                                                                      standardize(test.images))])
        assert (pred != in_run).mean() < 1e-4, v
        assert mean_iou(confusion(test.labels, in_run, 11)) == pytest.approx(
            result.metrics[f"miou_{v}"], abs=1e-12)
    odd = seg.predict(test.images[0][:50, :37])  # padded to 56 x 40 inside, cut back
    assert odd.shape == (50, 37)
    with pytest.raises(ValueError, match="grey H x W image"):
        seg.predict(np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(TaskError, match="variant must be one of unpool, transposed"):
        seg.predict(test.images[0], "bilinear")


def test_a_run_from_before_per_variant_widths_loads(quick_run, tmp_path):
    """Runs written before each network had its own architecture kept one widths list; both
    networks of such a run are built with it."""
    import shutil

    from deepgrad.models.segnet import segnet
    from deepgrad.train import save_checkpoint

    out, _ = quick_run
    old = tmp_path / "old"
    shutil.copytree(out, old, ignore=shutil.ignore_patterns("scenes"))
    info = json.loads((old / "classes.json").read_text())
    (old / "classes.json").write_text(json.dumps({"classes": info["classes"], "widths": [4, 8]}))
    for v in ("unpool", "transposed"):
        save_checkpoint(old / f"weights_{v}.npz", segnet(11, (4, 8), v))
    seg = load_run(old)
    assert {v: tuple(n.widths) for v, n in seg.nets.items()} == {
        "unpool": (4, 8), "transposed": (4, 8)}
    assert seg.predict(np.zeros((64, 64), np.uint8)).shape == (64, 64)


def test_components_find_the_exact_foreground(quick_run):
    out, _ = quick_run
    test = coco_dense(out / "scenes", "test", 64)
    seen = []

    def classify(crops):
        seen.append(crops.shape)
        return np.full(len(crops), 2)

    lab = components_labels(test.images[:8], classify, threshold=64)
    # the masks are the pixels above the threshold: the foreground is exact
    np.testing.assert_array_equal(lab > 0, test.labels[:8] > 0)
    assert set(np.unique(lab)) == {0, 3} and seen[0][1:] == (1, 28, 28)
    crop = crop_object(test.images[0], test.objects[0][0][1])
    assert crop.shape == (28, 28) and crop.dtype == np.float32 and crop.max() > 0.5


def test_segment_verb_writes_labels_and_says_what_it_found(quick_run, tmp_path, capsys):
    out, _ = quick_run
    test = coco_dense(out / "scenes", "test", 64)
    img = tmp_path / "scene.png"
    Image.fromarray(test.images[0]).save(img)
    png = tmp_path / "labels.png"
    assert main(["segment", str(img), "--run", str(out), "--out", str(png)]) == 0
    said = capsys.readouterr().out
    assert "64 x 64 pixels, unpool decoder" in said and png.is_file()
    black = tmp_path / "black.png"
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(black)
    assert main(["segment", str(black), "--run", str(out), "--variant", "transposed",
                 "--out", str(tmp_path / "b.png")]) == 0
    said = capsys.readouterr().out
    assert "no objects found" in said or "pixels" in said
    assert main(["segment", str(tmp_path / "nope.png"), "--run", str(out)]) == 2
    assert "nope.png: no such image file" in capsys.readouterr().err
    (tmp_path / "bad.png").write_text("not an image")
    assert main(["segment", str(tmp_path / "bad.png"), "--run", str(out)]) == 2
    assert "not a readable image" in capsys.readouterr().err
    assert main(["segment", str(img), "--run", str(tmp_path)]) == 2
    assert "config.json: missing" in capsys.readouterr().err


def test_bad_config_and_missing_coco_are_named(tmp_path):
    with pytest.raises(TaskError, match="--epochs must be >= 1, got 0"):
        segmentation.run(segmentation.Config(epochs=0), tmp_path)
    with pytest.raises(TaskError, match="--stages 7"):
        segmentation.run(segmentation.Config(stages=7), tmp_path)
    with pytest.raises(TaskError, match="--stages-transposed 7"):
        segmentation.run(segmentation.Config(stages_transposed=7), tmp_path)
    with pytest.raises(TaskError, match="--width-transposed must be >= 1, got 0"):
        segmentation.run(segmentation.Config(width_transposed=0), tmp_path)
    with pytest.raises(MissingDataError, match="instances_train2014.json not found"):
        segmentation.run(segmentation.Config(coco_root=str(tmp_path / "coco")), tmp_path)


@pytest.mark.slow
def test_full_config_reaches_the_targets(tmp_path):
    _, result = run_task(segmentation, segmentation.Config(), tmp_path / "full")
    m = result.metrics
    assert m["miou_unpool"] >= 0.75 and m["miou_transposed"] >= 0.75


def test_training_loop_keeps_the_best_epoch_and_skips_a_finished_network(tmp_path, capsys):
    import deepgrad.functional as F
    from deepgrad.models.segnet import segnet
    from deepgrad.tasks.segmentation.training import train

    rng = np.random.default_rng(0)
    x = rng.random((8, 1, 8, 8), np.float32)
    y = (x[:, 0] > 0.5).astype(np.int64)
    scores = iter([0.3, 0.9, 0.1])
    m = segnet(2, (4,), "unpool")
    info = train(m, "t", tmp_path, (x, y), lambda net, a, b: F.cross_entropy(net(a), b),
                 lambda net: next(scores), 3, 4, 1e-2)
    assert info["best_epoch"] == 2 and info["val"] == 0.9
    assert (tmp_path / "best_t.npz").is_file() and (tmp_path / "weights_t.npz").is_file()
    again = segnet(2, (4,), "unpool")
    info = train(again, "t", tmp_path, (x, y), None, lambda net: 0.5, 3, 4, 1e-2)
    assert info == {"best_epoch": 2, "val": 0.5, "seconds": 0.0}
    assert "loaded weights_t.npz (resumed run)" in capsys.readouterr().out
    for a, b in zip(m.state_dict().values(), again.state_dict().values(), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
