import numpy as np
import pytest

from deepgrad.data.transforms import (
    Compose,
    GaussianNoise,
    Normalize,
    RandomCrop,
    RandomErasing,
    RandomHorizontalFlip,
    RandomRotation,
    RandomShift,
    ToFloat,
    _affine,
)


def _img():
    return np.arange(3 * 8 * 8, dtype=np.uint8).reshape(3, 8, 8)


def test_normalize_per_channel_float32():
    x = _img()
    out = Normalize(mean=[1.0, 2.0, 3.0], std=[2.0, 2.0, 2.0])(x)
    assert out.dtype == np.float32
    assert np.allclose(out[1], (x[1].astype(np.float32) - 2) / 2)
    assert ToFloat()(x).max() <= 1.0
    with pytest.raises(ValueError, match="channel"):
        Normalize([0, 0], [1, 1])(x)


def test_random_crop_with_padding_is_a_shifted_window():
    x = _img()
    outs = {RandomCrop(8, padding=2, seed=s)(x).tobytes() for s in range(20)}
    assert len(outs) > 1
    out = RandomCrop(8, padding=2, seed=0)(x)
    assert out.shape == x.shape and out.dtype == np.uint8
    padded = np.pad(x, [(0, 0), (2, 2), (2, 2)])
    assert any(np.array_equal(out, padded[:, i:i + 8, j:j + 8])
               for i in range(5) for j in range(5))


def test_flip_probability_and_determinism():
    x = _img()
    assert np.array_equal(RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    assert RandomHorizontalFlip(p=0.0)(x) is x
    a = [RandomHorizontalFlip(seed=3)(x) for _ in range(1)][0]
    b = RandomHorizontalFlip(seed=3)(x)
    assert np.array_equal(a, b)


def test_rotation_zero_is_identity_and_90_rotates():
    x = np.zeros((9, 9), np.float32)
    x[1, 4] = 1.0  # above the centre
    assert np.allclose(RandomRotation(0, seed=0)(x), x)
    out = _affine(x, 90.0, (0.0, 0.0), order=1, fill=0)
    assert out.dtype == np.float32 and np.isclose(out.sum(), 1.0, atol=1e-5)
    assert out[1, 4] < 0.01 and max(out[4, 1], out[4, 7]) > 0.99


def test_random_rotation_small_angles_keep_mass():
    x = np.zeros((1, 15, 15), np.uint8)
    x[0, 5:10, 5:10] = 200
    outs = [RandomRotation(15, seed=s)(x) for s in range(5)]
    assert all(o.dtype == np.uint8 and o.shape == x.shape for o in outs)
    assert all(abs(int(o.sum()) - int(x.sum())) < 0.1 * x.sum() for o in outs)
    assert any(not np.array_equal(o, x) for o in outs)


def test_shift_moves_content_and_fills():
    x = np.zeros((5, 5), np.uint8)
    x[2, 2] = 9
    outs = [RandomShift(2, seed=s)(x) for s in range(10)]
    assert all(o.sum() in (0, 9) for o in outs) and any(o[2, 2] == 0 for o in outs)
    assert all(o.dtype == np.uint8 for o in outs)


def test_noise_and_erasing():
    x = np.zeros((1, 16, 16), np.float32)
    n = GaussianNoise(0.5, seed=0)(x)
    assert n.dtype == np.float32 and 0.4 < n.std() < 0.6
    e = RandomErasing(p=1.0, value=7, seed=0)(x)
    frac = (e == 7).mean()
    assert 0.02 <= frac <= 0.34 and x.sum() == 0  # input untouched
    assert RandomErasing(p=0.0)(x) is x
    pipe = Compose([RandomCrop(16, padding=2, seed=1), RandomHorizontalFlip(seed=1),
                    GaussianNoise(0.1, seed=1)])
    assert pipe(x).shape == x.shape


def test_random_translate_moves_each_image_by_its_own_offset():
    from deepgrad.data.transforms import random_translate

    x = np.zeros((50, 1, 9, 9), np.float32)
    x[:, 0, 4, 4] = 1.0
    out = random_translate(x, 2, rng=np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    pos = np.array([np.argwhere(o[0])[0] for o in out])
    assert np.all(np.abs(pos - 4) <= 2)
    assert len({tuple(p) for p in pos}) > 5  # offsets differ between images
    assert out.sum() == 50  # nothing lost: the dot never leaves a 9x9 image shifted by 2
    np.testing.assert_array_equal(random_translate(x[:, 0], 0), x[:, 0])
