"""The transfer task: QUICK on real MNIST -> Fashion-MNIST, the nested labelled subsets, batch
norm's two fine-tuning modes, exact resume, clear errors; the full config (slow)."""

import json

import numpy as np
import pytest

from deepgrad import nn
from deepgrad.tasks import TaskError, load_run, run_task, transfer
from deepgrad.tasks.transfer import RECIPES, Config, labelled_subset
from deepgrad.tasks.transfer.recipes import run_frozen, set_norm_mode, train_classifier


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("transfer") / "run"
    return run_task(transfer, None, out, quick=True)


def test_quick_run_reports_every_recipe_at_every_label_count(quick_run):
    out, result = quick_run
    m = result.metrics
    assert json.loads((out / "metrics.json").read_text()) == m
    for n in (10, 50):
        for r in RECIPES:
            assert 0.0 <= m[f"test_accuracy_{r}_{n}"] <= 1.0
    # better than chance (0.1) after a few dozen steps, for every recipe
    assert min(m[f"test_accuracy_{r}_50"] for r in RECIPES) > 0.2
    assert m["pretrain_test_accuracy"] > 0.5 and m["test_images"] == 1000
    table = (out / "table.md").read_text()
    assert "| 10 |" in table and "| 50 |" in table
    for a in result.artifacts.values():
        assert (out / a).is_file(), a


def test_load_gives_the_fine_tuned_classifier(quick_run):
    out, result = quick_run
    from deepgrad.data import fashion_mnist

    (_, _), (x, y) = fashion_mnist()
    clf = load_run(out)
    p = clf.predict_proba(x[:1000])
    assert p.shape == (1000, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    # the saved network is the fine-tuned one at the largest label count
    assert np.mean(p.argmax(1) == y[:1000]) == pytest.approx(
        result.metrics["test_accuracy_finetune_50"], abs=1e-9)


def test_labelled_subsets_are_nested_and_balanced():
    y = np.repeat(np.arange(4), 30)
    big, small = labelled_subset(y, 20), labelled_subset(y, 5)
    assert big.shape == (20, 4) and small.shape == (5, 4)
    np.testing.assert_array_equal(big[:5], small)  # the 5-subset is the start of the 20-subset
    for c in range(4):
        assert set(y[big[:, c]]) == {c} and len(set(big[:, c])) == 20
    with pytest.raises(TaskError, match="class 0 has 30 training images, fewer than the 31"):
        labelled_subset(y, 31)


def _bn_net():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_batch_norm_frozen_keeps_statistics_train_updates_them_with_momentum():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32) + 5
    y = (x[:, 0] > 5).astype(np.int64)
    for mode in ("train", "frozen"):
        net = _bn_net()
        bn = net[1]
        before = np.array(bn.running_mean.data, copy=True)
        train_classifier([net], x, y, steps=3, lr=1e-2, batch_size=64, norm_mode=mode)
        after = np.asarray(bn.running_mean.data)
        if mode == "frozen":
            np.testing.assert_array_equal(after, before)
        else:
            assert bn.momentum == 0.1  # Keras's momentum 0.9
            assert not np.allclose(after, before)
    with pytest.raises(ValueError, match="'train' or 'frozen'"):
        set_norm_mode([net], "keras")


def test_frozen_pass_is_batched_and_equals_one_pass():
    net = _bn_net()
    x = np.random.default_rng(1).normal(size=(37, 3)).astype(np.float32)
    np.testing.assert_allclose(run_frozen([net], x, batch_size=8), run_frozen([net], x,
                               batch_size=100), rtol=1e-6)


def _small(tiny_mnist, **kw):
    base = dict(labels_per_class="3,6", epochs=1, min_steps=4, batch_size=16,
                pretrain_epochs=1, pretrain_limit=256, test_limit=100,
                data_path=str(tiny_mnist))
    return Config(**{**base, **kw})


def test_resume_gives_the_uninterrupted_numbers(tiny_mnist, tmp_path, monkeypatch):
    cfg = _small(tiny_mnist)
    _, whole = run_task(transfer, cfg, tmp_path / "whole", seed=3)

    import deepgrad.tasks.transfer as mod

    real, calls = mod._save_done, []

    def crash_after_three(out, done):
        real(out, done)
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(mod, "_save_done", crash_after_three)
    with pytest.raises(KeyboardInterrupt):
        run_task(transfer, cfg, tmp_path / "cut", seed=3)
    monkeypatch.setattr(mod, "_save_done", real)
    assert len(json.loads((tmp_path / "cut" / "results.json").read_text())) == 3
    _, resumed = run_task(transfer, None, tmp_path / "cut", resume=True)
    assert resumed.metrics == whole.metrics


def test_bad_configs_name_the_field(tiny_mnist, tmp_path):
    with pytest.raises(TaskError, match="labels_per_class should be positive integers"):
        run_task(transfer, _small(tiny_mnist, labels_per_class="ten"), tmp_path / "a")
    with pytest.raises(TaskError, match=r"finetune_blocks must be 1\.\.3 for the mnist"):
        run_task(transfer, _small(tiny_mnist, finetune_blocks=4), tmp_path / "b")
    with pytest.raises(TaskError, match="source 'mnist' takes 28x28 grey images"):
        run_task(transfer, _small(tiny_mnist, target="flowers102"), tmp_path / "c")


@pytest.mark.slow
def test_full_run_mnist_to_fashion(tmp_path):
    _, result = run_task(transfer, Config(), tmp_path / "run")
    m = result.metrics
    for n in (10, 100, 1000):
        for r in RECIPES:
            assert 0.1 < m[f"test_accuracy_{r}_{n}"] <= 1.0
    assert m["pretrain_test_accuracy"] > 0.98


def test_imagenet_backbone_transfers_efficientnet_features(tiny_mnist, tmp_path):
    pytest.importorskip("deepgrad.models.efficientnet")
    cfg = _small(tiny_mnist, source="imagenet", labels_per_class="2", image_size=32,
                 min_steps=2, test_limit=20, finetune_blocks=2)
    _, result = run_task(transfer, cfg, tmp_path / "run")
    m = result.metrics
    assert {f"test_accuracy_{r}_2" for r in RECIPES} <= set(m)
    assert m["pretrain_test_accuracy"] is None and m["test_images"] == 20
    clf = load_run(tmp_path / "run")
    assert clf.predict(np.zeros((3, 28, 28), np.uint8)).shape == (3,)


def test_imagenet_backbone_cut_gives_the_pretrained_features():
    """prefix + blocks reproduce EfficientNet-Lite0's own pooled features (the cut is exact)."""
    from deepgrad import models
    from deepgrad.tasks.transfer.backbones import imagenet_backbone
    from deepgrad.tensor import Tensor

    net = models.efficientnet_lite0()
    net.eval()
    bb = imagenet_backbone(32, net=net)
    assert len(bb.blocks) == 17 and bb.feature_size == 1280
    x = np.random.default_rng(0).integers(0, 256, size=(2, 32, 32, 3)).astype(np.uint8)
    ours = run_frozen(bb.modules(), x, bb.preprocess)
    ref = np.asarray(net.features(Tensor(bb.preprocess(x))).data)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(TaskError, match="image_size must be at least 32"):
        imagenet_backbone(16)
