"""Week 4: autoencoders from PCA to denoising, on real images; retrieval and morphing.

    deepgrad autoencoder                       # MNIST, code 32: four models side by side
    deepgrad autoencoder --dataset fashion_mnist
    deepgrad autoencoder --quick               # seconds, on 2,000 real images
    deepgrad morph 3 17                        # morph test image 3 into 17 (the latest run)

Four autoencoders with the same code size: PCA (a linear encoder/decoder trained by gradient
descent, compared with an SVD's principal components by principal angles), a dense deep one, the
course's convolutional one, and a denoising one (the conv architecture trained on inputs with
fresh Gaussian noise every epoch). Reports each one's test MSE (pixels in [0, 1]; the denoising
one on noisy test inputs against the clean images) and parameter count; retrieval precision@5
(same class) by nearest neighbours in conv-code space, in PCA-code space and on raw pixels; and
draws reconstructions, retrieval results and morph strips (decoded interpolations between two
codes), also for scikit-image's 100 LFW face crops with an eigenface PCA model.

The course used LFW faces (32 x 32, code 32); LFW cannot be had offline here, so the default is
MNIST; ``--dataset lfw`` runs the same pipeline on LFW photos a user puts into the data store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ... import models
from ...train import load_checkpoint
from ..contract import Result, TaskError, param
from . import pictures
from .pca import fit_linear_autoencoder, principal_angles, principal_components
from .retrieval import nearest_neighbours, precision_at_k
from .training import add_noise, in_batches, mse, train_autoencoder

NAME = "autoencoder"
WEEK = 4
SUMMARY = "PCA, dense, conv and denoising autoencoders; image retrieval and morphing"
HEADLINE = "test_mse_conv"
DISTRIBUTED = True  # the three networks train through fit (PCA's few full-batch steps
# are repeated on every rank)

MODELS = ("pca", "dense", "conv", "denoising")
TEST_NOISE_SEED = 20_13  # the noisy test inputs are the same in every run


@dataclass
class Config:
    dataset: Literal["mnist", "fashion_mnist", "lfw"] = param(
        "mnist", "the images (lfw: user-supplied photos, see deepgrad data list)")
    code_size: int = param(32, "numbers per code, the same for the four models")
    epochs: int = param(10, "passes over the training images (dense, conv, denoising)")
    batch_size: int = param(64, "images per gradient step")
    lr: float = param(1e-3, "Adam's initial learning rate (cosine decay to 0)")
    noise_sigma: float = param(0.1, "standard deviation of the denoising autoencoder's noise")
    pca_steps: int = param(3000, "full-batch gradient steps of the linear (PCA) autoencoder")
    limit: int | None = param(None, "train on the first N training images only")
    test_limit: int | None = param(None, "evaluate on the first N test images only")
    faces: bool = param(True, "also morph scikit-image's 100 LFW face crops (eigenfaces)")
    data_path: str | None = param(None, "read the dataset from this folder instead of the store")


QUICK = Config(epochs=1, limit=2000, test_limit=500, pca_steps=300)


def build(kind: str, image_shape: tuple[int, ...], code_size: int) -> Any:
    """The untrained model ``kind`` (one of ``MODELS``) for images of ``image_shape``."""
    if kind == "pca":
        return models.LinearAutoencoder(image_shape, code_size)
    if kind == "dense":
        return models.dense_autoencoder(image_shape, code_size)
    if kind in ("conv", "denoising"):
        return models.conv_autoencoder(image_shape, code_size)
    raise ValueError(f"autoencoder: model must be one of {', '.join(MODELS)}, got {kind!r}")


def _check(cfg: Config, image_shape: tuple[int, ...]) -> None:
    for kind in MODELS:  # construction errors name the code size and the image size
        try:
            build(kind, image_shape, cfg.code_size)
        except ValueError as e:
            raise TaskError(f"--code-size {cfg.code_size} with {cfg.dataset} images "
                            f"{image_shape}: {e}") from None
    for name in ("epochs", "batch_size", "pca_steps"):
        if getattr(cfg, name) < 1:
            raise TaskError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(cfg, name)}")
    if cfg.noise_sigma < 0:
        raise TaskError(f"--noise-sigma must be >= 0, got {cfg.noise_sigma}")


def _data(cfg: Config):
    from ...data.image_sets import image_set

    s = image_set(cfg.dataset, cfg.data_path)
    if cfg.limit:
        s.x_train, s.y_train = s.x_train[:cfg.limit], s.y_train[:cfg.limit]
    if cfg.test_limit:
        s.x_test, s.y_test = s.x_test[:cfg.test_limit], s.y_test[:cfg.test_limit]
    return s


def test_images(cfg: Config) -> np.ndarray:
    """The test images a run with ``cfg`` evaluated on (``deepgrad morph 3 17`` indexes them);
    a TaskError saying why when they cannot be read."""
    from ...data.store import DataError

    try:
        return _data(cfg).x_test
    except DataError as e:
        raise TaskError(f"autoencoder: the {cfg.dataset} test images cannot be read ({e})"
                        ) from e


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Train the four autoencoders, evaluate, retrieve, morph; write weights and pictures."""
    data = _data(cfg)
    shape = data.image_shape
    _check(cfg, shape)
    cut = len(data.x_train) - max(1, int(round(len(data.x_train) / 12)))
    if cut < 1:
        raise TaskError(f"{cfg.dataset}: {len(data.x_train)} training image(s) cannot be split "
                        "into training and validation images")
    xtr, xval = data.x_train[:cut], data.x_train[cut:]
    xte, yte = data.x_test, data.y_test
    noise = np.random.default_rng(TEST_NOISE_SEED)
    xval_noisy, xte_noisy = add_noise(xval, cfg.noise_sigma, noise), add_noise(
        xte, cfg.noise_sigma, noise)
    k = cfg.code_size
    metrics: dict[str, Any] = {}
    trained: dict[str, Any] = {}

    # 1. PCA: gradient descent on the linear autoencoder, against the SVD's components
    print(f"pca: {cfg.pca_steps} full-batch gradient steps on {len(xtr)} images")
    pca = build("pca", shape, k)
    losses = fit_linear_autoencoder(pca, xtr, cfg.pca_steps)
    mu, comps = principal_components(xtr, k)
    angles = principal_angles(pca.decoder.weight.data, comps)
    pca.eval()
    trained["pca"] = pca
    from ...train import save_checkpoint

    save_checkpoint(out / "weights_pca.npz", pca, epoch=cfg.pca_steps - 1)
    flat = xte.reshape(len(xte), -1).astype(np.float64) - mu
    metrics.update({"pca_train_mse": losses[-1], "pca_max_angle": float(angles.max()),
                    "pca_mean_angle": float(angles.mean()),
                    "test_mse_svd": mse(flat @ comps @ comps.T, flat)})
    print(f"pca: train MSE {losses[-1]:.5f}; principal angles to the SVD's top {k} "
          f"components: max {angles.max():.4f} rad, mean {angles.mean():.4f} rad")

    # 2. the dense, conv and denoising autoencoders
    for kind in MODELS[1:]:
        sigma = cfg.noise_sigma if kind == "denoising" else 0.0
        print(f"\n{kind} autoencoder" + (f" (input noise sigma {sigma})" if sigma else ""))
        model = build(kind, shape, k)
        val = (xval_noisy if sigma else xval, xval)
        info = train_autoencoder(model, kind, out, xtr, val, cfg.epochs, cfg.batch_size,
                                 cfg.lr, sigma)
        model.eval()
        trained[kind] = model
        metrics[f"best_epoch_{kind}"] = info["best_epoch"]

    recon = {kind: in_batches(m, xte_noisy if kind == "denoising" else xte)
             for kind, m in trained.items()}
    for kind in MODELS:
        metrics[f"test_mse_{kind}"] = mse(recon[kind], xte)
        metrics[f"params_{kind}"] = trained[kind].num_parameters()
    metrics["test_mse_conv_on_noisy"] = mse(in_batches(trained["conv"], xte_noisy), xte)
    metrics["conv_mse_below_pca"] = 1 - metrics["test_mse_conv"] / metrics["test_mse_pca"]

    # 3. retrieval: the training images are the database, each test image a query
    codes = {kind: (in_batches(trained[kind].encode, xtr), in_batches(trained[kind].encode, xte))
             for kind in ("conv", "pca")}
    nn_conv = nearest_neighbours(codes["conv"][1], codes["conv"][0], 5)
    nn_pixels = nearest_neighbours(xte, xtr, 5)
    nn_pca = nearest_neighbours(codes["pca"][1], codes["pca"][0], 5)
    ytr = data.y_train[:cut]
    metrics["retrieval_precision_at_5"] = precision_at_k(nn_conv, yte, ytr)
    metrics["retrieval_precision_at_5_pixels"] = precision_at_k(nn_pixels, yte, ytr)
    metrics["retrieval_precision_at_5_pca"] = precision_at_k(nn_pca, yte, ytr)

    # 4. pictures
    n_show = min(10, len(xte))
    show = slice(0, n_show)
    art = {"reconstructions": "reconstructions.png", "retrieval": "retrieval.png"}
    pictures.reconstructions(out / art["reconstructions"], [
        ("original", xte[show]), ("pca", recon["pca"][show]), ("dense", recon["dense"][show]),
        ("conv", recon["conv"][show]), ("noisy", xte_noisy[show]),
        ("denoised", recon["denoising"][show])])
    q = np.arange(min(8, len(xte)))
    pictures.retrieval(out / art["retrieval"], xte[q], xtr, [nn_conv[q], nn_pixels[q]])
    conv = trained["conv"]
    pairs = [(xte[a], xte[b]) for a, b in pictures.pick_pairs(yte, 5) if max(a, b) < len(xte)]
    if pairs:  # (a test set of one image has none)
        art["morph"] = "morph.png"
        pictures.morph_strips(out / art["morph"], pairs, lambda a, b: _morph(conv, a, b, 9))
    if cfg.faces:
        metrics.update(_faces(cfg, out))
        art["faces morph"] = "morph_faces.png"
    for kind in MODELS:
        art[f"weights {kind}"] = f"weights_{kind}.npz"
        if kind != "pca":
            art[f"curves {kind}"] = f"curves_{kind}.png"
    metrics.update({"train_images": cut, "test_images": len(xte), "code_size": k})
    return Result(metrics, art, data.checksums)


def _morph(model: Any, a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    za, zb = in_batches(model.encode, np.stack([a, b]))
    return in_batches(model.decode, pictures.interpolate_codes(za, zb, steps))


def _faces(cfg: Config, out: Path) -> dict[str, float]:
    """Eigenfaces: the linear autoencoder on the 100 face crops, and their morph strips."""
    from ...data.image_sets import skimage_faces

    faces = skimage_faces()
    k = min(cfg.code_size, len(faces) - 1)
    model = build("pca", faces.shape[1:], k)
    losses = fit_linear_autoencoder(model, faces, cfg.pca_steps)
    _, comps = principal_components(faces, k)
    angles = principal_angles(model.decoder.weight.data, comps)
    model.eval()
    pairs = [(faces[2 * i], faces[2 * i + 1]) for i in range(5)]
    pictures.morph_strips(out / "morph_faces.png", pairs, lambda a, b: _morph(model, a, b, 9))
    print(f"faces: eigenface autoencoder (code {k}) on 100 faces, MSE {losses[-1]:.5f}, "
          f"max principal angle {angles.max():.4f} rad")
    return {"faces_mse_pca": losses[-1], "faces_pca_max_angle": float(angles.max())}


class TrainedAutoencoders:
    """The four trained autoencoders of a run: ``encode``, ``decode``, ``reconstruct``,
    ``morph`` on float images N x C x H x W in [0, 1] (``image_shape`` = (C, H, W))."""

    def __init__(self, trained: dict[str, Any], config: Config,
                 image_shape: tuple[int, ...]) -> None:
        self.models, self.config, self.image_shape = trained, config, tuple(image_shape)

    def _model(self, model: str) -> Any:
        if model not in self.models:
            raise TaskError(f"autoencoder: model must be one of {', '.join(self.models)}, "
                            f"got {model!r}")
        return self.models[model]

    def _images(self, images: Any) -> np.ndarray:
        x = np.asarray(images, dtype=np.float32)
        if x.shape == self.image_shape:
            x = x[None]
        if x.ndim != 4 or x.shape[1:] != self.image_shape:
            dims = " x ".join(map(str, self.image_shape))
            raise ValueError(f"autoencoder: images should be N x {dims} (or {dims}), got "
                             f"shape {tuple(np.shape(images))}")
        return x

    def encode(self, images: Any, model: str = "conv") -> np.ndarray:
        return in_batches(self._model(model).encode, self._images(images))

    def decode(self, codes: Any, model: str = "conv") -> np.ndarray:
        return in_batches(self._model(model).decode, np.asarray(codes, np.float32))

    def reconstruct(self, images: Any, model: str = "conv") -> np.ndarray:
        return in_batches(self._model(model), self._images(images))

    def morph(self, a: Any, b: Any, steps: int = 9, model: str = "conv") -> np.ndarray:
        """Decoded images along the straight line from a's code to b's (steps x C x H x W)."""
        za, zb = self.encode(np.stack([self._images(a)[0], self._images(b)[0]]), model)
        return self.decode(pictures.interpolate_codes(za, zb, steps), model)


def load(out: Path) -> TrainedAutoencoders:
    """The autoencoders a finished run trained (its weights_<model>.npz)."""
    from ..rundir import read_run

    run_ = read_run(out, NAME)
    cfg = run_.config
    from ...data.image_sets import LFW_SIZE

    shape = (3, LFW_SIZE, LFW_SIZE) if cfg.dataset == "lfw" else (1, 28, 28)
    trained = {}
    for kind in MODELS:
        path = Path(out) / f"weights_{kind}.npz"
        if not path.is_file():
            raise TaskError(f"{path}: missing; expected the weights of a finished autoencoder run")
        model = build(kind, shape, cfg.code_size)
        model.load_state_dict(load_checkpoint(path)["model"])
        trained[kind] = model.eval()
    return TrainedAutoencoders(trained, cfg, shape)


def read_image(path: str | Path, image_shape: tuple[int, ...]) -> np.ndarray:
    """An image file -> float C x H x W in [0, 1] as the run's images (grey digits and clothes
    are light on black: a light background is inverted)."""
    from PIL import Image, UnidentifiedImageError

    c, h, w = image_shape
    try:
        with Image.open(path) as im:
            g = np.asarray(im.convert("L" if c == 1 else "RGB").resize(
                (w, h), Image.Resampling.LANCZOS), dtype=np.float32) / 255
    except (OSError, UnidentifiedImageError) as e:
        raise TaskError(f"{path}: not a readable image ({e})") from None
    if c == 1:
        border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
        g = 1 - g if border.mean() > 0.5 else g
        return g[None]
    return g.transpose(2, 0, 1).copy()
