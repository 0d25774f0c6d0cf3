"""Week 4: a DCGAN on MNIST or Fashion-MNIST whose quality is measured, beside an MLP GAN.

    deepgrad gan                            # MNIST: DCGAN, then the dense GAN for the same time
    deepgrad gan --dataset fashion_mnist
    deepgrad gan --quick                    # seconds, on 1,024 real images
    deepgrad sample gan --n 64 --seed 3     # a grid of new samples from the latest run

The DCGAN (generator of transposed convolutions with batch norm and ReLU, discriminator of
strided convolutions with LeakyReLU) is trained with the course's alternating updates, a sample
grid of the same 64 noise vectors written after every epoch (``samples_epoch_NN.png``); then a
dense (MLP) GAN is trained for the same CPU time. Both are judged by a CNN classifier
trained here on the same images (the mnist task's CNN): ``fid`` on its features (not comparable
with Inception-based FID), ``classifier_confidence`` and ``class_coverage`` over 10,000 samples
(see ``deepgrad.tasks.gan.quality``). A GAN whose losses become NaN stops with a message and
keeps its last good checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ... import models
from ...data.image_grid import image_grid, save_png
from ...random import get_rng, manual_seed
from ...tensor import Tensor, no_grad
from ...train import load_checkpoint, save_checkpoint
from ..contract import Result, TaskError, param
from .quality import Judge, confidence_and_coverage, fid, train_judge
from .train import GANDiverged, train_gan

__all__ = ["Config", "QUICK", "run", "load", "load_judge", "sample", "GANDiverged",
           "Sampler", "noise", "decode", "line", "generate", "latent_walk"]

NAME = "gan"
WEEK = 4
SUMMARY = "DCGAN vs a dense GAN on MNIST/Fashion-MNIST, measured by FID, confidence, coverage"
HEADLINE = "fid"

IMAGE = (1, 28, 28)
SAMPLE_SEED = 2013  # the noise of the per-epoch grids and of the measured samples


@dataclass
class Config:
    dataset: Literal["mnist", "fashion_mnist"] = param("mnist", "the images")
    epochs: int = param(15, "DCGAN passes over the training images")
    batch_size: int = param(64, "images per alternating update")
    latent_size: int = param(100, "length of the generator's noise vector z")
    lr: float = param(2e-4, "Adam's learning rate for both networks")
    beta1: float = param(0.5, "Adam's beta1 for both networks")
    refine: bool = param(True, "a deeper DCGAN generator: a 3x3 conv block after every "
                               "upsampling (False: Radford et al.'s plain one)")
    baseline: bool = param(True, "also train the dense GAN for the DCGAN's CPU time")
    classifier_epochs: int = param(3, "epochs of the judging CNN classifier")
    samples: int = param(10000, "generated images the metrics are computed on")
    limit: int | None = param(None, "train on the first N training images only")
    data_path: str | None = param(None, "read the dataset from this folder instead of the store")


QUICK = Config(epochs=1, limit=1024, classifier_epochs=1, samples=1000)


def build(kind: str, latent_size: int, refine: bool = False) -> tuple[Any, Any]:
    """(generator, discriminator), kind 'dcgan' or 'dense', for 1 x 28 x 28 images;
    ``refine``: the deeper DCGAN generator."""
    if kind == "dcgan":
        return (models.dcgan_generator(IMAGE, latent_size, refine=refine),
                models.dcgan_discriminator(IMAGE))
    if kind == "dense":
        return models.dense_generator(IMAGE, latent_size), models.dense_discriminator(IMAGE)
    raise ValueError(f"gan: kind must be 'dcgan' or 'dense', got {kind!r}")


def _check(cfg: Config) -> None:
    try:
        build("dcgan", cfg.latent_size)
        build("dense", cfg.latent_size)
    except ValueError as e:
        raise TaskError(f"--latent-size {cfg.latent_size}: {e}") from None
    for name in ("epochs", "batch_size", "classifier_epochs"):
        if getattr(cfg, name) < 1:
            raise TaskError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(cfg, name)}")
    if cfg.samples < 2:
        raise TaskError(f"--samples must be >= 2 (a covariance needs two), got {cfg.samples}")


def noise(n: int, latent_size: int, seed: int) -> np.ndarray:
    """The ``n`` noise vectors (N x latent_size, float32) of ``seed``, from its own generator
    (deepgrad's is untouched): the first ``m`` of them are the ``m`` of any smaller ``n``."""
    return np.random.default_rng(seed).standard_normal((n, latent_size), dtype=np.float32)


def decode(g: Any, z: np.ndarray, batch: int = 500) -> np.ndarray:
    """The generator's images in [0, 1] (N x 1 x 28 x 28) of the noise vectors ``z`` (N x
    latent_size), in eval mode and batches without a graph (its mode restored after)."""
    was = g.training
    g.eval()
    outs = []
    with no_grad():
        for s in range(0, len(z), batch):
            outs.append(np.asarray(g(Tensor(np.asarray(z[s:s + batch], np.float32))).data))
    g.train(was)
    return (np.concatenate(outs) + 1) / 2


def line(z_a: np.ndarray, z_b: np.ndarray, steps: int) -> np.ndarray:
    """The points (1 - t) z_a + t z_b for ``steps`` values of t evenly from 0 to 1."""
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    return (1 - t) * np.asarray(z_a, np.float32) + t * np.asarray(z_b, np.float32)


def generate(g: Any, n: int, latent_size: int, seed: int, batch: int = 500) -> np.ndarray:
    """``n`` images in [0, 1] (N x 1 x 28 x 28) from the noise of ``seed`` (:func:`noise`),
    the generator in eval mode."""
    return decode(g, noise(n, latent_size, seed), batch)


def latent_walk(g: Any, latent_size: int, seed: int, rows: int = 6, steps: int = 10) -> list:
    """Rows of decoded points along straight lines between random noise vectors."""
    rng = np.random.default_rng(seed)
    ends = rng.standard_normal((rows, 2, latent_size)).astype(np.float32)
    return list(decode(g, np.concatenate([line(a, b, steps) for a, b in ends])))


def _judge_metrics(judge: Judge, images: np.ndarray, real_feats: np.ndarray,
                   suffix: str) -> dict[str, float]:
    feats, proba = judge.features_and_proba(images)
    conf, cover = confidence_and_coverage(proba)
    return {f"fid{suffix}": fid(real_feats, feats), f"classifier_confidence{suffix}": conf,
            f"class_coverage{suffix}": cover}


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Train the judge, the DCGAN, the dense GAN; measure them; write grids and weights."""
    from ...data.image_sets import image_set

    _check(cfg)
    data = image_set(cfg.dataset, cfg.data_path)
    x, y = data.x_train, data.y_train
    if cfg.limit:
        x, y = x[:cfg.limit], y[:cfg.limit]
    # each phase reseeds from seeds drawn once from the run's seed, so a phase skipped or
    # resumed leaves the others exactly as in an uninterrupted run
    phase_seeds = [int(s) for s in get_rng().integers(0, 2**31 - 1, size=3)]

    print(f"the judge: the mnist task's CNN on {len(x)} {cfg.dataset} images")
    manual_seed(phase_seeds[0])
    judge = train_judge(x, y, cfg.classifier_epochs, out / "state_classifier.npz")
    save_checkpoint(out / "classifier.npz", judge.model, epoch=cfg.classifier_epochs - 1,
                    extra={"mean": judge.mean, "std": judge.std,
                           "classes": list(data.classes)})  # all load_judge needs
    n_eval = min(cfg.samples, len(data.x_test))
    real_test = data.x_test[:n_eval]
    real_feats, real_proba = judge.features_and_proba(real_test)
    metrics: dict[str, Any] = {
        "classifier_test_accuracy": float(np.mean(real_proba.argmax(1) == data.y_test[:n_eval])),
        "fid_train_vs_test": fid(judge.features_and_proba(x[:n_eval])[0], real_feats)}

    xg = x * 2 - 1  # tanh's range
    fixed = SAMPLE_SEED

    def grid(epoch: int) -> None:
        save_png(image_grid(generate(g, 64, cfg.latent_size, fixed)),
                 out / f"samples_epoch_{epoch + 1:02d}.png", scale=2)

    print(f"\nDCGAN: {cfg.epochs} epochs on {len(x)} images")
    manual_seed(phase_seeds[1])
    g, d = build("dcgan", cfg.latent_size, cfg.refine)
    info = train_gan(g, d, xg, name="dcgan", out=out, latent_size=cfg.latent_size,
                     batch_size=cfg.batch_size, lr=cfg.lr, beta1=cfg.beta1, epochs=cfg.epochs,
                     on_epoch=grid)
    save_checkpoint(out / "generator.npz", g, epoch=info["epochs"] - 1)
    samples = generate(g, cfg.samples, cfg.latent_size, SAMPLE_SEED + 1)
    metrics.update(_judge_metrics(judge, samples, real_feats, ""))
    metrics.update({"dcgan_seconds": round(info["seconds"], 1),
                    "dcgan_cpu_seconds": round(info["cpu_seconds"], 1),
                    "dcgan_steps": info["steps"],
                    "dcgan_epochs": info["epochs"], "params_generator": g.num_parameters(),
                    "params_discriminator": d.num_parameters()})
    save_png(image_grid(samples[:64]), out / "samples.png", scale=2)
    save_png(image_grid(latent_walk(g, cfg.latent_size, SAMPLE_SEED + 2), ncols=10),
             out / "latent_walk.png", scale=2)
    art = {"samples": "samples.png", "latent walk": "latent_walk.png",
           "grids per epoch": "samples_epoch_NN.png", "generator": "generator.npz",
           "classifier": "classifier.npz"}

    if cfg.baseline:
        print(f"\ndense GAN: the DCGAN's {info['cpu_seconds']:.0f} CPU seconds of training")
        manual_seed(phase_seeds[2])
        gd, dd = build("dense", cfg.latent_size)
        dinfo = train_gan(gd, dd, xg, name="dense", out=out, latent_size=cfg.latent_size,
                          batch_size=cfg.batch_size, lr=cfg.lr, beta1=cfg.beta1, epochs=10**6,
                          seconds=info["cpu_seconds"])
        save_checkpoint(out / "generator_dense.npz", gd, epoch=dinfo["epochs"] - 1)
        dsamples = generate(gd, cfg.samples, cfg.latent_size, SAMPLE_SEED + 1)
        metrics.update(_judge_metrics(judge, dsamples, real_feats, "_dense"))
        metrics.update({"dense_seconds": round(dinfo["seconds"], 1),
                        "dense_cpu_seconds": round(dinfo["cpu_seconds"], 1),
                        "dense_steps": dinfo["steps"], "dense_epochs": dinfo["epochs"],
                        "params_generator_dense": gd.num_parameters()})
        save_png(image_grid(dsamples[:64]), out / "samples_dense.png", scale=2)
        art.update({"dense samples": "samples_dense.png",
                    "dense generator": "generator_dense.npz"})
    metrics.update({"train_images": len(x), "samples": cfg.samples})
    return Result(metrics, art, data.checksums)


class Sampler:
    """A trained generator: ``sample(n, seed)`` -> images in [0, 1], N x 1 x 28 x 28;
    ``walk(seed_a, seed_b, steps)``: the images along the line between the first noise vector
    of each seed (the first sample of each one's grid); ``decode(z)``: any noise vectors'."""

    def __init__(self, generator: Any, config: Config) -> None:
        self.generator, self.config = generator, config

    def sample(self, n: int = 64, seed: int = 0) -> np.ndarray:
        if n < 1:
            raise ValueError(f"sample: n must be >= 1, got {n}")
        return generate(self.generator, n, self.config.latent_size, seed)

    def decode(self, z: Any) -> np.ndarray:
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.config.latent_size:
            raise ValueError(f"decode: z should be N x {self.config.latent_size}, got shape "
                             f"{z.shape}")
        return decode(self.generator, z)

    def walk(self, seed_a: int, seed_b: int, steps: int = 10) -> np.ndarray:
        if steps < 2:
            raise ValueError(f"walk: steps must be >= 2 (both ends), got {steps}")
        size = self.config.latent_size
        return self.decode(line(noise(1, size, seed_a)[0], noise(1, size, seed_b)[0], steps))


def load(out: Path, kind: str = "dcgan") -> Sampler:
    """The generator a finished run trained (``generator.npz``; ``kind='dense'``: the
    baseline's)."""
    from ..rundir import read_run

    run_ = read_run(out, NAME)
    path = Path(out) / ("generator.npz" if kind == "dcgan" else "generator_dense.npz")
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the generator of a finished gan run")
    # runs written before the deeper generator existed have no "refine" and the plain one
    saved = run_.info.get("config") or {}
    g, _ = build(kind, run_.config.latent_size, bool(saved.get("refine", False)))
    g.load_state_dict(load_checkpoint(path)["model"])
    return Sampler(g.eval(), run_.config)


def load_judge(out: Path) -> Judge:
    """The classifier a finished run trained to judge its generators (``classifier.npz``),
    standardized as it was trained (the mean and std of the run's training images, saved with
    it; read again from the data set for runs that saved none), its class names those of the
    run's data set; a TaskError when those cannot be read."""
    from ...data.image_sets import image_set
    from ...data.store import DataError
    from ..rundir import read_run

    cfg = read_run(out, NAME).config
    path = Path(out) / "classifier.npz"
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the classifier of a finished gan run")
    saved = load_checkpoint(path)
    model = models.mnist_cnn()
    model.load_state_dict(saved["model"])
    extra = saved["extra"]
    if {"mean", "std", "classes"} <= set(extra):
        return Judge(model, float(extra["mean"]), float(extra["std"]), list(extra["classes"]))
    try:
        data = image_set(cfg.dataset, cfg.data_path)
    except DataError as e:
        raise TaskError(f"gan: the {cfg.dataset} training images cannot be read ({e})") from e
    x = data.x_train[:cfg.limit] if cfg.limit else data.x_train
    return Judge(model, float(x.mean()), float(x.std()), list(data.classes))


def sample(predictor: Sampler, n: int = 64, seed: int = 0) -> np.ndarray:
    """``deepgrad sample gan``: ``n`` new images from the run's generator."""
    return predictor.sample(n, seed)

