"""The autoencoder task: its QUICK config on real MNIST (one shared run), the same pipeline on
LFW-format photos written here, load/morph, exact resume, construction errors; its parts (PCA by
gradient descent against an SVD, nearest neighbours against scikit-learn); the full config
(slow) against the issue's targets."""

import json

import numpy as np
import pytest

from deepgrad import models
from deepgrad.data.image_sets import image_set
from deepgrad.random import manual_seed
from deepgrad.tasks import TaskError, autoencoder, load_run, run_task
from deepgrad.tasks.autoencoder import MODELS, Config, TrainedAutoencoders
from deepgrad.tasks.autoencoder.pca import (
    fit_linear_autoencoder,
    largest_eigenvalue,
    principal_angles,
    principal_components,
)
from deepgrad.tasks.autoencoder.retrieval import nearest_neighbours, precision_at_k

NAMES = ["test_mse_pca", "test_mse_dense", "test_mse_conv", "test_mse_denoising",
         "params_pca", "params_dense", "params_conv", "params_denoising", "pca_max_angle",
         "pca_mean_angle", "test_mse_svd", "retrieval_precision_at_5",
         "retrieval_precision_at_5_pixels", "retrieval_precision_at_5_pca", "faces_mse_pca",
         "faces_pca_max_angle"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ae") / "run"
    path, result = run_task(autoencoder, None, out, quick=True)
    return path, result


def test_quick_run_on_real_mnist_reports_the_issues_metrics(quick_run):
    out, result = quick_run
    m = result.metrics
    assert set(NAMES) <= set(m) and json.loads((out / "metrics.json").read_text()) == m
    assert m["params_pca"] == 2 * 784 * 32
    assert m["params_conv"] == m["params_denoising"] == models.conv_autoencoder(
        (1, 28, 28), 32).num_parameters()
    # gradient descent got close to PCA's optimum even in 300 steps
    assert m["test_mse_svd"] <= m["test_mse_pca"] <= 1.15 * m["test_mse_svd"]
    assert 0 <= m["pca_mean_angle"] <= m["pca_max_angle"] <= np.pi / 2
    for k in ("retrieval_precision_at_5", "retrieval_precision_at_5_pixels",
              "retrieval_precision_at_5_pca"):
        assert 0 <= m[k] <= 1
    assert m["retrieval_precision_at_5_pixels"] > 0.7  # kNN on MNIST pixels works
    assert m["train_images"] == 1833 and m["test_images"] == 500
    for a in result.artifacts.values():
        assert (out / a).is_file(), a


def test_pictures_have_the_layout_described(quick_run):
    from PIL import Image

    out, _ = quick_run
    tile = 3 * (28 + 2)  # 28 pixels and a 2-pixel gap, drawn 3 x 3
    sizes = {"reconstructions.png": (10, 6), "retrieval.png": (13, 8), "morph.png": (11, 6)}
    for name, (cols, rows) in sizes.items():
        w, h = Image.open(out / name).size
        assert (w, h) == (cols * tile + 6, rows * tile + 6), name
    w, h = Image.open(out / "morph_faces.png").size
    assert (w, h) == (11 * 3 * 27 + 6, 6 * 3 * 27 + 6)


def test_load_gives_the_runs_models_and_morphs(quick_run):
    out, result = quick_run
    ae = load_run(out)
    assert isinstance(ae, TrainedAutoencoders) and sorted(ae.models) == sorted(MODELS)
    x = image_set("mnist").x_test[:500]
    for kind in ("pca", "dense", "conv"):
        r = ae.reconstruct(x, kind)
        assert np.mean((r.astype(np.float64) - x) ** 2) == pytest.approx(
            result.metrics[f"test_mse_{kind}"], rel=1e-6)
    strip = ae.morph(x[0], x[1], steps=5)
    assert strip.shape == (5, 1, 28, 28)
    ends = ae.reconstruct(x[:2])
    np.testing.assert_allclose(strip[[0, -1]], ends, atol=1e-5)
    assert ae.encode(x[:3], "pca").shape == (3, 32)
    with pytest.raises(ValueError, match="N x 1 x 28 x 28"):
        ae.encode(np.zeros((2, 28, 28)))
    with pytest.raises(TaskError, match="model must be one of"):
        ae.encode(x[:1], "vae")


def _write_lfw(folder, people=3, each=5, size=(60, 60)):
    from PIL import Image

    rng = np.random.default_rng(0)
    for p in range(people):
        d = folder / "lfw" / f"Person_{p}"
        d.mkdir(parents=True)
        for i in range(each):
            im = rng.integers(0, 255, (*size, 3), dtype=np.uint8)
            im[:, :, p] = 255
            Image.fromarray(im).save(d / f"Person_{p}_{i + 1:04d}.jpg")


def test_the_same_pipeline_runs_on_lfw_photos(tmp_path):
    _write_lfw(tmp_path / "data")
    s = image_set("lfw", tmp_path / "data")
    assert s.x_train.shape == (14, 3, 32, 32) and s.x_test.shape == (1, 3, 32, 32)
    assert s.x_train.dtype == np.float32 and 0 <= s.x_train.min() and s.x_train.max() <= 1
    cfg = Config(dataset="lfw", data_path=str(tmp_path / "data"), epochs=1, batch_size=8,
                 pca_steps=20, faces=False, code_size=8)
    _, result = run_task(autoencoder, cfg, tmp_path / "run")
    assert result.metrics["params_pca"] == 2 * 3 * 32 * 32 * 8
    ae = load_run(tmp_path / "run")
    assert ae.reconstruct(s.x_test).shape == (1, 3, 32, 32)


def test_resume_reaches_the_uninterrupted_result(tiny_mnist, tmp_path, monkeypatch):
    cfg = Config(epochs=2, batch_size=64, pca_steps=30, faces=False, limit=300, test_limit=100,
                 data_path=str(tiny_mnist))
    _, full = run_task(autoencoder, cfg, tmp_path / "full", seed=5)
    from deepgrad.train import PlotCurves

    original = PlotCurves.on_epoch_end

    def crash_in_conv(self, epoch, logs=None):
        if "conv" in self.path.name and epoch == 1:
            raise KeyboardInterrupt
        original(self, epoch, logs)

    monkeypatch.setattr(PlotCurves, "on_epoch_end", crash_in_conv)
    with pytest.raises(KeyboardInterrupt):
        run_task(autoencoder, cfg, tmp_path / "cut", seed=5)
    monkeypatch.setattr(PlotCurves, "on_epoch_end", original)
    _, resumed = run_task(autoencoder, None, tmp_path / "cut", resume=True)
    assert resumed.metrics == full.metrics


def test_a_code_the_architecture_cannot_take_names_code_and_image_size(tiny_mnist, tmp_path):
    cfg = Config(code_size=1000, data_path=str(tiny_mnist), faces=False)
    with pytest.raises(TaskError, match=r"code size 1000.*image size \(1, 28, 28\)"):
        run_task(autoencoder, cfg, tmp_path / "run")


def _data_with_spectrum(n=4000, d=40, seed=0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = np.geomspace(4.0, 0.1, d)  # well separated variances
    return (rng.standard_normal((n, d)) * scales) @ q.T + 0.5


def test_gradient_descent_finds_the_principal_subspace():
    x = _data_with_spectrum().reshape(-1, 1, 5, 8)
    manual_seed(0)
    m = models.LinearAutoencoder((1, 5, 8), 4)
    losses = fit_linear_autoencoder(m, x, 800)
    mu, comps = principal_components(x, 4)
    angles = principal_angles(m.decoder.weight.data, comps)
    assert angles.max() < 1e-3 and losses[-1] < losses[0]
    np.testing.assert_allclose(m.mean, mu, rtol=1e-6)
    assert m.encoder.weight.dtype == np.float32  # trained in float64, handed back in float32
    # a subspace has angle 0 with itself, pi/2 with its complement
    assert principal_angles(comps, comps).max() < 1e-7
    _, all_comps = principal_components(x, 8)
    assert principal_angles(all_comps[:, 4:], comps).min() == pytest.approx(np.pi / 2)


def test_largest_eigenvalue_by_power_iteration():
    a = np.cov(_data_with_spectrum(500, 10, 1), rowvar=False)
    assert largest_eigenvalue(a, 300) == pytest.approx(np.linalg.eigvalsh(a)[-1], rel=1e-6)


def test_nearest_neighbours_and_precision_agree_with_scikit_learn():
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(2)
    db, q = rng.standard_normal((700, 12)), rng.standard_normal((90, 12))
    ours = nearest_neighbours(q, db, 5, chunk=32)
    ref = NearestNeighbors(n_neighbors=5).fit(db).kneighbors(q, return_distance=False)
    np.testing.assert_array_equal(ours, ref)
    labels_db, labels_q = np.arange(700) % 3, np.arange(90) % 3
    expect = np.mean(labels_db[ref] == labels_q[:, None])
    assert precision_at_k(ours, labels_q, labels_db) == pytest.approx(expect)
    with pytest.raises(ValueError, match="12 features, the database 3"):
        nearest_neighbours(q, db[:, :3])


@pytest.mark.slow
def test_full_run_meets_the_issues_targets(tmp_path):
    _, r = run_task(autoencoder, Config(), tmp_path / "full")
    m = r.metrics
    assert m["test_mse_conv"] <= 0.75 * m["test_mse_pca"], m
    assert m["pca_max_angle"] < 0.05, m
