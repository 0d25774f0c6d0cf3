"""``deepgrad sample gan`` and ``deepgrad morph A B``: from the latest run by default or from
--run DIR, PNGs of the documented layout, one-line errors with exit code 2."""

import numpy as np
import pytest
from PIL import Image

from deepgrad.cli import main
from deepgrad.tasks import autoencoder, gan, load_run, run_task


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def gan_run(tiny_mnist, out_root):
    cfg = gan.Config(epochs=1, batch_size=32, limit=64, classifier_epochs=1, samples=32,
                     baseline=False, data_path=str(tiny_mnist))
    path, _ = run_task(gan, cfg)
    return path


@pytest.fixture
def ae_run(tiny_mnist, out_root):
    cfg = autoencoder.Config(epochs=1, pca_steps=10, limit=120, test_limit=40, faces=False,
                             data_path=str(tiny_mnist))
    path, _ = run_task(autoencoder, cfg)
    return path


def test_sample_gan_writes_a_grid_from_the_latest_run(capsys, gan_run, tmp_path):
    out = tmp_path / "s.png"
    code, text, _ = run(capsys, "sample", "gan", "--n", "10", "--seed", "3", "--out", str(out))
    assert code == 0 and str(gan_run) in text and str(out) in text
    assert Image.open(out).size == (2 * (8 * 30 + 2), 2 * (2 * 30 + 2))  # 8 columns, 2 rows
    grid = np.asarray(Image.open(out))
    again = tmp_path / "t.png"
    assert run(capsys, "sample", "gan", "--n", "10", "--seed", "3", "--run", str(gan_run),
               "--out", str(again))[0] == 0
    np.testing.assert_array_equal(np.asarray(Image.open(again)), grid)  # the seed decides


def test_sample_errors_are_one_line_and_exit_2(capsys, out_root, tmp_path):
    code, _, err = run(capsys, "sample", "gan")
    assert code == 2 and "no finished run of gan" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "sample", "gan", "--run", str(tmp_path / "nope"))
    assert code == 2 and "no such run directory" in err


def test_morph_indices_and_files(capsys, ae_run, tmp_path, blob_digits):
    out = tmp_path / "m.png"
    code, text, _ = run(capsys, "morph", "3", "17", "--steps", "5", "--out", str(out))
    assert code == 0 and str(out) in text
    assert Image.open(out).size == (4 * (7 * 30 + 2), 4 * 32)  # A, 5 morphs, B
    x, _ = blob_digits(2, 7)
    files = []
    for i, im in enumerate(x):
        p = tmp_path / f"digit{i}.png"
        Image.fromarray(255 - im).save(p)  # dark on light: read_image inverts it
        files.append(str(p))
    out2 = tmp_path / "m2.png"
    assert run(capsys, "morph", *files, "--model", "pca", "--out", str(out2))[0] == 0
    strip = np.asarray(Image.open(out2).convert("L"), np.float64) / 255
    first = strip[8:8 + 28 * 4:4, 8:8 + 28 * 4:4]  # tile 0 at scale 4, one pixel per cell
    np.testing.assert_allclose(first, x[0] / 255, atol=2 / 255)
    ae = load_run(ae_run)
    assert ae.morph(np.zeros((1, 28, 28)), np.ones((1, 28, 28)), 3, "dense").shape == (3, 1, 28,
                                                                                       28)


def test_morph_errors(capsys, ae_run, tmp_path):
    code, _, err = run(capsys, "morph", "3", "99999")
    assert code == 2 and "the test set has images 0..39" in err
    code, _, err = run(capsys, "morph", "3", str(tmp_path / "missing.png"))
    assert code == 2 and "neither a test-image index nor an image file" in err
    code, _, err = run(capsys, "morph", "3", "4", "--steps", "1")
    assert code == 2 and "--steps must be >= 2" in err
