"""The gan task: QUICK on real MNIST (one shared run), a NaN divergence that stops with a clear
message and keeps the last good checkpoint, exact resume, the quality measures against closed
forms, the sampler; the full config (slow) against the issue's targets."""

import json
import math

import numpy as np
import pytest

import deepgrad.functional as dgF
from deepgrad.tasks import TaskError, gan, load_run, run_task
from deepgrad.tasks.gan import Config, Sampler
from deepgrad.tasks.gan.quality import confidence_and_coverage, fid, frechet_distance
from deepgrad.tasks.gan.train import GANDiverged, load_state

NAMES = ["fid", "classifier_confidence", "class_coverage", "fid_dense",
         "classifier_confidence_dense", "class_coverage_dense", "fid_train_vs_test",
         "classifier_test_accuracy", "dcgan_seconds", "dcgan_cpu_seconds", "dense_cpu_seconds",
         "dcgan_steps", "dense_steps", "params_generator", "params_discriminator"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gan") / "run"
    return run_task(gan, None, out, quick=True)


def test_quick_run_on_real_mnist_reports_the_issues_metrics(quick_run):
    out, result = quick_run
    m = result.metrics
    assert set(NAMES) <= set(m) and json.loads((out / "metrics.json").read_text()) == m
    for k in ("classifier_confidence", "class_coverage", "classifier_confidence_dense",
              "class_coverage_dense", "classifier_test_accuracy"):
        assert 0 <= m[k] <= 1, k
    assert m["classifier_confidence"] >= 0.1  # at least the uniform guess
    assert 0 <= m["fid_train_vs_test"] < m["fid"] and m["fid_dense"] > 0
    assert m["dcgan_steps"] == 1024 // 64 and m["dense_steps"] >= 1
    # the refined generator: Linear, BN | 3x3 conv, BN | convT, BN | 3x3 conv, BN | convT to 32, BN
    # | 3x3 conv to the image (with bias)
    assert m["params_generator"] == (100 * 6272 + 2 * 128 + 128 * 128 * 9 + 2 * 128
                                     + 128 * 64 * 16 + 2 * 64 + 64 * 64 * 9 + 2 * 64
                                     + 64 * 32 * 16 + 2 * 32 + 32 * 9 + 1)
    for a in result.artifacts.values():
        if "NN" not in a:
            assert (out / a).is_file(), a
    assert (out / "samples_epoch_01.png").is_file()


def test_sampler_is_repeatable_and_seeded(quick_run):
    out, _ = quick_run
    s = load_run(out)
    assert isinstance(s, Sampler)
    a, b, c = s.sample(9, seed=1), s.sample(9, seed=1), s.sample(9, seed=2)
    assert a.shape == (9, 1, 28, 28) and 0 <= a.min() and a.max() <= 1
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert gan.load(out, "dense").sample(4).shape == (4, 1, 28, 28)
    with pytest.raises(ValueError, match="n must be >= 1"):
        s.sample(0)


def test_a_run_from_before_the_refined_generator_loads_the_plain_one(quick_run, tmp_path):
    import shutil

    from deepgrad.train.checkpoint import save_checkpoint

    out, _ = quick_run
    old = tmp_path / "old"
    shutil.copytree(out, old)
    info = json.loads((old / "config.json").read_text())
    del info["config"]["refine"]  # config.json as runs wrote it before the field existed
    (old / "config.json").write_text(json.dumps(info))
    plain, _ = gan.build("dcgan", info["config"]["latent_size"], refine=False)
    save_checkpoint(old / "generator.npz", plain)
    s = gan.load(old)
    assert s.generator.state_dict().keys() == plain.state_dict().keys()
    assert s.sample(2).shape == (2, 1, 28, 28)


def _small(tiny_mnist, **kw):
    base = dict(epochs=3, batch_size=32, limit=128, classifier_epochs=1, samples=64,
                baseline=False, data_path=str(tiny_mnist))
    return Config(**{**base, **kw})


def test_nan_losses_stop_with_a_message_and_keep_the_last_good_checkpoint(tiny_mnist,
                                                                          tmp_path,
                                                                          monkeypatch):
    original = dgF.binary_cross_entropy_with_logits
    calls = {"n": 0}

    def poisoned(*args, **kwargs):  # 3 calls per step, 4 steps per epoch: NaN in epoch 2
        calls["n"] += 1
        loss = original(*args, **kwargs)
        return loss * float("nan") if calls["n"] == 3 * 4 + 3 * 2 + 1 else loss

    monkeypatch.setattr(dgF, "binary_cross_entropy_with_logits", poisoned)
    out = tmp_path / "run"
    with pytest.raises(GANDiverged) as e:
        run_task(gan, _small(tiny_mnist), out)
    msg = str(e.value)
    assert "diverged at epoch 2, step 3" in msg and "nan" in msg
    assert "last good checkpoint, after epoch 1" in msg and "state_dcgan.npz" in msg
    assert isinstance(e.value, TaskError)  # so the CLI prints it as one line, exit 2
    st = load_state(out / "state_dcgan.npz")
    assert st["meta"]["epoch"] == 0 and st["meta"]["steps"] == 4
    assert all(np.isfinite(v).all() for v in st["g"].values())
    assert not (out / "metrics.json").exists()


def test_resume_reaches_the_uninterrupted_result(tiny_mnist, tmp_path, monkeypatch):
    cfg = _small(tiny_mnist)
    _, full = run_task(gan, cfg, tmp_path / "full", seed=4)
    from deepgrad.tasks.gan import train as gan_train

    original = gan_train.save_state

    def crash_after_second_epoch(path, g, d, og, od, meta):
        original(path, g, d, og, od, meta)
        if meta["epoch"] == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(gan_train, "save_state", crash_after_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        run_task(gan, cfg, tmp_path / "cut", seed=4)
    monkeypatch.setattr(gan_train, "save_state", original)
    _, resumed = run_task(gan, None, tmp_path / "cut", resume=True)
    timing = {"dcgan_seconds", "dcgan_cpu_seconds"}
    assert {k: v for k, v in resumed.metrics.items() if k not in timing} == {
        k: v for k, v in full.metrics.items() if k not in timing}
    a, b = np.load(tmp_path / "full" / "generator.npz"), np.load(tmp_path / "cut" /
                                                                 "generator.npz")
    for k in a.files:
        if k.startswith("model/"):
            np.testing.assert_array_equal(a[k], b[k])


def test_bad_latent_size_is_an_error_naming_it_and_the_image_size(tiny_mnist, tmp_path):
    with pytest.raises(TaskError, match=r"latent size 0.*image size \(1, 28, 28\)"):
        run_task(gan, _small(tiny_mnist, latent_size=0), tmp_path / "run")


def test_frechet_distance_against_closed_forms():
    rng = np.random.default_rng(0)
    a, b = np.diag(rng.random(5) + 0.5), np.diag(rng.random(5) + 0.5)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    # commuting (diagonal) covariances: tr(S1 + S2 - 2 sqrt(S1 S2)) = sum (sqrt s1 - sqrt s2)^2
    expect = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(np.diag(a)) - np.sqrt(np.diag(b))) ** 2)
    assert frechet_distance(mu1, a, mu2, b) == pytest.approx(expect, rel=1e-10)
    q, _ = np.linalg.qr(rng.standard_normal((5, 5)))  # rotating both changes nothing
    assert frechet_distance(q @ mu1, q @ a @ q.T, q @ mu2, q @ b @ q.T) == pytest.approx(
        expect, rel=1e-8)
    f = rng.standard_normal((400, 6))
    assert fid(f, f) == pytest.approx(0.0, abs=1e-8)
    assert fid(f, f + 2.0) == pytest.approx(6 * 4.0, rel=1e-6)  # a shift moves only the means


def test_confidence_and_coverage():
    one_class = np.tile([0.9] + [0.1 / 9] * 9, (50, 1))
    conf, cover = confidence_and_coverage(one_class)
    assert conf == pytest.approx(0.9) and cover == 0.0  # mode collapse
    uniform = np.eye(10)[np.arange(100) % 10]
    assert confidence_and_coverage(uniform) == (pytest.approx(1.0), pytest.approx(1.0))
    half = np.eye(10)[np.arange(100) % 5]
    assert confidence_and_coverage(half)[1] == pytest.approx(math.log(5) / math.log(10))


@pytest.mark.slow
def test_full_run_meets_the_issues_targets(tmp_path):
    _, r = run_task(gan, Config(), tmp_path / "full")
    m = r.metrics
    assert m["class_coverage"] >= 0.95 and m["classifier_confidence"] >= 0.9, m
    assert m["fid"] < 0.5 * m["fid_dense"], m
