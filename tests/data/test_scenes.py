import json

import numpy as np
import pytest

from conftest import leftovers
from deepgrad.data import coco_captions, coco_instances, rle_decode
from deepgrad.data.scene_captions import article, captions_for, relation_of
from deepgrad.data.scenes import compose_scenes, heldout_combinations

pytest.importorskip("PIL")


def _glyphs(n_per_class=3):
    """Fake 28x28 'digits': a bright blob whose shape depends on the class."""
    rng = np.random.default_rng(0)
    xs, ys = [], []
    for c in range(10):
        for _ in range(n_per_class):
            g = np.zeros((28, 28), np.uint8)
            h, w = 10 + c, 8 + (c % 5) * 2
            g[14 - h // 2: 14 - h // 2 + h, 14 - w // 2: 14 - w // 2 + w] = rng.integers(
                150, 256)
            xs.append(g)
            ys.append(c)
    return np.stack(xs), np.array(ys)


def _canon(a, rel, b):
    return {"right": (b, "left", a), "below": (b, "above", a)}.get(rel, (a, rel, b))


def test_relation_and_grammar():
    assert relation_of([0, 0, 10, 10], [30, 2, 10, 10]) == "left"
    assert relation_of([30, 2, 10, 10], [0, 0, 10, 10]) == "right"
    assert relation_of([0, 0, 10, 10], [2, 30, 10, 10]) == "above"
    assert relation_of([0, 0, 10, 10], [20, 20, 10, 10]) is None  # diagonal: ambiguous
    assert article("eight") == "an" and article("one") == "a" and article("ankle boot") == "an"
    caps = captions_for("seven", "small", "two", "large", "left", ["seven", "two", "eight"])
    assert caps[0] == "a small seven to the left of a large two"
    assert caps[1] == "a two to the right of a seven"
    assert caps[4] == "three digits: a seven, a two and an eight"
    assert len(set(caps)) == 5


def test_scenes_are_deterministic_and_consistent():
    x, y = _glyphs()
    a = compose_scenes(12, x, y, seed=3)
    b = compose_scenes(12, x, y, seed=3)
    c = compose_scenes(12, x, y, seed=4)
    assert all(np.array_equal(s.image, t.image) and s.captions == t.captions
               for s, t in zip(a, b, strict=True))
    assert any(not np.array_equal(s.image, t.image) for s, t in zip(a, c, strict=True))
    for s in a:
        assert s.image.shape == (64, 64) and 2 <= len(s.objects) <= 4 and len(s.captions) == 5
        sem = s.semantic_mask()
        for o in s.objects:
            bx, by, bw, bh = o.bbox
            ys_, xs_ = np.nonzero(o.mask)
            assert (xs_.min(), ys_.min(), xs_.max() + 1, ys_.max() + 1) == (bx, by, bx + bw,
                                                                            by + bh)
            assert (sem[o.mask] == o.label + 1).all() and (s.image[o.mask] > 64).all()
        # the caption states the pair's true relation
        a_lab, rel, b_lab = s.combination
        oa = next(o for o in s.objects if o.label == a_lab)
        assert rel in ("left", "above") and f"the {oa.name} is" in s.captions[2]


def test_splits_hold_out_combinations():
    x, y = _glyphs()
    held = heldout_combinations(20, seed=0)
    assert len(held) == 20
    train = compose_scenes(40, x, y, split="train", seed=0)
    test = compose_scenes(20, x, y, split="test", seed=0)
    for s in train:
        assert s.combination not in held
        for i, oi in enumerate(s.objects):
            for oj in s.objects[i + 1:]:
                r = relation_of(oi.bbox, oj.bbox)
                assert r is None or _canon(oi.label, r, oj.label) not in held
    assert all(s.combination in held for s in test)
    assert len({s.combination for s in test}) == 20


def test_written_coco_is_read_by_coco_readers(tmp_path):
    from deepgrad.data.scenes_coco import write_scenes_coco

    x, y = _glyphs()
    root = write_scenes_coco(tmp_path / "scenes", x, y, x, y, n_train=6, n_val=2, n_test=3,
                             seed=1)
    recs = coco_captions(root, "train")
    assert len(recs) == 6 and all(len(r["captions"]) == 5 for r in recs)
    assert recs[0]["file"].is_file() and recs[0]["file"].suffix == ".png"
    assert len(coco_captions(root, "test")) == 3 and len(coco_captions(root, "val")) == 2
    insts, cats = coco_instances(root, "train")
    assert cats[1] == "zero" and cats[10] == "nine"
    from PIL import Image

    sem = np.asarray(Image.open(root / "masks_train2014" / recs[0]["file"].name))
    for o in insts[0]["objects"]:
        m = rle_decode(o["segmentation"])
        assert m.sum() == o["area"] and (sem[m] == o["category_id"]).all()
    info = json.loads((root / "annotations" / "captions_test2014.json").read_text())["info"]
    assert info["seed"] == 1 and len(info["heldout_combinations"]) == 20
    assert leftovers(tmp_path) == []


def test_failed_write_leaves_no_folder(tmp_path):
    from deepgrad.data.scenes_coco import write_scenes_coco

    x, y = _glyphs()
    with pytest.raises(ValueError, match="every class"):
        write_scenes_coco(tmp_path / "s", x, y, x[y < 5], y[y < 5], 2, 1, 1)
    assert not (tmp_path / "s").exists() and leftovers(tmp_path) == []


@pytest.mark.slow
def test_real_mnist_scenes(tmp_path):
    import importlib

    mn = importlib.import_module("deepgrad.data.mnist")
    from deepgrad.data.store import dataset_dir

    if not mn._present(dataset_dir("mnist"), mn.MNIST_FILES):
        pytest.skip("MNIST not in the store")
    (x, y), (xt, yt) = mn.mnist()
    s = compose_scenes(50, x, y, seed=0)
    assert len(s) == 50 and len({c for q in s for c in q.captions}) > 100
