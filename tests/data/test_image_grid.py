"""image_grid / save_png: tiles in rows with gaps, grey repeated to RGB, blanks, PNG scaling;
image_sets: the 100 scikit-image faces."""

import numpy as np
import pytest
from PIL import Image

from deepgrad.data.image_grid import image_grid, save_png
from deepgrad.data.image_sets import image_set, skimage_faces


def test_tiles_go_left_to_right_then_down_with_gaps():
    ims = np.stack([np.full((1, 2, 3), v, np.float32) for v in (0.1, 0.2, 0.3)])
    g = image_grid(ims, ncols=2, pad=1, pad_value=1.0)
    assert g.shape == (1 + 2 * 3, 1 + 2 * 4, 3)
    np.testing.assert_allclose(g[1:3, 1:4], 0.1)
    np.testing.assert_allclose(g[1:3, 5:8], 0.2)
    np.testing.assert_allclose(g[4:6, 1:4], 0.3)
    np.testing.assert_allclose(g[4:6, 5:8], 1.0)  # the row is not full: blank
    np.testing.assert_allclose(g[0], 1.0)


def test_none_leaves_a_blank_and_values_are_clipped(tmp_path):
    rgb = np.zeros((3, 2, 2), np.float32)
    rgb[0] = 2.0  # clipped to 1
    g = image_grid([rgb, None, rgb], ncols=3, pad=0, pad_value=0.5)
    np.testing.assert_allclose(g[:, 0:2, 0], 1.0)
    np.testing.assert_allclose(g[:, 2:4], 0.5)
    p = save_png(g, tmp_path / "g.png", scale=3)
    a = np.asarray(Image.open(p))
    assert a.shape == (6, 18, 3) and a.dtype == np.uint8 and a[0, 0, 0] == 255
    with pytest.raises(ValueError, match="C = 1 or 3"):
        image_grid(np.zeros((2, 2, 4, 4)))
    with pytest.raises(ValueError, match="tile 1 has shape"):
        image_grid([rgb, np.zeros((3, 3, 3))])


def test_skimage_faces_and_unknown_sets():
    f = skimage_faces()
    assert f.shape == (100, 1, 25, 25) and f.dtype == np.float32
    assert 0 <= f.min() and f.max() <= 1
    with pytest.raises(ValueError, match="mnist, fashion_mnist, lfw"):
        image_set("cifar")
