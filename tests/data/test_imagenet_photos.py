"""Photos for the ImageNet classifier: preprocessing and bad input (no weights needed)."""

import numpy as np
import pytest

from deepgrad.data import DataError
from deepgrad.data.imagenet import MAX_PIXELS, load_photo, photo_batch, preprocess, softmax

PIL = pytest.importorskip("PIL.Image")


def test_preprocess_crop_resize_normalize():
    # a 300 x 200 photo: the center square of 0.875 * 200 = 175 pixels, resized to 224
    a = np.zeros((200, 300, 3), np.uint8)
    a[:, 150:] = 255  # right half white
    x = preprocess(a)
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    assert x.min() == pytest.approx(-127 / 128) and x.max() == pytest.approx(128 / 128)
    assert (x[:, :, :100] < 0).all() and (x[:, :, 124:] > 0).all()  # the edge stays centered
    y = preprocess(a, normalization="imagenet")
    assert y[0, 0, 0] == pytest.approx((0 - 0.485) / 0.229, rel=1e-6)
    with pytest.raises(ValueError, match="normalization"):
        preprocess(a, normalization="tf")


def test_grayscale_rgba_and_any_size(tmp_path):
    g = tmp_path / "gray.png"
    PIL.fromarray(np.full((31, 517), 100, np.uint8)).save(g)
    r = tmp_path / "rgba.png"
    PIL.fromarray(np.full((600, 40, 4), 200, np.uint8)).save(r)
    x = photo_batch([str(g), str(r), np.zeros((5, 5, 3), np.uint8)])
    assert x.shape == (3, 3, 224, 224)
    assert np.allclose(x[0], (100 - 127) / 128)


def test_not_an_image(tmp_path):
    p = tmp_path / "notes.jpg"
    p.write_text("this is not a photo")
    with pytest.raises(DataError, match="notes.jpg.*not an image"):
        load_photo(p)
    with pytest.raises(DataError, match="no such photo"):
        load_photo(tmp_path / "absent.png")


def test_truncated_jpeg(tmp_path):
    skimage_data = pytest.importorskip("skimage.data")
    full = tmp_path / "cat.jpg"
    PIL.fromarray(skimage_data.chelsea()).save(full, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert load_photo(full).size == (451, 300)
    with pytest.raises(DataError, match="cut.jpg.*truncated"):
        load_photo(cut)


def test_over_50_megapixels_refused_from_the_header(tmp_path):
    p = tmp_path / "huge.png"
    PIL.new("L", (8000, 6500)).save(p)  # 52 MP of black: a small file
    assert p.stat().st_size < 1 << 20 and 8000 * 6500 > MAX_PIXELS
    with pytest.raises(DataError, match=r"huge.png: image too large.*at most 50,000,000"):
        load_photo(p)
    bomb = tmp_path / "bomb.png"
    PIL.new("1", (12000, 10000)).save(bomb)  # 120 MP: Pillow's own guard refuses it
    with pytest.raises(DataError, match="bomb.png: image too large"):
        load_photo(bomb)
    with pytest.raises(DataError, match="too large"):
        load_photo(np.zeros((1, MAX_PIXELS + 1), np.uint8))


def test_softmax_rows_sum_to_one():
    p = softmax(np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], np.float32))
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert p[0, 0] == pytest.approx(1.0)
